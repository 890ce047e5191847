"""Encodings, line endings, binary files and Unicode normalisation of the readers."""

from __future__ import annotations

import codecs
import hashlib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest import ReadOptions, document_name, read_documents
from qualcode.ingest.normalise import decode_bytes, normalise_text
from qualcode.models import ParsedDocument

DATA = Path(__file__).parent / "data" / "ingest"
DIALOGUE = "Interviewer: Où êtes-vous née ?\nP01: À Zürich, près du lac."


def read_one(name: str, encoding: str | None = None) -> ParsedDocument:
    [document] = read_documents(DATA / name, options=ReadOptions(encoding=encoding))
    return document


def error_of(name: str, encoding: str | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_documents(DATA / name, options=ReadOptions(encoding=encoding))
    return str(caught.value)


# decode_bytes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("héllo".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "héllo".encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "héllo".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "héllo".encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + "héllo".encode("utf-32-le"), "utf-32"),
        ("héllo".encode("cp1252"), "cp1252"),
        ("héllo".encode("utf-16-le"), "utf-16-le"),
        ("héllo".encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decode_bytes_detects_the_encoding(data: bytes, encoding: str) -> None:
    text, used = decode_bytes(data, path=Path("x.txt"))
    assert (text, used) == ("héllo", encoding)
    # the reported name reads the same bytes back
    assert normalise_text(data.decode(used)) == "héllo"


def test_decode_bytes_forced_encoding_wins() -> None:
    data = "Ωmega".encode("cp1253")
    assert decode_bytes(data, path=Path("x.txt"), encoding="cp1253") == ("Ωmega", "cp1253")
    assert decode_bytes(b"abc", path=Path("x.txt"), encoding="Latin-1") == ("abc", "iso8859-1")


@pytest.mark.parametrize(
    ("data", "encoding", "message"),
    [
        (b"", None, "x.txt: file is empty (leave it out, or check that it is the file you meant)"),
        (codecs.BOM_UTF8, None, "x.txt: file is empty (leave it out, or check that it is the file you meant)"),
        (b" \n\t\r\n", None, "x.txt: file contains only whitespace (leave it out, or check that it is the file you meant)"),
        (b"abc\x00def", None, ("x.txt:1: contains NUL bytes, so it is not a plain-text transcript"
                                " (if it is UTF-16 text, pass --encoding utf-16-le or utf-16-be; "
                "otherwise remove the NUL bytes)")),
        (b"\x01\x02\x03\x04 some text", None,
         "x.txt: looks like a binary file, not a transcript (if it is text, pass --encoding with its encoding)"),
        (b"abc", "xyz", "x.txt: unknown encoding 'xyz'"),
        (b"abc", "base64", "x.txt: unknown encoding 'base64'"),
        (
            b"ok \x81\x8d",
            None,
            (
                "x.txt:1: cannot be decoded as utf-8 (byte 0x81 at offset 3)"
                " (pass --encoding, e.g. --encoding latin-1)"
            ),
        ),
        (
            "café".encode("cp1252"),
            "utf-8",
            (
                "x.txt:1: cannot be decoded as utf-8 (byte 0xe9 at offset 3)"
                " (pass --encoding with the file's encoding)"
            ),
        ),
    ],
)
def test_decode_bytes_errors(data: bytes, encoding: str | None, message: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_bytes(data, path=Path("x.txt"), encoding=encoding)
    assert str(caught.value) == message


# normalise_text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("a\r\n\r\nb", "a\n\nb"),
        ("\ufeffabc", "abc"),
        ("a\x00b", "ab"),
        ("e\u0301te\u0301", "été"),
        ("line\u2028next\u2029para", "line\nnext\npara"),
        ("  keep leading\n\n  \t\n", "  keep leading"),
        ("emoji 😀 stays", "emoji 😀 stays"),
        ("a\x0bb\x0cc\x85d", "a\nb\nc\nd"),
        ("\x1b]0;title\x07 and \x1b[2J, \x9b1m", "\ufffd]0;title\ufffd and \ufffd[2J, \ufffd1m"),
        ("tab\tstays", "tab\tstays"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@given(st.text())
def test_normalise_text_is_idempotent_and_clean(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once
    assert "\x00" not in once
    assert not once.startswith("\ufeff")
    assert once == once.rstrip()


# files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["utf8_bom.txt", "utf16le_bom.txt", "utf16be_bom.txt"])
def test_files_with_a_byte_order_mark(name: str) -> None:
    document = read_one(name)
    assert document.text == DIALOGUE
    assert document.warnings == ()
    assert [document.text[t.start : t.end] for t in document.turns] == [
        "Où êtes-vous née ?",
        "À Zürich, près du lac.",
    ]


def test_utf16_without_a_mark_is_read_with_a_warning() -> None:
    document = read_one("utf16le_nobom.txt")
    assert document.text == DIALOGUE
    assert document.warnings == (
        "decoded as utf-16-le (no byte-order mark); pass --encoding to choose",
    )


def test_cp1252_fallback_warns() -> None:
    document = read_one("cp1252.txt")
    assert document.text == "Interviewer: Café “quotes” – déjà vu?\nP01: Oui."
    assert document.warnings == ("decoded as cp1252; pass --encoding to choose",)


def test_forced_encoding_reads_without_warning() -> None:
    document = read_one("cp1252.txt", encoding="cp1252")
    assert document.text.startswith("Interviewer: Café “quotes”")
    assert document.warnings == ()


def test_forced_latin1_differs_from_cp1252() -> None:
    # the same bytes mean other characters in latin-1: the user's choice is respected
    assert read_one("cp1252.txt", encoding="latin-1").text.startswith("Interviewer: Café \ufffd")


def test_forced_wrong_encoding_names_the_byte() -> None:
    assert error_of("utf16le_bom.txt", encoding="utf-8") == (
        f"{DATA / 'utf16le_bom.txt'}:1: cannot be decoded as utf-8 (byte 0xff at offset 0)"
        " (pass --encoding with the file's encoding)"
    )


def test_unknown_encoding_is_refused_when_options_are_made() -> None:
    with pytest.raises(InputError) as caught:
        ReadOptions(encoding="xyz")
    assert str(caught.value) == "unknown encoding 'xyz'"


@pytest.mark.parametrize("name", ["crlf.txt", "cr.txt"])
def test_crlf_and_cr_line_endings(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert b"\r" in raw  # the file kept its line endings in the repository
    document = read_one(name)
    assert document.text == "Interviewer: One.\nP01: Two\nlines."
    assert [(t.speaker, document.text[t.start : t.end]) for t in document.turns] == [
        ("Interviewer", "One."),
        ("P01", "Two\nlines."),
    ]


def test_mixed_line_endings() -> None:
    document = read_one("mixed.txt")
    assert document.text == "Interviewer: One.\nP01: Two\nlines.\nThree."


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", " file is empty (leave it out, or check that it is the file you meant)"),
        ("bom_only.txt", " file is empty (leave it out, or check that it is the file you meant)"),
        ("whitespace.txt", " file contains only whitespace (leave it out, or check that it is the file you meant)"),
        ("photo.txt", (" is a PNG image, not a transcript (give the file its real suffix, "
                       "or save the text as a UTF-8 .txt file)")),
        ("nul.txt", ("1: contains NUL bytes, so it is not a plain-text transcript"
         " (if it is UTF-16 text, pass --encoding utf-16-le or utf-16-be; "
                "otherwise remove the NUL bytes)")),
        ("controls.txt", " looks like a binary file, not a transcript (if it is text, pass --encoding with its encoding)"),
        (
            "invalid_utf8.txt",
            (
                "1: cannot be decoded as utf-8 (byte 0xe9 at offset 16)"
                " (pass --encoding, e.g. --encoding latin-1)"
            ),
        ),
    ],
)
def test_unreadable_files(name: str, message: str) -> None:
    assert error_of(name) == f"{DATA / name}:{message}"


def test_invalid_utf8_reads_with_a_forced_encoding() -> None:
    document = read_one("invalid_utf8.txt", encoding="latin-1")
    assert document.text == "Interviewer: café\nP01: \ufffd odd"


def test_missing_file_directory_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_documents(tmp_path / "gone.txt")
    assert str(caught.value) == f"{tmp_path / 'gone.txt'}: file not found"
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(InputError) as caught:
        read_documents(folder)
    assert str(caught.value) == f"{folder}: is a directory, not a file"
    with pytest.raises(InputError) as caught:
        read_documents(tmp_path / "paper.pdf")
    assert str(caught.value) == (
        f"{tmp_path / 'paper.pdf'}: cannot read a file type '.pdf'"
        " (qualcode reads .csv, .docx, .markdown, .md, .srt, .txt, .vtt, .xlsx)"
    )


def test_document_records_its_source() -> None:
    path = DATA / "crlf.txt"
    document = read_one("crlf.txt")
    assert document.name == "crlf" == document_name(path)
    assert document.format == "text"
    assert document.source_path == str(path)
    assert document.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_one("preamble.md").format == "markdown"


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "Interview.TXT"
    path.write_bytes(b"P01: hi\n")
    [document] = read_documents(path)
    assert (document.name, document.format, document.text) == ("Interview", "text", "P01: hi")

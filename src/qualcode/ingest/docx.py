"""Word ``.docx`` transcripts: body paragraphs and table rows, then the text rules."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.common import require_zip
from qualcode.ingest.normalise import normalise_text
from qualcode.ingest.options import ReadOptions
from qualcode.ingest.text import transcript_document
from qualcode.models import ParsedDocument


def read_docx(path: Path, data: bytes, options: ReadOptions) -> ParsedDocument:
    """Read a ``.docx`` transcript from its bytes.

    Body paragraphs become lines (a line break inside a paragraph stays a line break); a
    table row becomes one line of its cell texts joined by tabs. Headers, footers,
    comments and text boxes are left out. The text is then cut into turns like a ``.txt``.
    """
    text = normalise_text("\n".join(_lines(_open(path, data))))
    if not text.strip():
        raise InputError("document has no text", path=path)
    return transcript_document(path, data, text, options, format="docx")


def _open(path: Path, data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    require_zip(data, kind=".docx", path=path)
    hint = "open it in Word and save it again as a .docx file"
    try:
        return docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        message = "not a valid .docx file (damaged zip archive)"
        raise InputError(message, path=path, hint=hint) from None
    except (PackageNotFoundError, KeyError, ValueError):
        message = "not a valid .docx file (no Word document inside)"
        raise InputError(message, path=path, hint=hint) from None
    except SyntaxError as exc:  # lxml's XMLSyntaxError
        message = f"not a valid .docx file (broken XML: {exc})"
        raise InputError(message, path=path, hint=hint) from None


def _lines(document: Any) -> Iterator[str]:
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield block.text


def _table_lines(table: Any) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            # a merged cell is returned once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(" ".join(cell.text.split()))
        line = "\t".join(text for text in cells if text)
        if line:
            yield line

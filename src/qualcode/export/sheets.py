"""Streaming Excel sheets: rows go to the file as they come, never into a workbook in memory.

openpyxl keeps a Python object per cell, and even its write-only mode spends most of its
time building an XML element per cell. Here a sheet is made in two passes over its rows:
the first cleans each cell (as :func:`qualcode.export.excel.put` does), works out the
column widths and spools the rows to a temporary file; the second writes the rows'
XML as text. openpyxl still writes everything else (header, widths, frozen pane,
filter, styles), so the sheet looks exactly like one :func:`~qualcode.export.excel.fill_sheet`
makes. At most one sheet's rows (Excel's limit) are spooled at a time.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qualcode.export import excel

if TYPE_CHECKING:
    from openpyxl import Workbook

# openpyxl's stubs give its write-only worksheet fewer attributes than it has at run time
WriteOnlyWorksheet = Any

SHEET_DATA_END = "</sheetData>"
CHUNK = 1 << 20  # characters of spooled XML read at a time
XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
# characters a cell cannot hold as they are: Excel's illegal ones, and XML's special ones
SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f&<>\r]")


def add_rows(book: Workbook, key: str, title: str, columns: Sequence[str],
             rows: Iterable[Sequence[Any]], used: set[str],
             warnings: list[str] | None = None) -> int:
    """Stream ``rows`` into write-only ``book`` as one sheet, or several past Excel's limit.

    Returns the number of rows written. Long text is cut and reported in ``warnings``,
    like :func:`qualcode.export.excel.add_table` does.
    """
    stream = iter(rows)
    part: Iterator[Sequence[Any]] = stream
    names: list[str] = []
    count = 0
    while True:
        name = excel.sheet_name(key if not names else f"{key} ({len(names) + 1})", used)
        names.append(name)
        written = _write_sheet(book.create_sheet(name), title, columns,
                               islice(part, excel.MAX_ROWS), warnings)
        count += written
        following = next(stream, None) if written == excel.MAX_ROWS else None
        if following is None:
            break
        part = chain([following], stream)
    if len(names) > 1 and warnings is not None:
        warnings.append(excel.split_warning(count, names))
    return count


def _write_sheet(sheet: WriteOnlyWorksheet, title: str, columns: Sequence[str],
                 rows: Iterable[Sequence[Any]], warnings: list[str] | None) -> int:
    """One sheet: the rows' XML to a spool, openpyxl's frame around it, then the spool."""
    if sheet.oddHeader is not None:  # printed above each page; "&" starts a field code
        sheet.oddHeader.center.text = title.replace("&", "&&")
    if not columns:
        sheet.close()
        return 0
    cells = _Cells(sheet, len(columns), warnings)
    header = [cells.clean(value, 1, col) for col, value in enumerate(columns)]
    cells.widths = [excel.display_width(value) for value in header]
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        count = cells.spool(rows, spool)
        _frame(sheet, header, cells.widths, cells.letters, count)
        spool.seek(0)
        _splice(sheet, _restyled(spool, cells))
    return count


class _Cells:
    """Pass one over a sheet's rows: clean each cell as :func:`qualcode.export.excel.put`
    does, widen its column to fit, and write the row's XML as openpyxl would.

    A column wider than :data:`qualcode.export.excel.MAX_WIDTH` wraps its text: the
    cells written before it grew that wide get their style when the spool is copied.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, columns: int,
                 warnings: list[str] | None) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment

        self.title, self.warnings = sheet.title, warnings
        self.letters = [_letter(n) for n in range(1, columns + 1)]
        self.widths: list[int] = []
        wrap = WriteOnlyCell(sheet)
        wrap.alignment = Alignment(wrap_text=True, vertical="top")
        self.wrap = f' s="{wrap.style_id}"'
        self.late: dict[int, int] = {}  # wrapped column -> spool length when it began to wrap

    def clean(self, value: Any, row: int, col: int) -> Any:
        return excel.cell_value(value, self.warnings,
                                lambda: f"sheet {self.title!r} cell {self.letters[col]}{row}")

    def spool(self, rows: Iterable[Sequence[Any]], spool: IO[str]) -> int:
        """Write the rows' XML to ``spool``; returns the number of rows."""
        letters, widths, full = self.letters, self.widths, excel.MAX_WIDTH - 2
        styles = [self.wrap if width > full else "" for width in widths]
        special = SPECIAL.search
        count = written = 0
        batch: list[str] = []
        wrapped: list[int] = []
        for number, row in enumerate(rows, start=2):
            batch.append(f'<row r="{number}">')
            for col, value in enumerate(row):
                kind = type(value)
                if kind is str and value and len(value) <= excel.MAX_CELL and not special(value):
                    plain = text = value  # the common cases inline: a call per cell costs
                elif value is None or value == "":
                    batch.append(f'<c r="{letters[col]}{number}"{styles[col]}/>')
                    continue
                elif kind is int:
                    batch.append(f'<c r="{letters[col]}{number}"{styles[col]} t="n">'
                                 f"<v>{value:.16g}</v></c>")
                    widths[col] = max(widths[col], len(str(value)))
                    continue
                else:
                    plain = self.clean(value, number, col)
                    if type(plain) is not str:
                        batch.append(_other(f"{letters[col]}{number}", styles[col], plain))
                        widths[col] = max(widths[col], excel.display_width(plain))
                        continue
                    text = _escape(plain)
                space = ' xml:space="preserve"' if text != text.strip() else ""
                batch.append(f'<c r="{letters[col]}{number}"{styles[col]} t="inlineStr"><is>'
                             f"<t{space}>{text}</t></is></c>")
                if len(plain) > widths[col] and widths[col] <= full:
                    widths[col] = max(widths[col], excel.display_width(plain))
                    if widths[col] > full:
                        styles[col] = self.wrap
                        wrapped.append(col)
            batch.append("</row>")
            count += 1
            if len(batch) > 20_000 or wrapped:
                written += spool.write("".join(batch))
                batch.clear()
                self.late.update(dict.fromkeys(wrapped, written))
                wrapped.clear()
        spool.write("".join(batch))
        return count


def _other(ref: str, style: str, value: Any) -> str:
    """A cell that is not text: empty (kept only with a style), a number or a boolean."""
    if value is None:
        return f'<c r="{ref}"{style}/>'
    kind = "b" if isinstance(value, bool) else "n"
    return f'<c r="{ref}"{style} t="{kind}"><v>{value:.16g}</v></c>'


def _escape(text: str) -> str:
    for char, escaped in XML_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return text


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _restyled(spool: IO[str], cells: _Cells) -> Iterator[str]:
    """The spooled XML, with the wrap style given to cells written before their column
    grew wide enough to wrap (only the start of the spool, up to the last such cell)."""
    if not cells.late:
        yield from iter(lambda: spool.read(CHUNK), "")
        return
    letters = "|".join(cells.letters[col] for col in cells.late)
    unstyled = re.compile(f'<c r="(?:{letters})[0-9]+"(?! s=)')
    end, done = max(cells.late.values()), 0
    carry = ""
    while done < end:
        read = spool.read(CHUNK)
        if not read:
            break
        done += len(read)
        chunk = carry + read
        cut = chunk.rfind("</row>")
        if cut < 0:  # a row longer than what was read
            carry = chunk
            continue
        cut += len("</row>")
        carry = chunk[cut:]
        yield unstyled.sub(lambda found: found[0] + cells.wrap, chunk[:cut])
    yield carry
    yield from iter(lambda: spool.read(CHUNK), "")


def _frame(sheet: WriteOnlyWorksheet, header: list[Any], widths: list[int], letters: list[str],
           count: int) -> None:
    """Widths, frozen header, filter and the bold header row, written by openpyxl."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    for letter, width in zip(letters, widths, strict=False):
        sheet.column_dimensions[letter].width = min(excel.MAX_WIDTH, max(8, width + 2))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{letters[len(widths) - 1]}{count + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=excel.HEADER_FILL)
    cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula
        cell.font, cell.fill = bold, fill
        cells.append(cell)
    sheet.append(cells)
    sheet.close()


def _splice(sheet: WriteOnlyWorksheet, rows: Iterable[str]) -> None:
    """Put the rows' XML after the header row of the sheet openpyxl wrote.

    openpyxl keeps a closed write-only sheet in a scratch file until the workbook is
    saved; the sheet with its rows (inserted before ``</sheetData>``) replaces it.
    """
    writer = sheet._writer
    with Path(writer.out).open(encoding="utf-8", newline="") as handle:
        written = handle.read()
    head, found, tail = written.partition(SHEET_DATA_END)
    if not found:
        msg = f"openpyxl wrote a sheet without {SHEET_DATA_END}"
        raise AssertionError(msg)
    folder = Path(writer.out).parent
    descriptor, name = tempfile.mkstemp(prefix=".qualcode-sheet.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(head)
            for part in rows:
                handle.write(part)
            handle.write(found + tail)
        Path(name).replace(writer.out)  # openpyxl zips its file on saving, then removes it
    finally:
        Path(name).unlink(missing_ok=True)

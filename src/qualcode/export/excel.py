"""Excel workbooks: formatted sheets within Excel's limits, colour scales and charts.

Every sheet gets a bold, filled, frozen header with filters and column widths that fit
(capped; long text wraps). Text is always written as a string cell, so a quote starting
with ``=`` is never a formula. Excel refuses cells over :data:`MAX_CELL` characters and
sheets over :data:`MAX_ROWS` rows: longer text is cut with a visible marker and longer
tables continue on another sheet; both are reported in the ``warnings`` list given.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.fileio import atomic_path

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL = 32_767
MAX_ROWS = 1_048_575  # data rows per sheet: Excel's 1,048,576 rows less the header
MAX_COLUMNS = 16_384
MAX_WIDTH = 60
CUT_MARKER = " [… cut: {n:,} more characters; Excel cells hold at most 32,767]"
HEADER_FILL = "DDE4EE"
SCALE_LOW, SCALE_HIGH = "FFFFFF", "F4A261"
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook (without the default sheet); ``write_only`` streams its sheets."""
    from openpyxl import Workbook

    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)  # type: ignore[arg-type]
    return book


def save_workbook(book: Workbook, target: Path) -> None:
    """Save ``book`` atomically at ``target``.

    A write-only (streamed) workbook is compressed at level 1: several times faster
    than openpyxl's default on large sheets, for files about a third larger.
    """
    from openpyxl.writer.excel import ExcelWriter

    with atomic_path(target) as tmp:
        if not book.write_only:
            book.save(tmp)
            return
        book.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                             compresslevel=1) as archive:
            ExcelWriter(book, archive).save()


def sheet_name(key: str, used: set[str]) -> str:
    """A valid, unused sheet name (at most 31 characters) made from a table key."""
    base = (key.translate(SHEET_FORBIDDEN).strip("'") or "table")[:31]
    name, number = base, 1
    while name.casefold() in used:
        number += 1
        suffix = f"~{number}"
        name = base[: 31 - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' missing markers (but not empty strings)."""
    if value is None:
        return True
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return False
    if kind is float:
        return math.isnan(value)
    import pandas as pd

    return not isinstance(value, (str, bytes)) and bool(pd.isna(value))


def excel_value(value: Any) -> Any:
    """A cell value openpyxl can store: numbers stay numbers, the rest becomes clean text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if is_missing(value) or value == "":
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def cut_text(text: str) -> str:
    """``text`` shortened to :data:`MAX_CELL` characters, ending with the cut marker."""
    keep = MAX_CELL - len(CUT_MARKER.format(n=len(text)))
    while len(CUT_MARKER.format(n=len(text) - keep - 1)) + keep + 1 <= MAX_CELL:
        keep += 1  # the count of cut characters may have fewer digits than the length
    return text[:keep] + CUT_MARKER.format(n=len(text) - keep)


def cell_value(value: Any, warnings: list[str] | None, where: Callable[[], str]) -> Any:
    """:func:`excel_value` cut to Excel's limit, with a warning naming ``where()`` if cut."""
    value = excel_value(value)
    if isinstance(value, str) and len(value) > MAX_CELL:
        value = cut_text(value)
        if warnings is not None:
            warnings.append(f"{where()}: text cut to Excel's limit of {MAX_CELL:,} characters")
    return value


def display_width(value: Any) -> int:
    """How many characters a cell shows on its widest line."""
    if isinstance(value, str):
        return max(len(line) for line in value.splitlines() or [""])
    return len(str(value)) if value is not None else 0


def put(sheet: Worksheet, row: int, column: int, value: Any,
        warnings: list[str] | None = None) -> int:
    """Write one cell (text as a string cell, never a formula); returns its display width."""
    def where() -> str:
        return f"sheet {sheet.title!r} cell {sheet.cell(row=row, column=column).coordinate}"

    cell = sheet.cell(row=row, column=column, value=cell_value(value, warnings, where))
    if isinstance(cell.value, str):
        # openpyxl takes a leading "=" for a formula; a transcript quote never is one
        cell.data_type = "s"
    return display_width(cell.value)


def fill_sheet(sheet: Worksheet, title: str, frame: pd.DataFrame,
               warnings: list[str] | None = None) -> None:
    """Write ``frame`` with a bold frozen header, filters, fitted widths and wrapped long text."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if sheet.oddHeader is not None:  # printed above each page; "&" starts a field code
        sheet.oddHeader.center.text = title.replace("&", "&&")
    if frame.shape[1] == 0:
        return
    widths = [put(sheet, 1, col, name, warnings) for col, name in enumerate(frame.columns, start=1)]
    for number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for col, value in enumerate(row, start=1):
            widths[col - 1] = max(widths[col - 1], put(sheet, number, col, value, warnings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, width in enumerate(widths, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(8, width + 2))
        if width + 2 > MAX_WIDTH:
            for cell in sheet[letter][1:]:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{len(frame) + 1}"


def add_table(book: Workbook, key: str, title: str, frame: pd.DataFrame, used: set[str],
              warnings: list[str] | None = None) -> list[Worksheet]:
    """Add ``frame`` as one sheet, or as several when it has more rows than a sheet holds.

    In a write-only workbook the sheets are streamed (see :mod:`qualcode.export.sheets`)
    and the list returned is empty.
    """
    if book.write_only:
        from qualcode.export.sheets import add_rows

        rows = frame.itertuples(index=False, name=None)
        add_rows(book, key, title, [str(c) for c in frame.columns], rows, used, warnings)
        return []
    sheets = []
    parts = max(1, math.ceil(len(frame) / MAX_ROWS))
    for part in range(parts):
        name = sheet_name(key if part == 0 else f"{key} ({part + 1})", used)
        sheet = book.create_sheet(name)
        fill_sheet(sheet, title, frame.iloc[part * MAX_ROWS : (part + 1) * MAX_ROWS], warnings)
        sheets.append(sheet)
    if parts > 1 and warnings is not None:
        warnings.append(split_warning(len(frame), [sheet.title for sheet in sheets]))
    return sheets


def split_warning(rows: int, names: Sequence[str]) -> str:
    """The warning for a table continued over several sheets."""
    listed = ", ".join(repr(name) for name in names)
    return (f"{rows:,} rows are more than an Excel sheet holds ({MAX_ROWS:,}); they continue "
            f"over the sheets {listed}")


def add_pairs(book: Workbook, key: str, pairs: Sequence[tuple[str, Any]], used: set[str]) -> None:
    """A two-column sheet of names and values (such as a provenance record)."""
    import pandas as pd

    frame = pd.DataFrame(list(pairs), columns=["field", "value"], dtype=object)
    if book.write_only:
        add_table(book, key, key, frame, used)
        return
    fill_sheet(book.create_sheet(sheet_name(key, used)), key, frame)


def colour_scale(sheet: Worksheet, first_column: int, last_row: int, last_column: int) -> None:
    """A white-to-orange colour scale over the numbers right of ``first_column`` - 1."""
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.utils import get_column_letter

    if last_row < 2 or last_column < first_column:
        return
    ref = f"{get_column_letter(first_column)}2:{get_column_letter(last_column)}{last_row}"
    rule = ColorScaleRule(start_type="min", start_color=SCALE_LOW,  # type: ignore[no-untyped-call]
                          end_type="max", end_color=SCALE_HIGH)
    sheet.conditional_formatting.add(ref, rule)


def stacked_chart(sheet: Worksheet, frame: pd.DataFrame, *, title: str, anchor: str,
                  y_title: str = "codings") -> None:
    """A native stacked column chart of ``frame`` already written to ``sheet`` from A1.

    The first column gives the categories on the x axis; every other column is a series.
    """
    from openpyxl.chart import BarChart, Reference

    rows, columns = frame.shape
    if rows == 0 or columns < 2:
        return
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = str(frame.columns[0])
    data = Reference(sheet, min_col=2, max_col=columns, min_row=1, max_row=rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    chart.width, chart.height = 24, 12
    sheet.add_chart(chart, anchor)

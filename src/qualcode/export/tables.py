"""Writing titled tables (such as :func:`qualcode.thematic.thematic_tables`) to files.

Formats: ``md`` (one GitHub table per file), ``tex`` (one booktabs ``tabular`` per file,
ready for ``\\input``), ``csv`` (one file per table) and ``xlsx`` (one workbook,
``tables.xlsx``, with a sheet per table). Every file is written atomically. In Markdown
and LaTeX, floats are shown with two decimals and line breaks inside cells become spaces.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import ExportError
from qualcode.fileio import atomic_path, atomic_text

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

Tables = Mapping[str, tuple[str, "pd.DataFrame"]]

FORMATS = ("md", "tex", "csv", "xlsx")
WORKBOOK = "tables.xlsx"
MAX_WIDTH = 60
LONG_TEXT = 30

LATEX = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "“": "``", "”": "''", "‘": "`", "’": "'", "„": ",,", "…": r"\ldots{}",
    "–": "--", "—": "---", "✓": r"\checkmark{}", "\u00a0": "~",
}
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def write_tables(tables: Tables, output_dir: Path, *, fmt: str) -> list[Path]:
    """Write every table of ``tables`` (key -> (title, frame)) into ``output_dir``.

    ``md``, ``tex`` and ``csv`` write ``<key>.<fmt>`` per table; ``xlsx`` writes one
    workbook ``tables.xlsx``. The folder is created when its parent exists. Returns the
    paths written, in table order.
    """
    if fmt not in FORMATS:
        msg = f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}"
        raise ExportError(msg)
    _check_keys(tables)
    _ensure_folder(output_dir)
    if fmt == "xlsx":
        target = output_dir / WORKBOOK
        write_workbook(tables, target)
        return [target]
    paths = []
    for key, (title, frame) in tables.items():
        target = output_dir / f"{key}.{fmt}"
        with atomic_text(target, newline="") as handle:
            if fmt == "md":
                handle.write(markdown_table(title, frame))
            elif fmt == "tex":
                handle.write(latex_table(key, title, frame))
            else:
                frame.to_csv(handle, index=False, lineterminator="\n")
        paths.append(target)
    return paths


def _check_keys(tables: Tables) -> None:
    for key in tables:
        if not key or key in {".", ".."} or Path(key).name != key or "\\" in key:
            msg = f"table key {key!r} cannot be used as a file name"
            raise ExportError(msg)


def _ensure_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    if folder.exists():
        msg = "not a folder"
        raise ExportError(msg, path=folder, hint="give a folder for the tables")
    if not folder.parent.is_dir():
        msg = "the folder cannot be created because its parent does not exist"
        raise ExportError(msg, path=folder, hint="create the parent folder first")
    folder.mkdir()


# -- plain text helpers -------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, (str, bytes)) and bool(pd.isna(value)))


def cell_text(value: Any) -> str:
    """A cell as one line of text: empty for missing values, floats with two decimals."""
    if _is_missing(value):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return " ".join(str(value).split())


def numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """For each column (by position), whether it holds numbers (booleans do not count)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [is_numeric_dtype(dtype) and not is_bool_dtype(dtype) for dtype in frame.dtypes]


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    return [[cell_text(value) for value in row]
            for row in frame.itertuples(index=False, name=None)]


# -- Markdown -----------------------------------------------------------------------------

def markdown_table(title: str, frame: pd.DataFrame) -> str:
    """A ``### title`` line, a blank line and a GitHub table; numbers right-aligned."""
    head = f"### {cell_text(title)}\n\n"
    if frame.shape[1] == 0:
        return f"{head}_No columns._\n"

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"

    align = ["---:" if numeric else "---" for numeric in numeric_columns(frame)]
    body = [line(row) for row in _rows(frame)]
    return head + line([cell_text(c) for c in frame.columns]) + "|" + "|".join(align) + "|\n" \
        + "".join(body)


# -- LaTeX --------------------------------------------------------------------------------

def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters and typographic marks escaped."""
    return "".join(LATEX.get(char, char) for char in text)


def _latex_spec(frame: pd.DataFrame, rows: list[list[str]]) -> str:
    spec = []
    for index, numeric in enumerate(numeric_columns(frame)):
        longest = max([len(cell_text(frame.columns[index]))] + [len(r[index]) for r in rows])
        if numeric:
            spec.append("r")
        elif longest > LONG_TEXT:
            spec.append(f"p{{{min(5.0, max(2.5, longest / 15)):.1f}cm}}")
        else:
            spec.append("l")
    return "".join(spec)


def latex_table(key: str, title: str, frame: pd.DataFrame) -> str:
    """A booktabs ``tabular`` for ``\\input``, after a comment naming the table."""
    rows = _rows(frame)
    comment = (f"% {key}: {cell_text(title)}\n"
               "% qualcode table; needs \\usepackage{booktabs} (and amssymb for \\checkmark)\n")
    if frame.shape[1] == 0:
        return comment
    lines = [
        f"\\begin{{tabular}}{{{_latex_spec(frame, rows)}}}",
        "\\toprule",
        " & ".join(latex_escape(cell_text(c)) for c in frame.columns) + " \\\\",
        "\\midrule",
        *(" & ".join(latex_escape(cell) for cell in row) + " \\\\" for row in rows),
        "\\bottomrule",
        "\\end{tabular}",
    ]
    return comment + "\n".join(lines) + "\n"


# -- Excel --------------------------------------------------------------------------------

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


def write_workbook(tables: Tables, target: Path) -> None:
    """One workbook with a sheet per table: bold filled header, frozen, filtered."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for key, (title, frame) in tables.items():
        _fill_sheet(book.create_sheet(sheet_name(key, used)), title, frame)
    with atomic_path(target) as tmp:
        book.save(tmp)


def _excel_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if _is_missing(value) or value == "":
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> int:
    cell = sheet.cell(row=row, column=column, value=_excel_value(value))
    if isinstance(cell.value, str):
        # openpyxl takes a leading "=" for a formula; a transcript quote never is one
        cell.data_type = "s"
        return max(len(line) for line in cell.value.splitlines() or [""])
    return len(str(cell.value)) if cell.value is not None else 0


def _fill_sheet(sheet: Worksheet, title: str, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if sheet.oddHeader is not None:  # printed above each page; "&" starts a field code
        sheet.oddHeader.center.text = title.replace("&", "&&")
    if frame.shape[1] == 0:
        return
    widths = [_put(sheet, 1, col, name) for col, name in enumerate(frame.columns, start=1)]
    for number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for col, value in enumerate(row, start=1):
            widths[col - 1] = max(widths[col - 1], _put(sheet, number, col, value))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, width in enumerate(widths, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(8, width + 2))
        if width + 2 > MAX_WIDTH:
            for cell in sheet[letter][1:]:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(frame.shape[1])}{len(frame) + 1}"

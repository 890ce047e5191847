"""Writing titled tables (such as :func:`qualcode.thematic.thematic_tables`) to files.

Formats: ``md`` (one GitHub table per file), ``tex`` (one booktabs ``tabular`` per file,
ready for ``\\input``), ``csv`` (one file per table) and ``xlsx`` (one workbook,
``tables.xlsx``, with a sheet per table). Every file is written atomically. In Markdown
and LaTeX, floats are shown with two decimals and line breaks inside cells become spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import ExportError
from qualcode.export.excel import is_missing, sheet_name
from qualcode.export.formats import write_csv
from qualcode.fileio import atomic_text

if TYPE_CHECKING:
    import pandas as pd

Tables = Mapping[str, tuple[str, "pd.DataFrame"]]

FORMATS = ("md", "tex", "csv", "xlsx")
WORKBOOK = "tables.xlsx"
LONG_TEXT = 30

LATEX = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "“": "``", "”": "''", "‘": "`", "’": "'", "„": ",,", "…": r"\ldots{}",
    "–": "--", "—": "---", "✓": r"\checkmark{}", "\u00a0": "~",
}

__all__ = ["FORMATS", "latex_escape", "latex_table", "markdown_table", "sheet_name",
           "write_tables", "write_workbook"]


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
        if fmt == "csv":
            write_csv(frame, target)
        else:
            with atomic_text(target, newline="") as handle:
                handle.write(markdown_table(title, frame) if fmt == "md"
                             else latex_table(key, title, frame))
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

def cell_text(value: Any) -> str:
    """A cell as one line of text: empty for missing values, floats with two decimals."""
    if is_missing(value):
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

def write_workbook(tables: Tables, target: Path, warnings: list[str] | None = None) -> None:
    """One workbook with a sheet per table: bold filled header, frozen, filtered."""
    from qualcode.export.excel import add_table, new_workbook, save_workbook

    book = new_workbook()
    used: set[str] = set()
    for key, (title, frame) in tables.items():
        add_table(book, key, title, frame, used, warnings)
    save_workbook(book, target)

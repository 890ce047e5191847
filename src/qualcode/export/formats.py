"""Plain file formats of tables: CSV that spreadsheets cannot execute, and JSON.

CSV cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
written with a leading single quote (``'=1+1``): Excel and LibreOffice would otherwise
run them as formulas when the file is opened. Numbers are never changed. The JSON
export keeps every text exactly as it is.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import ExportError
from qualcode.fileio import atomic_text

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_FORMATS = ("csv", "xlsx", "json")


def output_format(output: Path, formats: tuple[str, ...] = TABLE_FORMATS) -> str:
    """The format a file name asks for (its suffix), or an error naming the choices."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in formats:
        what = f".{fmt} files" if fmt else "files without a suffix"
        msg = f"cannot write {what}; use one of: {', '.join('.' + f for f in formats)}"
        raise ExportError(msg, path=output)
    return fmt


def defuse_formula(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, with a leading quote; else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, output: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with ``\n`` line ends and formula-like text defused.

    Missing values are empty cells. A cell holding a line break or carriage return is
    quoted (the csv module would quote a lone carriage return only if it ended the rows).
    """
    from qualcode.export.excel import is_missing

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    with atomic_text(output, newline="") as handle:
        for row in [list(frame.columns), *frame.itertuples(index=False, name=None)]:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(["" if is_missing(v) else defuse_formula(v) for v in row])
            handle.write(buffer.getvalue()[:-2] + "\n")


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (missing values become ``null``)."""
    records = []
    for row in frame.itertuples(index=False, name=None):
        records.append({str(name): _plain(value) for name, value in zip(frame.columns, row, strict=True)})
    return records


def _plain(value: Any) -> Any:
    from qualcode.export.excel import is_missing

    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def write_json(data: Any, output: Path) -> None:
    """Write ``data`` as indented UTF-8 JSON."""
    with atomic_text(output) as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")

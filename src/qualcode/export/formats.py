"""Plain file formats of tables: CSV that spreadsheets cannot execute, and JSON.

CSV cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
written with a leading single quote (``'=1+1``): Excel and LibreOffice would otherwise
run them as formulas when the file is opened. Numbers are never changed. The JSON
export keeps every text exactly as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
    write_csv_rows([str(c) for c in frame.columns], frame.itertuples(index=False, name=None),
                   output)


def write_csv_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], output: Path) -> int:
    """:func:`write_csv` of rows as they come (a stream is never held); returns their number."""
    count = 0
    with atomic_text(output, newline="") as handle:
        write = _row_writer(handle)
        write(columns)
        for row in rows:
            write(row)
            count += 1
    return count


def _row_writer(handle: IO[str]) -> Callable[[Sequence[Any]], None]:
    """Writes one row a call: the csv module's quoting, ``\n`` line ends, formulas defused."""
    from qualcode.export.excel import is_missing

    class Lines:
        # "\r" must be in the csv module's line terminator for it to quote a lone "\r"
        @staticmethod
        def write(line: str) -> int:
            return handle.write(line[:-2] + "\n")

    writer = csv.writer(Lines(), lineterminator="\r\n")

    def other(value: Any) -> Any:
        return "" if is_missing(value) else defuse_formula(value)

    def write(row: Sequence[Any]) -> None:
        # the common types inline (None is an empty cell to the csv module): a call per
        # cell would double the time of a large export
        writer.writerow([
            ("'" + v if v.startswith(FORMULA_STARTS) else v) if type(v) is str
            else v if v is None or type(v) is int else other(v)
            for v in row])

    return write


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (missing values become ``null``)."""
    columns = [str(name) for name in frame.columns]
    return [plain_record(columns, row) for row in frame.itertuples(index=False, name=None)]


def plain_record(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """One row as a plain dict for JSON (missing values become ``None``)."""
    return {name: _plain(value) for name, value in zip(columns, row, strict=True)}


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

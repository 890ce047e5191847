"""CSV and XLSX tables: rows as the user sees them, and answer tables as documents.

Row numbers are the ones a spreadsheet shows: the header is row 1 (a quoted CSV value
spanning several lines is still one row). Cell values are normalised text, stripped;
XLSX cells give their stored values, never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.common import attribute_keys, bytes_sha256, document_name, require_zip
from qualcode.ingest.normalise import (
    EMPTY_HINT,
    FALLBACK_ENCODING,
    decode_bytes,
    normalise_text,
    read_bytes,
)
from qualcode.ingest.options import ReadOptions
from qualcode.models import ParsedDocument, Turn

Row = tuple[int, dict[str, str]]
_DELIMITERS = (",", ";", "\t")
_SNIFF_CHARS = 4096  # csv.Sniffer is quadratic on some inputs; a few rows are enough


def read_rows(path: Path, *, encoding: str | None = None) -> tuple[list[str], list[Row]]:
    """Read a CSV (``,`` ``;`` or tab delimited) or XLSX (first sheet) table.

    Returns the column names and ``(row number, {column: value})`` for every non-blank
    row. An empty file, a duplicate column name, or a value under a column without a
    name raises :class:`InputError`; unnamed empty columns are ignored.
    """
    columns, rows, _ = read_table(path, read_bytes(path), encoding=encoding)
    return columns, rows


def read_table(
    path: Path, data: bytes, *, encoding: str | None = None
) -> tuple[list[str], list[Row], list[str]]:
    """Like :func:`read_rows` from the file's bytes, also returning reader warnings."""
    notes: list[str] = []
    if path.suffix.lower() == ".xlsx":
        records = list(_xlsx_records(path, data))
    else:
        records, used = _csv_records(path, data, encoding=encoding)
        if encoding is None and used == FALLBACK_ENCODING:
            notes.append(f"decoded as {FALLBACK_ENCODING}; pass --encoding to choose")
    columns, rows = _shape(path, records)
    return columns, rows, notes


def _csv_records(
    path: Path, data: bytes, *, encoding: str | None
) -> tuple[list[tuple[int, list[str]]], str]:
    text, used = decode_bytes(data, path=path, encoding=encoding, what="table")
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, [_cell(value) for value in record]))
    except csv.Error as exc:
        raise InputError(f"not a valid CSV file ({exc})", path=path, line=reader.line_num) from None
    return records, used


def _delimiter(text: str) -> str:
    """csv.Sniffer's choice among , ; and tab, if the header line agrees; else the commonest."""
    sample = text[:_SNIFF_CHARS]
    header = sample.split("\n", 1)[0]
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and sniffed in header:
        return sniffed
    return max(_DELIMITERS, key=header.count) if any(d in header for d in _DELIMITERS) else ","


def _xlsx_records(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    require_zip(data, kind=".xlsx", path=path)
    # the stored values are read; the formulas only to refuse one that has no stored value
    values = _workbook(path, data, data_only=True)
    formulas = _workbook(path, data, data_only=False)
    try:
        index = _table_sheet(path, values)
        formula_rows = formulas.worksheets[index].iter_rows()
        rows = values.worksheets[index].iter_rows(values_only=True)
        for number, row in enumerate(rows, start=1):
            _check_formulas(path, number, row, next(formula_rows, ()))
            yield number, [_cell(_xlsx_value(value)) for value in row]
    finally:
        values.close()
        formulas.close()


def _workbook(path: Path, data: bytes, *, data_only: bool) -> Any:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        message = "not a valid .xlsx file (no workbook inside)"
        hint = "open it in Excel and save it as an .xlsx workbook"
        raise InputError(message, path=path, hint=hint) from None


def _table_sheet(path: Path, book: Any) -> int:
    """Index of the one sheet with data (the first when all are empty)."""
    filled = [i for i, sheet in enumerate(book.worksheets) if _has_values(sheet)]
    if len(filled) > 1:
        names = ", ".join(repr(book.worksheets[i].title) for i in filled)
        message = f"has {len(filled)} sheets with data ({names}); qualcode reads one table per file"
        hint = "move the table to one sheet and delete the others, or save that sheet as CSV"
        raise InputError(message, path=path, hint=hint)
    return filled[0] if filled else 0


def _has_values(sheet: Any) -> bool:
    return any(
        value is not None and str(value).strip()
        for row in sheet.iter_rows(values_only=True)
        for value in row
    )


def _check_formulas(path: Path, number: int, values: tuple[Any, ...], cells: Any) -> None:
    for value, cell in zip(values, cells, strict=False):
        if value is None and getattr(cell, "data_type", None) == "f":
            formula = str(getattr(cell.value, "text", cell.value))
            shown = formula if len(formula) <= 40 else formula[:39] + "…"
            message = (f"cell {cell.coordinate} holds a formula ({shown!r}) without a stored "
                       "value; qualcode never calculates formulas")
            hint = "open and save the file in Excel, or paste the cells as values"
            raise InputError(message, path=path, line=number, hint=hint)


def _xlsx_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _cell(value: str) -> str:
    return normalise_text(value).strip()


def _shape(path: Path, records: list[tuple[int, list[str]]]) -> tuple[list[str], list[Row]]:
    filled = [(number, cells) for number, cells in records if any(cells)]
    if not filled:
        raise InputError("file is empty", path=path, hint=EMPTY_HINT)
    (header_row, header), body = filled[0], filled[1:]
    named = _named_columns(path, header_row, header, body)
    rows: list[Row] = []
    for number, cells in body:
        extra = [value for value in cells[len(header) :] if value]
        if extra:
            message = f"row has {len(header) + len(extra)} values but the header has {len(header)}"
            hint = "put values that contain the delimiter in double quotes, or name the extra columns"
            raise InputError(message, path=path, line=number, hint=hint)
        rows.append((number, {name: _at(cells, i) for i, name in named}))
    return [name for _, name in named], rows


def _named_columns(
    path: Path, header_row: int, header: list[str], body: list[tuple[int, list[str]]]
) -> list[tuple[int, str]]:
    named: list[tuple[int, str]] = []
    first_seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            if any(_at(cells, index) for _, cells in body):
                message = f"column {index + 1} has values but no name in the header"
                raise InputError(message, path=path, line=header_row)
            continue
        if name in first_seen:
            message = f"duplicate column {name!r} (columns {first_seen[name]} and {index + 1})"
            raise InputError(message, path=path, line=header_row)
        first_seen[name] = index + 1
        named.append((index, name))
    return named


def _at(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def find_column(columns: list[str], name: str, *, option: str, path: Path) -> str:
    """The column called ``name`` (exactly, else ignoring case), or an error listing them."""
    if name in columns:
        return name
    folded = [column for column in columns if column.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    message = f"no column {name!r} for {option} (columns: {', '.join(columns)})"
    raise InputError(message, path=path)


def read_answers(path: Path, data: bytes, options: ReadOptions) -> list[ParsedDocument]:
    """One document per row of an answer table: ``--text-column`` is its text.

    The name comes from ``--id-column`` (else ``<file stem>-<row>``), the speaker from a
    ``speaker`` column (else the name); other non-empty values become attributes. Rows
    without text are skipped; the warning goes on the first document.
    """
    if not options.text_column:
        message = "is a table: give --text-column (and --id-column) to ingest one document per row"
        raise InputError(message, path=path)
    columns, rows, notes = read_table(path, data, encoding=options.encoding)
    text_column = find_column(columns, options.text_column, option="--text-column", path=path)
    id_column = (
        find_column(columns, options.id_column, option="--id-column", path=path)
        if options.id_column
        else None
    )
    speaker_column = next((c for c in columns if c.casefold() == "speaker"), None)
    used = {text_column, id_column, speaker_column}
    source_sha256 = bytes_sha256(data)  # once: hashing the file for every row is quadratic
    keys = attribute_keys([c for c in columns if c not in used], path=path)
    documents: list[ParsedDocument] = []
    seen: dict[str, int] = {}
    skipped: list[int] = []
    for number, values in rows:
        text = values[text_column]
        if not text:
            skipped.append(number)
            continue
        name = _row_name(path, number, values, id_column, seen)
        speaker = (values[speaker_column] if speaker_column else "") or name
        documents.append(
            ParsedDocument(
                name=name,
                format=path.suffix.lower().lstrip("."),
                text=text,
                turns=(Turn(speaker, "participant", 0, len(text)),),
                source_path=str(path),
                source_sha256=source_sha256,
                attributes={key: values[c] for c, key in keys.items() if values[c]},
            )
        )
    if not documents:
        raise InputError(f"no row has text in column {text_column!r}", path=path)
    if skipped:
        notes.append(f"skipped {_rows(skipped)}: no text in column {text_column!r}")
    documents[0] = replace(documents[0], warnings=tuple(notes))
    return documents


def _row_name(
    path: Path, number: int, values: dict[str, str], id_column: str | None, seen: dict[str, int]
) -> str:
    if id_column is None:
        return f"{document_name(path)}-{number}"
    name = values[id_column]
    if not name:
        raise InputError(f"no value in column {id_column!r}", path=path, line=number)
    if name in seen:
        message = f"duplicate {id_column} {name!r} (also on row {seen[name]})"
        raise InputError(message, path=path, line=number)
    seen[name] = number
    return name


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more}"

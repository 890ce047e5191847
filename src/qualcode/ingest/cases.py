"""Cases files: one row per document (or per case) with its case and attributes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.common import attribute_keys
from qualcode.ingest.tables import read_rows


@dataclass(frozen=True)
class CaseRow:
    """One row of a cases file: its key (a document or a case), case and attributes."""

    row: int
    key: str
    case: str
    attributes: dict[str, str]


def read_cases(path: Path) -> list[CaseRow]:
    """Read a CSV/XLSX cases file.

    The key column is ``document`` if there is one, else ``case`` (column names compared
    ignoring case). The ``case`` column names the case; without it, or where it is empty,
    the key is the case name. Every other non-empty value is an attribute, named by its
    column lower-cased with spaces as ``_``. A missing key column, an empty or
    duplicate key raises :class:`InputError`.
    """
    columns, rows = read_rows(path)
    by_name = {column.casefold(): column for column in columns}
    key_column = by_name.get("document") or by_name.get("case")
    if key_column is None:
        message = f"needs a 'document' or a 'case' column (columns: {', '.join(columns)})"
        raise InputError(message, path=path)
    case_column = by_name.get("case")
    keys = attribute_keys([c for c in columns if c not in (key_column, case_column)], path=path)
    seen: dict[str, int] = {}
    cases: list[CaseRow] = []
    for number, values in rows:
        key = values[key_column]
        if not key:
            raise InputError(f"no value in column {key_column!r}", path=path, line=number)
        if key in seen:
            message = f"duplicate {key_column} {key!r} (also on row {seen[key]})"
            raise InputError(message, path=path, line=number)
        seen[key] = number
        case = (values[case_column] if case_column else "") or key
        attributes = {name: values[column] for column, name in keys.items() if values[column]}
        cases.append(CaseRow(number, key, case, attributes))
    return cases

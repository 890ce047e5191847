"""Cases and their attributes."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, bindparam, delete, func, select

from qualcode.models import Case
from qualcode.store import schema
from qualcode.store.engine import driver, insert_row

# built once: a statement made per call costs SQLAlchemy more than SQLite's work on it
_CASE_ID = select(schema.cases.c.id).where(schema.cases.c.name == bindparam("name"))


def find_case(conn: Connection, name: str) -> int | None:
    found = conn.execute(_CASE_ID, {"name": name}).scalar()
    return int(found) if found is not None else None


def ensure_case(conn: Connection, name: str) -> int:
    """The id of case ``name``, created if needed."""
    if conn.dialect.name == "sqlite":
        sqlite = driver(conn)  # ingest asks once per document
        row = sqlite.execute("SELECT id FROM cases WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
    else:
        found = find_case(conn, name)
        if found is not None:
            return found
    return insert_row(conn, schema.cases, ("name",), (name,))


def case_attributes(conn: Connection, case_id: int) -> dict[str, str]:
    rows = conn.execute(
        select(schema.case_attributes.c.key, schema.case_attributes.c.value)
        .where(schema.case_attributes.c.case_id == case_id)
        .order_by(schema.case_attributes.c.key)
    )
    return {row.key: row.value for row in rows}


def set_case_attributes(conn: Connection, case_id: int, attributes: Mapping[str, str]) -> dict[str, str]:
    """Set (add or overwrite) attributes; returns the changed keys with their old values."""
    old = case_attributes(conn, case_id)
    changed: dict[str, str] = {}
    for key, value in attributes.items():
        if old.get(key) == value:
            continue
        changed[key] = old.get(key, "")
        conn.execute(
            delete(schema.case_attributes).where(
                (schema.case_attributes.c.case_id == case_id) & (schema.case_attributes.c.key == key)
            )
        )
        conn.execute(schema.case_attributes.insert().values(case_id=case_id, key=key, value=value))
    return changed


def list_cases(conn: Connection) -> list[Case]:
    """Every case with its attributes, by name."""
    attrs: dict[int, dict[str, str]] = {}
    for row in conn.execute(select(schema.case_attributes).order_by(schema.case_attributes.c.key)):
        attrs.setdefault(row.case_id, {})[row.key] = row.value
    rows = conn.execute(select(schema.cases).order_by(schema.cases.c.name))
    return [Case(name=row.name, attributes=attrs.get(row.id, {})) for row in rows]


def case_document_counts(conn: Connection) -> dict[str, int]:
    query = (
        select(schema.cases.c.name, func.count(schema.documents.c.id))
        .join(schema.documents, schema.documents.c.case_id == schema.cases.c.id)
        .group_by(schema.cases.c.name)
    )
    return {name: int(count) for name, count in conn.execute(query)}


def delete_case(conn: Connection, name: str) -> None:
    conn.execute(schema.cases.delete().where(schema.cases.c.name == name))

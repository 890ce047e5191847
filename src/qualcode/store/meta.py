"""The project's own metadata (schema version, creation time, creating program), and the
file content of its current codebook."""

from __future__ import annotations

from sqlalchemy import Connection, select

from qualcode.store import schema


def read_meta(conn: Connection) -> dict[str, str]:
    """Every key and value of the ``meta`` table."""
    return {row.key: row.value for row in conn.execute(select(schema.meta))}


def codebook_content(conn: Connection) -> str | None:
    """The file content of the project's current codebook version (``None`` without one)."""
    query = select(schema.codebooks.c.content).order_by(schema.codebooks.c.version.desc()).limit(1)
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None

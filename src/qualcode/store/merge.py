"""Store operations for merging projects: a read-only copy of another project, codes, memos."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, func, select, update

from qualcode.errors import ProjectError
from qualcode.models import Code, Codebook
from qualcode.store import schema
from qualcode.store.codes import _row_values
from qualcode.store.engine import check_sqlite_file, inserted_id, now


def copy_project_file(source: Path, target: Path) -> None:
    """Copy an SQLite project through SQLite's backup API, opening ``source`` read-only.

    The source file is never written to: no migration, no journal, no backup beside it.
    """
    if not source.is_file():
        msg = "no project here"
        raise ProjectError(msg, path=str(source), hint="give the path of the other project file")
    check_sqlite_file(source)
    # Without a write-ahead log beside it the file is the whole project, and "immutable"
    # reads it without creating lock files; with one, read-only mode must read the log too.
    wal = source.with_name(f"{source.name}-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        origin = sqlite3.connect(f"file:{quote(str(source.resolve()))}?{flags}", uri=True)
    except sqlite3.Error as exc:
        msg = f"cannot open the project read-only: {exc}"
        raise ProjectError(msg, path=str(source)) from exc
    try:
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)
        except sqlite3.Error as exc:
            msg = f"cannot read the project: {exc}"
            raise ProjectError(msg, path=str(source)) from exc
        finally:
            copy.close()
    finally:
        origin.close()


def codebook_content(conn: Connection) -> str | None:
    """The file content of the project's latest codebook version."""
    query = select(schema.codebooks.c.content).order_by(schema.codebooks.c.version.desc()).limit(1)
    value = conn.execute(query).scalar()
    return str(value) if value is not None else None


def record_codebook(conn: Connection, codebook: Codebook, content: str) -> int:
    """Record a codebook version (the codes are the caller's); returns its number."""
    result = conn.execute(
        schema.codebooks.insert().values(
            name=codebook.name, label=codebook.version, source=codebook.source,
            sha256=codebook.sha256, content=content, loaded_at=now(),
        )
    )
    return inserted_id(result)


def add_code(conn: Connection, code: Code, *, version: int, archived: bool = False) -> None:
    """Add a code after the project's last one."""
    last = conn.execute(select(func.max(schema.codes.c.position))).scalar()
    values = _row_values(code, 0 if last is None else int(last) + 1, version)
    values["archived"] = archived
    conn.execute(schema.codes.insert().values(**values))


def replace_code(conn: Connection, code: Code, *, version: int) -> None:
    """Give an existing code another definition (its place and archive flag stay)."""
    values = _row_values(code, 0, version)
    for kept in ("id", "position", "archived"):
        del values[kept]
    conn.execute(update(schema.codes).where(schema.codes.c.id == code.id).values(**values))


def set_coding_memo(conn: Connection, coding_id: int, memo: str | None) -> None:
    conn.execute(update(schema.codings).where(schema.codings.c.id == coding_id).values(memo=memo))

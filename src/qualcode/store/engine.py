"""Opening a project: engine, SQLite pragmas, schema creation, versioning and migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Table, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError

from qualcode import __version__
from qualcode.errors import ProjectError
from qualcode.store import schema

BUSY_TIMEOUT_MS = 60_000

# Ordered migrations: MIGRATIONS[n] upgrades a project from schema version n to n + 1.
Migration = Callable[[Connection], None]
MIGRATIONS: dict[int, Migration] = {}

_APPEND_ONLY = tuple(
    f"CREATE TRIGGER IF NOT EXISTS events_no_{verb.lower()} BEFORE {verb} ON events "
    "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
)


def now() -> str:
    """UTC timestamp in ISO 8601 with seconds, as stored everywhere."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def is_url(target: str | Path) -> bool:
    return "://" in str(target)


def make_engine(target: str | Path) -> Engine:
    """An engine for a project file path or an SQLAlchemy URL."""
    if is_url(target):
        try:
            url = make_url(str(target))
        except ArgumentError as exc:
            msg = f"not a valid database URL: {exc}"
            raise ProjectError(msg, path=str(target)) from exc
    else:
        url = make_url("sqlite://").set(database=str(Path(target)))
    engine = create_engine(url, connect_args=_connect_args(url.get_backend_name()))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


# Page cache per connection, in KiB (SQLite's default is 2 MiB). Each code's suggestions
# go to their own place in the index of codings by code, so a run with hundreds of codes
# touches more pages at once than the default holds: 16 MiB made writing 786,000
# suggestions with 600 codes ~25% faster, and caps what a connection holds.
CACHE_KIB = 16_384


def _connect_args(backend: str) -> dict[str, Any]:
    if backend == "sqlite":
        return {"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
    return {}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the lock up front, so a second writer waits (busy timeout)
        # instead of failing when it tries to upgrade a read lock.
        write = connection.get_execution_options().get("qualcode_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_schema(engine: Engine) -> None:
    """Create every table of a new project and record the schema version."""
    with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        schema.metadata.create_all(conn)
        if engine.dialect.name == "sqlite":
            for statement in _APPEND_ONLY:
                conn.exec_driver_sql(statement)
        conn.execute(
            schema.meta.insert(),
            [
                {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                {"key": "created_at", "value": now()},
                {"key": "created_by", "value": f"qualcode {__version__}"},
            ],
        )


def schema_version(engine: Engine) -> int | None:
    """The project's schema version, or ``None`` for an empty database."""
    with engine.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
        if "meta" not in names:
            if names:
                msg = "not a qualcode project (it has tables, but no qualcode metadata)"
                raise ProjectError(msg, path=str(engine.url.database or engine.url))
            return None
        value = conn.execute(
            select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
        ).scalar_one_or_none()
    return int(value) if value is not None else None


def migrate(engine: Engine, path: Path | None, current: int) -> Path | None:
    """Bring a project from ``current`` to the schema version of this qualcode.

    A backup copy ``<project>.v<current>.bak`` is written first (SQLite files only).
    Returns the backup path.
    """
    backup = None
    if path is not None:
        backup = path.with_name(f"{path.name}.v{current}.bak")
        backup_to(engine, backup)
    with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        for version in range(current, schema.SCHEMA_VERSION):
            step = MIGRATIONS.get(version)
            if step is None:
                msg = f"no migration from schema version {version}"
                raise ProjectError(msg, path=str(path))
            step(conn)
        conn.execute(
            schema.meta.update()
            .where(schema.meta.c.key == "schema_version")
            .values(value=str(schema.SCHEMA_VERSION))
        )
    return backup


def backup_to(engine: Engine, target: Path) -> None:
    """Consistent copy of an SQLite project through SQLite's backup API."""
    if engine.dialect.name != "sqlite":
        msg = "backups are made by the database server for non-SQLite projects"
        raise ProjectError(msg)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(tmp)
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    finally:
        raw.close()
    tmp.replace(target)


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that exists but is not an SQLite database."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        msg = "not a qualcode project (not an SQLite database)"
        raise ProjectError(msg, path=str(path), hint="name another file with --project")


def integrity_problems(engine: Engine) -> list[str]:
    """SQLite's own integrity and foreign-key checks (empty when all is well)."""
    if engine.dialect.name != "sqlite":
        return []
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            for (row,) in conn.execute(text("PRAGMA integrity_check")):
                if row != "ok":
                    problems.append(str(row))
            for row in conn.execute(text("PRAGMA foreign_key_check")):
                problems.append(f"foreign key violation in {row[0]} row {row[1]}")
    except DatabaseError as exc:
        problems.append(str(exc.orig))
    return problems


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn``, for statements run once per document: there
    SQLAlchemy's work per statement costs more than SQLite's."""
    found = conn.connection.driver_connection
    assert isinstance(found, sqlite3.Connection)
    return found


def insert_row(conn: Connection, table: Table, columns: Sequence[str],
               values: Sequence[Any]) -> int:
    """Insert one row of ``values`` in ``columns`` order; the id of the row it added.

    For rows added once per document: on SQLite the statement goes to the :func:`driver`.
    """
    if conn.dialect.name != "sqlite":
        return inserted_id(conn.execute(table.insert(), dict(zip(columns, values, strict=True))))
    row_id = driver(conn).execute(_insert_sql(table.name, tuple(columns)), values).lastrowid
    assert row_id is not None
    return row_id


@lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """Undo what the block wrote if it raises (the exception still propagates).

    On SQLite the savepoint goes straight to the driver: ingest takes one per document,
    and SQLAlchemy's nested transaction costs more than the document's inserts.
    """
    if conn.dialect.name != "sqlite":
        with conn.begin_nested():
            yield
        return
    sqlite = driver(conn)
    sqlite.execute('SAVEPOINT "qualcode_part"')
    try:
        yield
    except BaseException:
        sqlite.execute('ROLLBACK TO "qualcode_part"')
        sqlite.execute('RELEASE "qualcode_part"')
        raise
    sqlite.execute('RELEASE "qualcode_part"')


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows of values in ``columns`` order, in one ``executemany``.

    On SQLite the statement goes straight to the driver: building a dictionary per row
    for SQLAlchemy costs more than the insert itself when there are thousands of rows.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    driver(conn).executemany(_insert_sql(table.name, tuple(columns)), rows)

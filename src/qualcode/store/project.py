"""The :class:`Project` handle: one database, read and write transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from qualcode.errors import ProjectError
from qualcode.store import engine as _engine
from qualcode.store import schema

DEFAULT_PROJECT = "qualcode.db"
PROJECT_ENV = "QUALCODE_PROJECT"


def default_target() -> str:
    """The project named by ``QUALCODE_PROJECT``, else ``qualcode.db`` here."""
    return os.environ.get(PROJECT_ENV) or DEFAULT_PROJECT


class Project:
    """An open project. Use :meth:`read` and :meth:`write` for transactions."""

    def __init__(self, engine: Engine, target: str) -> None:
        self.engine = engine
        self.target = target
        self.path: Path | None = None if _engine.is_url(target) else Path(target)
        self.migrated_from: int | None = None
        self.backup: Path | None = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: everything inside commits together or not at all."""
        try:
            with (
                self.engine.connect().execution_options(qualcode_write=True) as conn,
                conn.begin(),
            ):
                yield conn
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                msg = "the project is busy: another qualcode command kept it locked too long"
                raise ProjectError(msg, path=self.target, hint="try again") from exc
            raise


def open_project(target: str | Path | None = None, *, create: bool = True) -> Project:
    """Open (and, with ``create``, create) the project at a path or database URL.

    An older project is migrated after a backup copy is written beside it.
    """
    name = str(target) if target is not None else default_target()
    if not _engine.is_url(name):
        path = Path(name)
        if not path.exists() and not create:
            msg = "no project here yet"
            raise ProjectError(msg, path=name, hint="ingest transcripts first, or pass --project")
        if path.parent and not path.parent.exists():
            msg = "the folder for the project does not exist"
            raise ProjectError(msg, path=name)
        _engine.check_sqlite_file(path)
    engine = _engine.make_engine(name)
    project = Project(engine, name)
    try:
        version = _engine.schema_version(engine)
    except DatabaseError as exc:
        engine.dispose()
        msg = f"cannot open the project: {exc.orig}"
        raise ProjectError(msg, path=name) from exc
    if version is None:
        _engine.create_schema(engine)
    elif version > schema.SCHEMA_VERSION:
        engine.dispose()
        msg = f"the project has schema version {version}, newer than this qualcode understands"
        raise ProjectError(msg, path=name, hint="upgrade qualcode")
    elif version < schema.SCHEMA_VERSION:
        project.backup = _engine.migrate(engine, project.path, version)
        project.migrated_from = version
    return project

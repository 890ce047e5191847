"""The project store: creation, versioning, migrations, transactions, the event log."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from qualcode.errors import ProjectError
from qualcode.store import engine as store_engine
from qualcode.store import open_project, schema
from qualcode.store.log import list_events, log_event


def test_new_project_records_version_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with open_project(path) as project, project.read() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == store_engine.BUSY_TIMEOUT_MS
        version = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar()
    assert version == str(schema.SCHEMA_VERSION)


def test_missing_project_is_not_created_for_reading(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as info:
        open_project(tmp_path / "none.db", create=False)
    assert str(info.value) == f"{tmp_path / 'none.db'}: no project here yet (ingest transcripts first, or pass --project)"
    assert not (tmp_path / "none.db").exists()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some notes", encoding="utf-8")
    with pytest.raises(ProjectError, match="not an SQLite database"):
        open_project(path)
    assert path.read_text(encoding="utf-8") == "just some notes"


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE x (y)")
    with pytest.raises(ProjectError, match="not a qualcode project"):
        open_project(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    open_project(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ProjectError, match="newer than this qualcode"):
        open_project(path)


def test_older_project_is_backed_up_then_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.db"
    with open_project(path) as project, project.write() as conn:
        log_event(conn, actor="t", action="test", entity="x")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    calls: list[int] = []

    def step(conn: object) -> None:
        calls.append(0)

    monkeypatch.setitem(store_engine.MIGRATIONS, 0, step)
    with open_project(path) as project:
        assert project.migrated_from == 0
        assert project.backup == tmp_path / "p.db.v0.bak"
        with project.read() as conn:
            assert conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar() == "1"
            assert len(list_events(conn)) == 1
    assert calls == [0]
    with sqlite3.connect(tmp_path / "p.db.v0.bak") as backup:
        assert backup.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("0",)


def test_missing_migration_leaves_project_unmigrated(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    open_project(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(ProjectError, match="no migration from schema version 0"):
        open_project(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("0",)


def test_write_is_all_or_nothing(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.db") as project:
        def failing_write() -> None:
            with project.write() as conn:
                log_event(conn, actor="t", action="one", entity="x")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            failing_write()
        with project.read() as conn:
            assert list_events(conn) == []


def test_event_log_is_append_only(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.db") as project:
        with project.write() as conn:
            log_event(conn, actor="t", action="one", entity="x")
        with pytest.raises(Exception, match="append-only"), project.write() as conn:
            conn.execute(text("DELETE FROM events"))
        with project.read() as conn:
            assert len(list_events(conn)) == 1


def test_two_writers_wait_for_each_other(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    open_project(path).close()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with open_project(path) as project:
                for i in range(25):
                    with project.write() as conn:
                        log_event(conn, actor=name, action=f"write {i}", entity="x")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_project(path) as project, project.read() as conn:
        assert len(list_events(conn)) == 50


def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    with open_project(tmp_path / "p.db") as project:
        with project.write() as conn:
            log_event(conn, actor="t", action="one", entity="x")
        store_engine.backup_to(project.engine, tmp_path / "copy.db")
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)

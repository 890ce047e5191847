"""`qualcode verify` finds every kind of damage; `qualcode backup` makes a checked copy."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli import cli
from qualcode.coding import import_codings
from qualcode.errors import ExitCode, ProjectError
from qualcode.store import Project, open_project
from qualcode.verify import backup_project, verify_file, verify_project
from tests.conftest import file_digest

CLEAN = "qualcode.db: 2 documents, 7 turns, 25 segments, 6 codings checked: no problems"
RESTORE = ("Restore your latest backup (see `qualcode backup`), "
           "or ask for help with the report above.")


@pytest.fixture
def coded(loaded: Project, work: Path) -> Path:
    """A closed copy of the loaded test project with its six codings, as qualcode.db in work."""
    assert import_codings(loaded, work / "codings.csv").committed
    loaded.close()
    target = work / "qualcode.db"
    shutil.copy(loaded.path or "", target)
    return target


def _cli(runner: CliRunner, folder: Path, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        return runner.invoke(cli, list(args), catch_exceptions=False)


def _damage(path: Path, script: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(script)
    finally:
        connection.close()


def test_a_clean_project_verifies(coded: Path, runner: CliRunner) -> None:
    result = _cli(runner, coded.parent, "verify")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == CLEAN + "\n"


DAMAGE = [
    pytest.param("UPDATE codings SET quote = 'tampered' WHERE id = 1", [
        ("coding: coding 1 (challenge.data-work) in interview-a: the quote no longer matches "
        "the text at 124-166")], id="quote"),
    pytest.param("UPDATE codings SET \"end\" = 99999 WHERE id = 2", [
        ("coding: coding 2 (domain.compute) in interview-a: span 167-99999 is outside the text "
        "(0-477)")], id="coding-span"),
    pytest.param("UPDATE documents SET text = replace(text, 'handful', 'HANDFUL') "
                 "WHERE name = 'interview-a'", [
        ("text: interview-a: the text does not match its stored SHA-256; it was changed "
        "outside qualcode")], id="text-hash"),
    pytest.param("UPDATE turns SET \"end\" = 99999 WHERE idx = 1 AND document_id = 1", [
        "turn: interview-a: turn 1 span 66-99999 is outside the text"], id="turn-span"),
    pytest.param("UPDATE segments SET turn_idx = 42 WHERE id = 1", [
        "segment: interview-a: paragraph 13-59 belongs to turn 42, which does not exist"],
        id="segment-turn"),
    pytest.param("UPDATE segments SET start = start - 1 WHERE id = 2", [
        "segment: interview-a: sentence 12-32 is outside its turn (13-59)"], id="segment-span"),
    pytest.param("PRAGMA foreign_keys = OFF; DELETE FROM documents WHERE name = 'interview-b'", [
        "integrity: foreign key violation in turns row 5",
        "integrity: foreign key violation in codings row 6"], id="orphans"),
]


@pytest.mark.parametrize(("script", "expected"), DAMAGE)
def test_damage_is_reported(coded: Path, runner: CliRunner, script: str,
                            expected: list[str]) -> None:
    _damage(coded, script)
    result = _cli(runner, coded.parent, "verify")
    assert result.exit_code == ExitCode.INVALID
    lines = result.stdout.splitlines()
    for line in expected:
        assert line in lines, lines
    assert result.stderr.splitlines()[-1] == RESTORE


def test_damaged_pages_are_reported(coded: Path, runner: CliRunner) -> None:
    data = bytearray(coded.read_bytes())
    data[4096 * 5 : 4096 * 6] = bytes((i * 7 + 3) % 256 for i in range(4096))
    coded.write_bytes(bytes(data))
    result = _cli(runner, coded.parent, "verify", "--json")
    assert result.exit_code == ExitCode.INVALID
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {"check": "integrity", "message": "database disk image is malformed"} in report["problems"]


def test_verify_json_and_library(coded: Path, runner: CliRunner) -> None:
    result = _cli(runner, coded.parent, "verify", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "target": "qualcode.db", "documents": 2, "turns": 7, "segments": 25, "codings": 6,
        "problems": [], "notes": [], "ok": True}
    with open_project(coded, create=False) as project:
        assert verify_project(project).ok


def test_an_unfinished_run_is_a_note_not_a_problem(coded: Path) -> None:
    _damage(coded, "INSERT INTO runs VALUES ('suggest-1', 'suggest', 'qualcode', '{}', "
                   "'running', '2025-06-01T10:00:00+00:00', NULL)")
    report = verify_file(coded)
    assert report.ok
    assert report.notes == [
        "run suggest-1 (suggest, started 2025-06-01T10:00:00+00:00) did not finish"]


def test_verify_never_creates_a_project(tmp_path: Path, runner: CliRunner) -> None:
    result = _cli(runner, tmp_path, "verify", "--project", "missing.db")
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr == ("Error: missing.db: no project here yet (ingest transcripts first, "
                             "or pass --project)\n")
    assert not (tmp_path / "missing.db").exists()


# backup ---------------------------------------------------------------------------------


def test_backup_is_a_verified_copy(coded: Path, runner: CliRunner) -> None:
    before = file_digest(coded)
    result = _cli(runner, coded.parent, "backup", "-o", "copy.db")
    assert result.exit_code == 0, result.stderr
    size = (coded.parent / "copy.db").stat().st_size
    assert result.stderr == f"wrote copy.db ({size:,} bytes): 2 documents, 6 codings, verified\n"
    assert file_digest(coded) == before
    assert verify_file(coded.parent / "copy.db").ok
    with open_project(coded.parent / "copy.db", create=False) as copy, copy.read() as conn:
        from qualcode.store.codings import find_codings

        assert len(find_codings(conn)) == 6
    assert sorted(p.name for p in coded.parent.iterdir() if p.name.startswith(".")) == []


def test_backup_refuses_to_replace_the_project_or_a_folder(coded: Path, runner: CliRunner) -> None:
    result = _cli(runner, coded.parent, "backup", "-o", "qualcode.db")
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr == ("Error: qualcode.db: the backup would replace the project itself "
                             "(name another file with -o)\n")
    (coded.parent / "backups").mkdir()
    result = _cli(runner, coded.parent, "backup", "-o", "backups")
    assert result.stderr == ("Error: backups: is a folder; name the backup file "
                             "(e.g. -o backups/project-2025-06-01.db)\n")


def test_backup_of_a_damaged_project_keeps_an_older_backup(coded: Path) -> None:
    older = coded.parent / "older.db"
    with open_project(coded, create=False) as project:
        backup_project(project, older)
    kept = file_digest(older)
    _damage(coded, "UPDATE codings SET quote = 'tampered' WHERE id = 1")
    with open_project(coded, create=False) as project, pytest.raises(ProjectError) as caught:
        backup_project(project, older)
    assert str(caught.value) == (f"{older}: the copy has 1 problem(s), so the existing file was "
                                 "kept (run `qualcode verify` on the project)")
    assert file_digest(older) == kept
    with open_project(coded, create=False) as project:
        fresh = backup_project(project, coded.parent / "fresh.db")
    assert [str(p) for p in fresh.report.problems] == [
        ("coding: coding 1 (challenge.data-work) in interview-a: the quote no longer matches "
        "the text at 124-166")]


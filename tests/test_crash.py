"""Crashes and concurrent use: a killed command leaves the project intact and resumable,
two writers at once both succeed, and a backup taken while ingest writes is consistent."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qualcode.cli import cli
from qualcode.coding import import_codings
from qualcode.corpus import ingest_paths
from qualcode.ingest import read_documents
from qualcode.project import install_codebook
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store import open_project
from qualcode.verify import backup_project, verify_file
from tests.conftest import PROJECT_DATA

DOCUMENTS = 200
# ingest stores documents in batches of up to a second's work: the ingest tests need
# a corpus that takes a few seconds, so that they catch it midway
INGEST_WORDS = 300
WORDS = ["data", "model", "training", "open", "weights", "community", "volunteers", "cluster", "licence", "release", "evaluation", "benchmark", "language", "corpus", "funding"]


def _transcripts(folder: Path, count: int = DOCUMENTS, *, words_per_turn: int = 20) -> Path:
    rng = random.Random(7)
    folder.mkdir()
    for number in range(count):
        turns = []
        for turn in range(6):
            speaker = "Interviewer" if turn % 2 == 0 else f"P{number:03d}"
            words = " ".join(rng.choice(WORDS) for _ in range(words_per_turn)).capitalize()
            cue = "Nobody wanted to clean the data for the pre-training corpus. " if turn % 2 else ""
            turns.append(f"{speaker}: {words}. {cue}Item {number}-{turn}.\n")
        (folder / f"interview-{number:03d}.txt").write_text("\n".join(turns), encoding="utf-8")
    return folder


def _qualcode(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QUALCODE_PROJECT": ""}
    return subprocess.Popen([sys.executable, "-m", "qualcode", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(db: Path, sql: str) -> int:
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(connection.execute(sql).fetchone()[0])
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return 0  # not created yet


def _wait_until(condition: Callable[[], bool], *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    """A project with the test codebook, two coded interviews (6 codings), closed."""
    db = tmp_path / "study.db"
    with open_project(db) as project:
        install_codebook(project, PROJECT_DATA / "codebook.yaml")
        ingest_paths(project, [PROJECT_DATA / "interview-a.txt", PROJECT_DATA / "interview-b.md"])
        assert import_codings(project, PROJECT_DATA / "codings.csv").committed
    return db


def _integrity(db: Path) -> str:
    connection = sqlite3.connect(db)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def test_ingest_killed_midway_leaves_a_sound_project_and_resumes(coded: Path, tmp_path: Path) -> None:
    folder = _transcripts(tmp_path / "many", words_per_turn=INGEST_WORDS)
    process = _qualcode("ingest", str(folder), "--project", str(coded))
    _wait_until(lambda: _count(coded, "SELECT count(*) FROM documents") >= 12)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    stored = _count(coded, "SELECT count(*) FROM documents")
    assert 12 <= stored < DOCUMENTS + 2, "the kill came after the run had finished"

    assert _integrity(coded) == "ok"
    report = verify_file(coded)
    assert report.ok, report.problems
    assert report.codings == 6
    _assert_complete(coded)  # every document that is there has all its turns and segments

    again = _qualcode("ingest", str(folder), "--project", str(coded))
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    summary = err.decode().strip().splitlines()[-1]
    assert summary == (f"{DOCUMENTS + 2 - stored} added, {stored - 2} unchanged; "
                       "0 case row(s) applied")
    assert verify_file(coded).ok
    _assert_complete(coded)
    assert _count(coded, "SELECT count(*) FROM documents") == DOCUMENTS + 2


def _assert_complete(db: Path) -> None:
    """Each stored document has exactly the turns its file gives, and no segment twice."""
    with open_project(db, create=False) as project, project.read() as conn:
        for doc in store_documents.all_documents(conn):
            turns = store_documents.document_turns(conn, doc.id)
            (parsed,) = read_documents(Path(doc.source_path))
            assert len(turns) == len(parsed.turns), doc.name
            segments = store_documents.document_segments(conn, doc.id)
            assert segments
            assert len(set(segments)) == len(segments), doc.name


def _writing(db: Path) -> bool:
    """True while another connection holds the project's write lock."""
    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        connection.close()
    return False


def test_suggest_killed_midway_leaves_a_sound_project_and_resumes(coded: Path,
                                                                  tmp_path: Path) -> None:
    if "suggest" not in cli.commands:
        pytest.skip("`qualcode suggest` does not exist yet (assisted tagging has not landed)")
    with open_project(coded, create=False) as project:
        ingest_paths(project, [_transcripts(tmp_path / "many")], privacy="off")
    suggest = ("suggest", "--project", str(coded), "--min-score", "0.01")
    process = _qualcode(*suggest)
    # kill it while it holds the write lock: half way through writing its run
    _wait_until(lambda: _writing(coded) or process.poll() is not None)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL, "suggest finished before it could be killed"
    assert _integrity(coded) == "ok"
    report = verify_file(coded)
    assert report.ok, report.problems
    assert report.codings == 6
    # the run is all or nothing: no suggestion and no run record survived
    assert _count(coded, "SELECT count(*) FROM codings WHERE status = 'suggested'") == 0
    assert _count(coded, "SELECT count(*) FROM runs WHERE kind = 'suggest'") == 0

    again = _qualcode(*suggest)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert verify_file(coded).ok
    assert _count(coded, "SELECT count(*) FROM codings WHERE status = 'suggested'") > 100
    keys = ("SELECT count(*) FROM (SELECT document_id, start, \"end\", code_id FROM codings "
            "GROUP BY document_id, start, \"end\", code_id HAVING count(*) > 1)")
    assert _count(coded, keys) == 0
    assert _count(coded, "SELECT count(*) FROM runs WHERE status = 'running'") == 0


def test_two_coders_importing_at_once_both_succeed(coded: Path, tmp_path: Path) -> None:
    sheets = []
    for coder in ("carol", "dave"):
        sheet = tmp_path / f"{coder}.csv"
        rows = (PROJECT_DATA / "codings.csv").read_text(encoding="utf-8").replace(",alice,", f",{coder},")
        sheet.write_text(rows, encoding="utf-8")
        sheets.append(sheet)
    blocker = sqlite3.connect(coded, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # a third writer holds the lock: both must wait
    try:
        processes = [_qualcode("import-codings", str(sheet), "--project", str(coded))
                     for sheet in sheets]
        time.sleep(1.5)
        assert [process.poll() for process in processes] == [None, None]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        assert "6 coding(s) added, 0 already present" in err.decode()
    with open_project(coded, create=False) as project, project.read() as conn:
        coders = sorted(c.coder for c in store_codings.find_codings(conn))
    assert coders == ["alice"] * 6 + ["carol"] * 6 + ["dave"] * 6
    assert verify_file(coded).ok


def test_backup_while_ingest_writes_is_consistent(coded: Path, tmp_path: Path) -> None:
    folder = _transcripts(tmp_path / "many", words_per_turn=INGEST_WORDS)
    process = _qualcode("ingest", str(folder), "--project", str(coded))
    copies = []
    try:
        _wait_until(lambda: _count(coded, "SELECT count(*) FROM documents") >= 5)
        with open_project(coded, create=False) as project:
            for number in range(3):
                copies.append(backup_project(project, tmp_path / f"copy-{number}.db"))
        assert process.poll() is None, "ingest finished before the backups were taken"
    finally:
        process.kill()
        process.communicate()
    assert verify_file(coded).ok
    for copy in copies:
        assert copy.report.ok, copy.report.problems
        assert copy.report.codings == 6
        assert 5 <= copy.report.documents <= DOCUMENTS + 2
        assert verify_file(copy.path).ok

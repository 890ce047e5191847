"""Shared fixtures: a CLI runner, the test data and ready-made projects."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli import cli
from qualcode.project import coding_problems
from qualcode.store import Project, open_project
from qualcode.store import documents as store_documents

DATA = Path(__file__).parent / "data"
PROJECT_DATA = DATA / "project"
REPO = Path(__file__).parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": "1", "COLUMNS": "120", "QUALCODE_PROJECT": None})


@pytest.fixture
def invoke(runner: CliRunner, work: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the CLI inside a copy of tests/data/project (the project is qualcode.db there)."""
    monkeypatch.chdir(work)

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of tests/data/project to play with."""
    target = tmp_path / "data"
    shutil.copytree(PROJECT_DATA, target)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with open_project(tmp_path / "test.db") as proj:
        yield proj


@pytest.fixture
def loaded(project: Project, work: Path) -> Project:
    """A project with the test codebook, both interviews and their cases."""
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook

    install_codebook(project, work / "codebook.yaml")
    report = ingest_paths(project, [work / "interview-a.txt", work / "interview-b.md"],
                          cases=work / "cases.csv")
    assert not report.failed
    return project


def check_golden(path: Path, text: str) -> None:
    """Compare ``text`` with a golden file, or rewrite it when QUALCODE_REGEN=1."""
    if os.environ.get("QUALCODE_REGEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8")


def file_digest(path: Path) -> str:
    """Hash of a project file and its WAL (the whole stored state)."""
    digest = hashlib.sha256()
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


def assert_invariants(project: Project) -> None:
    """Every coding's quote, turn and segment lies exactly where it says."""
    assert coding_problems(project) == []
    with project.read() as conn:
        for doc in store_documents.all_documents(conn):
            for seg in store_documents.document_segments(conn, doc.id):
                piece = doc.text[seg.start : seg.end]
                assert piece, (doc.name, seg)
                assert piece == piece.strip(), (doc.name, seg)

"""Checking a project end to end, and copying it safely.

:func:`verify_project` reads everything back and reports each broken promise: SQLite's
own integrity and foreign-key checks (orphan rows included), every document's text
against the SHA-256 stored beside it, every turn and segment span, and every coding's
quote against the text it points into. Runs that started but never finished are listed
as notes, not problems. :func:`backup_project` copies a project with SQLite's backup API
(consistent while other commands write), checks the copy, and only then puts it in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection
from sqlalchemy.exc import DatabaseError

from qualcode.errors import ProjectError
from qualcode.fileio import atomic_path
from qualcode.models import Segment, Turn, sha256_text
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.decisions import list_runs
from qualcode.store.documents import StoredDocument
from qualcode.store.engine import backup_to, integrity_problems

Check = Literal["integrity", "text", "turn", "segment", "coding"]


@dataclass(frozen=True)
class Issue:
    """One broken promise: which check found it, and where."""

    check: Check
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


@dataclass
class VerifyReport:
    """What :func:`verify_project` looked at and found."""

    target: str
    documents: int = 0
    turns: int = 0
    segments: int = 0
    codings: int = 0
    problems: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_project(project: Project) -> VerifyReport:
    """Check the whole project; see the module docstring. Never raises for damage found."""
    report = VerifyReport(project.target)
    report.problems.extend(Issue("integrity", p) for p in integrity_problems(project.engine))
    try:
        with project.read() as conn:
            _check_documents(conn, report)
            report.notes.extend(
                f"run {run.id} ({run.kind}, started {run.started_at}) did not finish"
                for run in list_runs(conn) if run.status == "running"
            )
    except DatabaseError as exc:
        report.problems.append(Issue("integrity", f"cannot read the project: {exc.orig}"))
    return report


def verify_file(target: str | Path) -> VerifyReport:
    """Open the project at ``target`` (never creating one) and verify it.

    A file SQLite cannot open at all is reported as an integrity problem; a missing
    file or one that is not a project raises :class:`ProjectError`.
    """
    try:
        project = open_project(target, create=False)
    except ProjectError as exc:
        if not exc.message.startswith("cannot open the project"):
            raise
        return VerifyReport(str(target), problems=[Issue("integrity", exc.message)])
    with project:
        return verify_project(project)


def _check_documents(conn: Connection, report: VerifyReport) -> None:
    documents = store_documents.all_documents(conn)
    by_name = {doc.name: doc for doc in documents}
    for doc in documents:
        if sha256_text(doc.text) != doc.text_sha256:
            report.problems.append(Issue("text", f"{doc.name}: the text does not match its "
                                                 "stored SHA-256; it was changed outside qualcode"))
        turns = store_documents.document_turns(conn, doc.id)
        segments = store_documents.document_segments(conn, doc.id)
        report.problems.extend(_turn_issues(doc, turns))
        report.problems.extend(_segment_issues(doc, turns, segments))
        report.turns += len(turns)
        report.segments += len(segments)
    codings = store_codings.find_codings(conn)
    for coding in codings:
        text = by_name[coding.document].text
        where = f"coding {coding.id} ({coding.code}) in {coding.document}"
        if not 0 <= coding.start < coding.end <= len(text):
            report.problems.append(Issue("coding", f"{where}: span {coding.start}-{coding.end} "
                                                   f"is outside the text (0-{len(text)})"))
        elif text[coding.start : coding.end] != coding.quote:
            report.problems.append(Issue("coding", f"{where}: the quote no longer matches "
                                                   f"the text at {coding.start}-{coding.end}"))
    report.documents = len(documents)
    report.codings = len(codings)


def _turn_issues(doc: StoredDocument, turns: Sequence[Turn]) -> list[Issue]:
    issues = []
    for index, turn in enumerate(turns):
        if not 0 <= turn.start < turn.end <= len(doc.text):
            message = f"{doc.name}: turn {index} span {turn.start}-{turn.end} is outside the text"
            issues.append(Issue("turn", message))
    return issues


def _segment_issues(
    doc: StoredDocument, turns: Sequence[Turn], segments: Sequence[Segment]
) -> list[Issue]:
    issues = []
    for segment in segments:
        where = f"{doc.name}: {segment.kind} {segment.start}-{segment.end}"
        if not 0 <= segment.turn < len(turns):
            issues.append(Issue("segment", f"{where} belongs to turn {segment.turn}, "
                                           "which does not exist"))
            continue
        turn = turns[segment.turn]
        piece = doc.text[segment.start : segment.end]
        if not turn.start <= segment.start < segment.end <= turn.end:
            issues.append(Issue("segment", f"{where} is outside its turn "
                                           f"({turn.start}-{turn.end})"))
        elif piece != piece.strip():
            issues.append(Issue("segment", f"{where} starts or ends with white space"))
    return issues


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it is, its size, and the verification of the copy."""

    path: Path
    size: int
    report: VerifyReport


def backup_project(project: Project, output: Path) -> BackupResult:
    """Copy ``project`` to ``output`` consistently, even while other commands write to it.

    The copy is made beside ``output`` under a temporary name and verified; it replaces
    ``output`` only when complete. A copy with problems (the project itself is damaged)
    is still written, unless it would replace an existing file: then the old file is kept
    and :class:`ProjectError` is raised.
    """
    if project.path is None:
        msg = "backups of a database server are made by the server"
        raise ProjectError(msg, path=project.target, hint="use the server's own backup tool")
    if output.exists() and output.resolve() == project.path.resolve():
        msg = "the backup would replace the project itself"
        raise ProjectError(msg, path=output, hint="name another file with -o")
    if output.is_dir():
        msg = "is a folder; name the backup file"
        raise ProjectError(msg, path=output, hint="e.g. -o backups/project-2025-06-01.db")
    with atomic_path(output) as tmp:
        backup_to(project.engine, tmp)
        report = verify_file(tmp)
        report.target = str(output)
        if report.problems and output.exists():
            msg = (f"the copy has {len(report.problems)} problem(s), so the existing file "
                   "was kept")
            raise ProjectError(msg, path=output, hint="run `qualcode verify` on the project")
        size = tmp.stat().st_size
    return BackupResult(output, size, report)

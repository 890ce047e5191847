"""Project-level operations: codebooks in the project, overviews, the event log, checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook import codebook_tree, load_codebook
from qualcode.errors import ProjectError
from qualcode.models import Code, Codebook, Turn
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.codes import CodebookChange
from qualcode.store.engine import integrity_problems
from qualcode.store.log import Event, list_events, log_event


def install_codebook(
    project: Project, path: Path, *, force: bool = False, actor: str = "qualcode"
) -> CodebookChange:
    """Load a codebook file into the project as a new codebook version.

    Codes that the new codebook drops but that codings still use are refused, unless
    ``force``, which keeps them archived (their codings stay, flagged by the archive).
    """
    codebook = load_codebook(path)
    content = path.read_text(encoding="utf-8")
    with project.write() as conn:
        current = store_codes.current_codebook(conn)
        if current is not None and current.sha256 == codebook.sha256:
            return CodebookChange(current.version, codebook.name, unchanged=len(codebook.codes))
        usage = store_codes.code_usage(conn)
        new_ids = set(codebook.ids())
        dropped = sorted(code_id for code_id in usage if code_id not in new_ids)
        if dropped and not force:
            listed = ", ".join(f"{code_id} ({usage[code_id]})" for code_id in dropped)
            msg = f"the new codebook drops codes that have codings: {listed}"
            raise ProjectError(msg, path=path, hint="keep them, or pass --force to archive them")
        change = store_codes.store_codebook(conn, codebook, content, archive=dropped)
        log_event(conn, actor=actor, action="codebook.load", entity="codebook",
                  entity_id=change.version,
                  payload={"source": str(path), "sha256": codebook.sha256, "added": change.added,
                           "changed": change.changed, "archived": change.archived})
    return change


@dataclass(frozen=True)
class CodeCount:
    depth: int
    code: Code
    accepted: int
    suggested: int


def codebook_overview(project: Project) -> tuple[Codebook, list[CodeCount]]:
    """The project's codebook as a tree, with accepted and suggested codings per code."""
    with project.read() as conn:
        codebook = store_codes.project_codebook(conn)
        if codebook is None:
            msg = "the project has no codebook yet"
            raise ProjectError(msg, path=project.target, hint="load one with `qualcode codebook load FILE`")
        accepted = store_codings.codings_per_code(conn, statuses=["accepted"])
        suggested = store_codings.codings_per_code(conn, statuses=["suggested"])
    rows = [
        CodeCount(depth, code, accepted.get(code.id, 0), suggested.get(code.id, 0))
        for depth, code in codebook_tree(codebook)
    ]
    return codebook, rows


@dataclass(frozen=True)
class DocumentSummary:
    name: str
    case: str | None
    format: str
    turns: int
    words: int
    participants: int
    sentences: int
    codings: int
    suggestions: int


def list_documents(project: Project) -> list[DocumentSummary]:
    """Every document with its counts, by name."""
    with project.read() as conn:
        docs = store_documents.all_documents(conn)
        stats = store_documents.document_stats(conn)
    summaries = []
    for doc in docs:
        counts = stats.get(doc.id, {})
        summaries.append(DocumentSummary(
            name=doc.name, case=doc.case, format=doc.format, turns=counts.get("turns", 0),
            words=len(doc.text.split()), participants=counts.get("participants", 0),
            sentences=counts.get("sentences", 0), codings=counts.get("codings", 0),
            suggestions=counts.get("suggestions", 0),
        ))
    return summaries


@dataclass(frozen=True)
class DocumentView:
    name: str
    case: str | None
    case_attributes: dict[str, str]
    format: str
    source_path: str
    text_sha256: str
    text: str
    turns: list[Turn]


def get_document(project: Project, name: str) -> DocumentView:
    """One document with its text and turns."""
    with project.read() as conn:
        doc = store_documents.find_document(conn, name)
        if doc is None:
            known = store_documents.document_names(conn)
            hint = f"documents: {', '.join(known[:8])}{' …' if len(known) > 8 else ''}" if known else None
            msg = f"no document named {name!r}"
            raise ProjectError(msg, path=project.target, hint=hint)
        turns = store_documents.document_turns(conn, doc.id)
        attributes: dict[str, str] = {}
        case_id = store_cases.find_case(conn, doc.case) if doc.case is not None else None
        if case_id is not None:
            attributes = store_cases.case_attributes(conn, case_id)
    return DocumentView(doc.name, doc.case, attributes, doc.format, doc.source_path,
                        doc.text_sha256, doc.text, turns)


def list_cases(project: Project) -> list[tuple[str, int, dict[str, str]]]:
    """Every case: name, number of documents, attributes."""
    with project.read() as conn:
        counts = store_cases.case_document_counts(conn)
        cases = store_cases.list_cases(conn)
    return [(case.name, counts.get(case.name, 0), dict(case.attributes)) for case in cases]


def event_log(project: Project, *, limit: int | None = 50) -> list[Event]:
    """The newest events first."""
    with project.read() as conn:
        return list_events(conn, limit=limit)


def coding_problems(project: Project) -> list[str]:
    """Every broken invariant: integrity, quotes that no longer match their text."""
    problems = integrity_problems(project.engine)
    with project.read() as conn:
        docs = {doc.name: doc for doc in store_documents.all_documents(conn)}
        for coding in store_codings.find_codings(conn):
            text = docs[coding.document].text
            if text[coding.start : coding.end] != coding.quote:
                problems.append(
                    f"coding {coding.id} in {coding.document}: quote does not match {coding.start}-{coding.end}"
                )
        for doc in docs.values():
            for index, turn in enumerate(store_documents.document_turns(conn, doc.id)):
                if not 0 <= turn.start < turn.end <= len(doc.text):
                    problems.append(f"{doc.name}: turn {index} span {turn.start}-{turn.end} is out of range")
    return problems


@dataclass(frozen=True)
class CategoryCount:
    category: str
    name: str
    accepted: int
    suggested: int


def category_counts(project: Project) -> list[CategoryCount]:
    """Accepted and suggested codings per category, in codebook order."""
    codebook, rows = codebook_overview(project)
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row.code.kind == "code":
            pair = totals.setdefault(row.code.category, [0, 0])
            pair[0] += row.accepted
            pair[1] += row.suggested
    return [
        CategoryCount(code.id, code.name, *totals.get(code.id, [0, 0]))
        for code in codebook.codes
        if code.kind == "category"
    ]

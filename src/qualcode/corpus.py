"""Bringing transcripts into a project: read, segment, store, attach cases.

Each file is stored in a transaction of its own, so a file that fails leaves the
project exactly as it was, and the other files of the batch still go in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection

from qualcode import anchor
from qualcode.errors import QualcodeError
from qualcode.ingest import SUFFIXES, ReadOptions, read_documents
from qualcode.ingest.cases import CaseRow, read_cases
from qualcode.models import Coding, ParsedDocument
from qualcode.privacy import check_parsed, summarise
from qualcode.segment import segment_document
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.log import log_event

Action = Literal["added", "updated", "replaced", "unchanged", "refused", "failed"]
PrivacyCheck = Literal["warn", "strict", "off"]
Progress = Callable[[int, int, str], None]
TABLE_SUFFIXES = frozenset({".csv", ".xlsx", ".tsv"})


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one document (or to a file that could not be read)."""

    path: str
    action: Action
    document: str | None = None
    message: str | None = None
    turns: int = 0
    sentences: int = 0
    warnings: tuple[str, ...] = ()
    lost: tuple[Coding, ...] = ()
    moved: int = 0


@dataclass
class IngestReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    cases_applied: int = 0
    unknown_cases: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.action in ("failed", "refused")]

    def count(self, action: Action) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


def expand_paths(paths: Iterable[Path], *, tables: bool = False) -> list[Path]:
    """Files named, plus readable files found under folders (sorted, hidden ones skipped).

    Tables (.csv/.xlsx) inside folders are taken only when ``tables`` is set, since a
    transcript folder often holds a cases or codings sheet beside the transcripts.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                suffix = child.suffix.lower()
                if child.is_file() and not hidden and suffix in SUFFIXES:
                    if suffix in TABLE_SUFFIXES and not tables:
                        continue
                    found.append(child)
        else:
            found.append(path)
    return found


def ingest_paths(
    project: Project,
    paths: Sequence[Path],
    *,
    options: ReadOptions | None = None,
    cases: Path | None = None,
    replace: bool = False,
    spacy_model: str | None = None,
    actor: str = "qualcode",
    progress: Progress | None = None,
    privacy: PrivacyCheck = "warn",
) -> IngestReport:
    """Ingest files and folders into ``project``; see the module docstring.

    ``privacy`` runs the fast personal-data checks of :mod:`qualcode.privacy` on each
    document: ``warn`` adds a warning (masked excerpts only), ``strict`` refuses the
    document, ``off`` skips them.
    """
    options = options or ReadOptions()
    case_rows = read_cases(cases) if cases is not None else []
    files = expand_paths(paths, tables=options.text_column is not None)
    report = IngestReport()
    seen: dict[str, str] = {}
    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(number - 1, len(files), path.name)
        report.outcomes.extend(
            _ingest_file(project, path, options, seen, replace=replace, model=spacy_model,
                         actor=actor, privacy=privacy)
        )
    if progress is not None:
        progress(len(files), len(files), "")
    if cases is not None:
        _apply_cases(project, case_rows, report, actor=actor, source=str(cases))
    return report


def _ingest_file(
    project: Project,
    path: Path,
    options: ReadOptions,
    seen: dict[str, str],
    *,
    replace: bool,
    model: str | None,
    actor: str,
    privacy: PrivacyCheck,
) -> list[IngestOutcome]:
    if not path.exists():
        return [IngestOutcome(str(path), "failed", message=f"{path}: no such file")]
    try:
        parsed = read_documents(path, options=options)
    except QualcodeError as exc:
        return [IngestOutcome(str(path), "failed", message=str(exc))]
    outcomes = []
    for doc in parsed:
        if doc.name in seen and seen[doc.name] != str(path):
            message = f"{path}: document name {doc.name!r} is already used by {seen[doc.name]}"
            outcomes.append(IngestOutcome(str(path), "failed", doc.name, message))
            continue
        seen[doc.name] = str(path)
        checked, refusal = _check_privacy(doc, privacy)
        if refusal is not None:
            outcomes.append(IngestOutcome(str(path), "refused", doc.name, refusal))
            continue
        try:
            outcomes.append(_store_document(project, checked, replace=replace, model=model,
                                            actor=actor))
        except QualcodeError as exc:
            outcomes.append(IngestOutcome(str(path), "failed", doc.name, str(exc)))
    return outcomes


def _check_privacy(doc: ParsedDocument, mode: PrivacyCheck) -> tuple[ParsedDocument, str | None]:
    """The document with a privacy warning added, or the message refusing it (``strict``)."""
    findings = check_parsed(doc) if mode != "off" else []
    if not findings:
        return doc, None
    advice = f"check it with `qualcode check-privacy {doc.source_path}`"
    if mode == "strict":
        return doc, f"{doc.source_path}: refused (--strict): {summarise(findings)} ({advice})"
    return replace(doc, warnings=(*doc.warnings, f"{summarise(findings)}; {advice}")), None


def _store_document(
    project: Project, doc: ParsedDocument, *, replace: bool, model: str | None, actor: str
) -> IngestOutcome:
    with project.read() as conn:
        existing = store_documents.find_document(conn, doc.name)
    if existing is not None and doc.text_sha256 == existing.text_sha256:
        return IngestOutcome(doc.source_path, "unchanged", doc.name, warnings=doc.warnings)
    segments = segment_document(doc.text, doc.turns, model=model)
    sentences = sum(1 for s in segments if s.kind == "sentence")
    base = {"turns": len(doc.turns), "sentences": sentences, "warnings": doc.warnings}
    with project.write() as conn:
        if existing is None:
            case_id = store_cases.ensure_case(conn, doc.attributes.get("case") or doc.name)
            _set_front_matter(conn, case_id, doc)
            doc_id = store_documents.insert_document(conn, doc, segments, case_id=case_id)
            log_event(conn, actor=actor, action="document.add", entity="document", entity_id=doc_id,
                      payload={"name": doc.name, "source": doc.source_path,
                               "text_sha256": doc.text_sha256})
            return IngestOutcome(doc.source_path, "added", doc.name, **base)  # type: ignore[arg-type]
        codings = store_codings.find_codings(conn, document=doc.name)
        if codings and not replace:
            message = (f"{doc.source_path}: the text of {doc.name!r} changed and it has "
                       f"{len(codings)} coding(s); pass --replace to re-anchor them by their quotes")
            return IngestOutcome(doc.source_path, "refused", doc.name, message)
        store_documents.replace_document(conn, existing.id, doc, segments)
        _set_front_matter(conn, store_cases.ensure_case(conn, existing.case or doc.name), doc)
        moved, lost = _reanchor(conn, existing.text, doc.text, codings, actor=actor)
        log_event(conn, actor=actor, action="document.replace", entity="document",
                  entity_id=existing.id,
                  payload={"name": doc.name, "old_text_sha256": existing.text_sha256,
                           "text_sha256": doc.text_sha256, "moved": moved, "lost": len(lost)})
    action: Action = "replaced" if codings else "updated"
    return IngestOutcome(doc.source_path, action, doc.name, lost=tuple(lost), moved=moved,
                         **base)  # type: ignore[arg-type]


def _set_front_matter(conn: Connection, case_id: int, doc: ParsedDocument) -> None:
    attributes = {k: v for k, v in doc.attributes.items() if k != "case"}
    if attributes:
        store_cases.set_case_attributes(conn, case_id, attributes)


def _reanchor(
    conn: Connection, old_text: str, new_text: str, codings: list[Coding], *, actor: str
) -> tuple[int, list[Coding]]:
    moved = 0
    lost: list[Coding] = []
    for result in anchor.reanchor(old_text, new_text, codings):
        coding = result.coding
        assert coding.id is not None
        if result.span is None:
            store_codings.delete_coding(conn, coding.id)
            log_event(conn, actor=actor, action="coding.lost", entity="coding", entity_id=coding.id,
                      payload=asdict(coding))
            lost.append(coding)
            continue
        start, end = result.span
        if (start, end) != (coding.start, coding.end):
            store_codings.move_coding(conn, coding.id, start, end, new_text[start:end])
            moved += 1
    return moved, lost


def _apply_cases(
    project: Project, rows: list[CaseRow], report: IngestReport, *, actor: str, source: str
) -> None:
    with project.write() as conn:
        names = set(store_documents.document_names(conn))
        known_cases = {case.name for case in store_cases.list_cases(conn)}
        for row in rows:
            if row.key in names:
                doc = store_documents.find_document(conn, row.key)
                assert doc is not None
                case_id = store_cases.ensure_case(conn, row.case)
                store_documents.set_document_case(conn, doc.id, case_id)
                # front-matter attributes travel with the document; the sheet wins on conflicts
                inherited = {k: v for k, v in doc.attributes.items() if k != "case"}
                attributes = {**inherited, **row.attributes}
            elif row.key in known_cases:
                case_id = store_cases.ensure_case(conn, row.key)
                attributes = dict(row.attributes)
            else:
                report.unknown_cases.append(f"{source}:{row.row}: {row.key!r} matches no document or case")
                continue
            changed = store_cases.set_case_attributes(conn, case_id, attributes)
            report.cases_applied += 1
            if changed:
                log_event(conn, actor=actor, action="case.attributes", entity="case",
                          entity_id=row.case, payload={"set": row.attributes, "old": changed})
        _drop_empty_cases(conn)


def _drop_empty_cases(conn: Connection) -> None:
    """Remove automatic per-document cases that no document belongs to any more.

    Their front-matter attributes have moved with the document to its new case.
    """
    counts = store_cases.case_document_counts(conn)
    names = set(store_documents.document_names(conn))
    for case in store_cases.list_cases(conn):
        if case.name not in counts and case.name in names:
            store_cases.delete_case(conn, case.name)


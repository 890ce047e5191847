"""Bringing transcripts into a project: read, segment, store, attach cases.

Files are read, checked and segmented (:mod:`qualcode.ingest.prepare`, optionally in
worker processes) and stored in batches, one transaction per batch. A file that cannot be
read, or a document that fails, leaves no trace in the project, and the other files and
documents still go in; a killed ingest leaves whole documents only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from dataclasses import replace as with_values
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection

from qualcode import anchor
from qualcode.errors import QualcodeError
from qualcode.ingest import SUFFIXES, ReadOptions
from qualcode.ingest.cases import CaseRow, read_cases
from qualcode.ingest.prepare import (
    Preparation,
    PreparedDocument,
    PreparedFile,
    PrivacyCheck,
    prepare_files,
)
from qualcode.models import Coding, ParsedDocument
from qualcode.nlp import tokenizer_fingerprint
from qualcode.segment import SegmentRow, segment_rows_tokens
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.engine import savepoint
from qualcode.store.log import log_event

Action = Literal["added", "updated", "replaced", "unchanged", "refused", "failed"]
Progress = Callable[[int, int, str], None]
TABLE_SUFFIXES = frozenset({".csv", ".xlsx", ".tsv"})
BATCH_DOCUMENTS = 1000
BATCH_CHARACTERS = 2_000_000
BATCH_SECONDS = 1.0


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
    processes: int = 1,
) -> IngestReport:
    """Ingest files and folders into ``project``; see the module docstring.

    ``privacy`` runs the fast personal-data checks of :mod:`qualcode.privacy` on each
    document: ``warn`` adds a warning (masked excerpts only), ``strict`` refuses the
    document, ``off`` skips them. ``processes`` above 1 reads, checks and segments files
    in that many worker processes; this process alone writes, in the same order, so the
    project ends up the same.
    """
    options = options or ReadOptions()
    case_rows = read_cases(cases) if cases is not None else []
    files = expand_paths(paths, tables=options.text_column is not None)
    report = IngestReport()
    with project.read() as conn:
        stored = {name: sha for name, (_, sha) in store_documents.document_hashes(conn).items()}
    preparation = Preparation(options, privacy=privacy, model=spacy_model, stored=stored)
    writer = _Writer(project, report, replace=replace, model=spacy_model, actor=actor)
    for number, prepared in enumerate(prepare_files(files, preparation, processes=processes)):
        if progress is not None:
            progress(number, len(files), prepared.path.name)
        writer.add(prepared)
    writer.flush()
    if progress is not None:
        progress(len(files), len(files), "")
    if cases is not None:
        _apply_cases(project, case_rows, report, actor=actor, source=str(cases))
    return report


class _Writer:
    """Stores prepared documents in batches: one transaction per batch, not per document.

    A batch is written when it holds :data:`BATCH_DOCUMENTS` documents or
    :data:`BATCH_CHARACTERS` characters of text, or has waited :data:`BATCH_SECONDS`.
    Each document is stored inside a savepoint, so one that fails leaves no trace while
    the rest of its batch goes in; a batch that cannot be written at all (the project
    is busy) fails each of its documents.
    """

    def __init__(self, project: Project, report: IngestReport, *, replace: bool,
                 model: str | None, actor: str) -> None:
        self.project, self.report = project, report
        self.replace, self.model, self.actor = replace, model, actor
        self.entries: list[IngestOutcome | PreparedDocument] = []
        self.seen: dict[str, str] = {}
        self.characters = 0
        self.started = time.monotonic()

    def add(self, prepared: PreparedFile) -> None:
        """Queue the documents of one file (and outcomes for those that will not be stored)."""
        path = str(prepared.path)
        if prepared.error is not None:
            self.entries.append(IngestOutcome(path, "failed", message=prepared.error))
        for item in prepared.documents:
            self.entries.append(self._triage(path, item))
            if self._full():  # inside the loop: a table of answers is many batches
                self.flush()

    def _triage(self, path: str, item: PreparedDocument) -> IngestOutcome | PreparedDocument:
        name = item.doc.name
        if name in self.seen and self.seen[name] != path:
            message = f"{path}: document name {name!r} is already used by {self.seen[name]}"
            return IngestOutcome(path, "failed", name, message)
        self.seen[name] = path
        if item.refusal is not None:
            return IngestOutcome(path, "refused", name, item.refusal)
        if item.error is not None:
            return IngestOutcome(path, "failed", name, item.error)
        self.characters += len(item.doc.text)
        return item

    def _full(self) -> bool:
        return (len(self.entries) >= BATCH_DOCUMENTS or self.characters >= BATCH_CHARACTERS
                or time.monotonic() - self.started >= BATCH_SECONDS)

    def flush(self) -> None:
        """Write the queued documents and record every outcome, in order."""
        todo = [e for e in self.entries if isinstance(e, PreparedDocument)]
        done: dict[int, IngestOutcome] = {}
        if todo:
            try:
                done = self._write(todo)
            except QualcodeError as exc:
                done = {id(i): IngestOutcome(i.doc.source_path, "failed", i.doc.name, str(exc))
                        for i in todo}
        self.report.outcomes.extend(e if isinstance(e, IngestOutcome) else done[id(e)]
                                    for e in self.entries)
        self.entries, self.characters, self.started = [], 0, time.monotonic()

    def _write(self, todo: list[PreparedDocument]) -> dict[int, IngestOutcome]:
        names = [item.doc.name for item in todo]
        with self.project.read() as conn:
            stored = store_documents.document_hashes(conn, names)
        done = {id(i): IngestOutcome(i.doc.source_path, "unchanged", i.doc.name,
                                     warnings=i.doc.warnings)
                for i in todo if stored.get(i.doc.name, (0, ""))[1] == i.text_sha256}
        if len(done) == len(todo):
            return done  # nothing to write: no write transaction, the file stays as it was
        with self.project.write() as conn:
            store_documents.ensure_token_table(conn)
            stored = store_documents.document_hashes(conn, names)
            for item in todo:
                done[id(item)] = self._store(conn, item, stored.get(item.doc.name))
        return done

    def _store(self, conn: Connection, item: PreparedDocument,
               existing: tuple[int, str] | None) -> IngestOutcome:
        doc = item.doc
        if existing is not None and existing[1] == item.text_sha256:
            return IngestOutcome(doc.source_path, "unchanged", doc.name, warnings=doc.warnings)
        try:
            with savepoint(conn):
                if existing is None:
                    return _add(conn, self._segmented(item), actor=self.actor)
                return _update(conn, self._segmented(item), replace=self.replace,
                               actor=self.actor)
        except QualcodeError as exc:
            return IngestOutcome(doc.source_path, "failed", doc.name, str(exc))

    def _segmented(self, item: PreparedDocument) -> PreparedDocument:
        if item.segments is not None:
            return item
        # stored unchanged when preparing began, changed since by another command
        rows, tokens = next(segment_rows_tokens([(item.doc.text, item.doc.turns)],
                                                model=self.model))
        return with_values(item, segments=rows, tokens=tokens)


def _counts(doc: ParsedDocument, segments: list[SegmentRow]) -> dict[str, Any]:
    sentences = sum(1 for row in segments if row[0] == "sentence")
    return {"turns": len(doc.turns), "sentences": sentences, "warnings": doc.warnings}


def _tokens(item: PreparedDocument) -> store_documents.StoredTokens | None:
    """What to keep of the tokens ingest made of the document's text."""
    if item.tokens is None:
        return None
    return store_documents.StoredTokens(item.text_sha256, tokenizer_fingerprint(), item.tokens)


def _add(conn: Connection, item: PreparedDocument, *, actor: str) -> IngestOutcome:
    doc, segments = item.doc, item.segments
    assert segments is not None
    case_id = store_cases.ensure_case(conn, doc.attributes.get("case") or doc.name)
    _set_front_matter(conn, case_id, doc)
    doc_id = store_documents.add_document(conn, doc, segments, case_id=case_id,
                                          text_sha256=item.text_sha256)
    store_documents.put_document_tokens(conn, doc_id, _tokens(item))
    log_event(conn, actor=actor, action="document.add", entity="document", entity_id=doc_id,
              payload={"name": doc.name, "source": doc.source_path,
                       "text_sha256": item.text_sha256})
    return IngestOutcome(doc.source_path, "added", doc.name, **_counts(doc, segments))


def _update(conn: Connection, item: PreparedDocument, *, replace: bool,
            actor: str) -> IngestOutcome:
    doc, segments = item.doc, item.segments
    assert segments is not None
    existing = store_documents.find_document(conn, doc.name)
    assert existing is not None
    codings = store_codings.find_codings(conn, document=doc.name)
    if codings and not replace:
        message = (f"{doc.source_path}: the text of {doc.name!r} changed and it has "
                   f"{len(codings)} coding(s); pass --replace to re-anchor them by their quotes")
        return IngestOutcome(doc.source_path, "refused", doc.name, message)
    store_documents.replace_document(conn, existing.id, doc, segments)
    store_documents.put_document_tokens(conn, existing.id, _tokens(item))
    _set_front_matter(conn, store_cases.ensure_case(conn, existing.case or doc.name), doc)
    moved, lost = _reanchor(conn, existing.text, doc.text, codings, actor=actor)
    log_event(conn, actor=actor, action="document.replace", entity="document",
              entity_id=existing.id,
              payload={"name": doc.name, "old_text_sha256": existing.text_sha256,
                       "text_sha256": item.text_sha256, "moved": moved, "lost": len(lost)})
    action: Action = "replaced" if codings else "updated"
    return IngestOutcome(doc.source_path, action, doc.name, lost=tuple(lost), moved=moved,
                         **_counts(doc, segments))


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


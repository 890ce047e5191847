"""Bringing another project's codes, cases, documents and codings into this one.

Documents are matched by the hash of their text, then by name. A document missing here
is copied with its turns and segments; codings on a document whose text differs here
are placed again by their quotes, and those whose quote is gone are reported. Nothing
here is overwritten without ``on_conflict="theirs"``, and the other project is read
from a copy, so it is never touched. Merging twice adds nothing the second time.

A *conflict* is a code with the same id but another definition (or name, cues, ...),
a case attribute or a document's case with another value, or the same coding with
another memo. Conflicts are collected; ``on_conflict`` says what happens: ``fail``
(the default: nothing is merged and every conflict is listed), ``keep`` (ours stay) or
``theirs`` (theirs replace ours; the old values stay in the event log).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from sqlalchemy import Connection

from qualcode import anchor
from qualcode.codebook import dump_codebook
from qualcode.errors import ExitCode, Problem, UserError, ValidationError
from qualcode.models import Case, Code, Codebook, Coding, ParsedDocument, Segment, Turn, sha256_text
from qualcode.store import Project, open_project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store import merge as store_merge
from qualcode.store.documents import StoredDocument
from qualcode.store.log import log_event
from qualcode.store.runs import finish_run, start_run

ON_CONFLICT = ("fail", "keep", "theirs")
CodingKey = tuple[str, int, int, str, str, str, str]


class MergeConflicts(ValidationError):
    """The projects disagree and no ``on_conflict`` choice was made; nothing was merged."""

    exit_code = ExitCode.ERROR


@dataclass(frozen=True)
class _Other:
    """Everything read from the other project."""

    target: str
    codebook: Codebook | None
    archived: set[str]
    cases: list[Case]
    documents: list[StoredDocument]
    parts: dict[str, tuple[list[Turn], list[Segment]]]
    codings: list[Coding]


@dataclass(frozen=True)
class _Target:
    """Where a document of the other project lands here."""

    name: str
    id: int
    text: str
    same_text: bool


@dataclass
class MergeReport:
    """What a merge brought in, what it found already here, and what it could not place."""

    other: str
    on_conflict: str
    coders: dict[str, str] = field(default_factory=dict)
    codes_added: list[str] = field(default_factory=list)
    codes_replaced: list[str] = field(default_factory=list)
    cases_added: list[str] = field(default_factory=list)
    attributes_added: int = 0
    documents_matched: list[str] = field(default_factory=list)
    documents_copied: list[str] = field(default_factory=list)
    documents_reanchored: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    codings_moved: int = 0
    codings_lost: list[str] = field(default_factory=list)
    memos_added: int = 0
    conflicts: list[str] = field(default_factory=list)
    run_id: str | None = None


def merge_project(
    project: Project,
    other: Path,
    *,
    coder_map: Mapping[str, str] | None = None,
    on_conflict: str = "fail",
    actor: str = "qualcode",
) -> MergeReport:
    """Merge the project file ``other`` into ``project`` (see the module docstring).

    ``coder_map`` renames the other project's coders (``{"alice": "alice-2"}``).
    Raises :class:`MergeConflicts` when there are conflicts and ``on_conflict`` is ``fail``.
    """
    if on_conflict not in ON_CONFLICT:
        msg = f"unknown conflict rule {on_conflict!r}; use one of {', '.join(ON_CONFLICT)}"
        raise UserError(msg)
    if project.path is not None and project.path.resolve() == other.resolve():
        msg = "cannot merge a project into itself"
        raise UserError(msg, path=other)
    snapshot = read_other(other)
    mapping = _coder_map(snapshot, coder_map or {})
    report = MergeReport(str(other), on_conflict, coders=mapping)
    with project.write() as conn:
        report.run_id = start_run(conn, kind="merge", actor=actor,
                                  params={"other": str(other), "coders": mapping,
                                          "on_conflict": on_conflict})
        _merge_codes(conn, snapshot, report, actor=actor)
        known = {case.name: case for case in store_cases.list_cases(conn)}
        targets = _merge_documents(conn, snapshot, report, actor=actor)
        _merge_cases(conn, snapshot, report, known, skip=_automatic_cases(snapshot, report))
        _merge_codings(conn, snapshot, targets, report, actor=actor)
        if report.conflicts and on_conflict == "fail":
            problems = [Problem(text, path=str(other)) for text in report.conflicts]
            problems.append(Problem("nothing was merged; choose with --on-conflict keep (ours) "
                                    "or --on-conflict theirs", path=str(other)))
            raise MergeConflicts(problems, path=other)
        finish_run(conn, report.run_id)
        summary = {k: v for k, v in asdict(report).items() if k != "codings_lost"}
        log_event(conn, actor=actor, action="project.merge", entity="run", entity_id=report.run_id,
                  payload={**summary, "codings_lost": len(report.codings_lost)})
    return report


def read_other(path: Path) -> _Other:
    """Read another project from a private copy, so the file itself is never opened for writing."""
    with tempfile.TemporaryDirectory(prefix="qualcode-merge-") as folder:
        copy = Path(folder) / "other.db"
        store_merge.copy_project_file(path, copy)
        with open_project(copy, create=False) as other, other.read() as conn:
            documents = store_documents.all_documents(conn)
            parts = {d.name: (store_documents.document_turns(conn, d.id),
                              store_documents.document_segments(conn, d.id)) for d in documents}
            return _Other(str(path), store_codes.project_codebook(conn),
                          store_codes.archived_ids(conn), store_cases.list_cases(conn),
                          documents, parts, store_codings.find_codings(conn))


def _coder_map(other: _Other, wanted: Mapping[str, str]) -> dict[str, str]:
    coders = sorted({c.coder for c in other.codings})
    unknown = [name for name in wanted if name not in coders]
    if unknown:
        msg = (f"no coder {', '.join(repr(n) for n in unknown)} in the other project; "
               f"its coders: {', '.join(coders) or 'none'}")
        raise UserError(msg, path=other.target)
    return {name: wanted.get(name, name) for name in coders}


# -- codes --------------------------------------------------------------------------------

def _differences(ours: Code, theirs: Code) -> list[str]:
    return [f.name for f in fields(Code)
            if f.name not in ("line",) and getattr(ours, f.name) != getattr(theirs, f.name)]


def _merge_codes(conn: Connection, other: _Other, report: MergeReport, *, actor: str) -> None:
    theirs = list(other.codebook.codes) if other.codebook is not None else []
    ours = {c.id: c for c in store_codes.list_codes(conn, archived=True)}
    new = [c for c in theirs if c.id not in ours]
    replaced: list[tuple[Code, Code]] = []
    for code in (c for c in theirs if c.id in ours):
        differing = _differences(ours[code.id], code)
        if differing:
            report.conflicts.append(f"code {code.id!r} has another {', '.join(differing)} "
                                    "in the other project")
            if report.on_conflict == "theirs":
                replaced.append((ours[code.id], code))
    if not new and not replaced:
        return
    version = _record_codebook(conn, other, ours, new, [t for _, t in replaced])
    for code in new:
        store_merge.add_code(conn, code, version=version, archived=code.id in other.archived)
        report.codes_added.append(code.id)
    for old, code in replaced:
        store_merge.replace_code(conn, code, version=version)
        log_event(conn, actor=actor, action="code.replace", entity="code", entity_id=code.id,
                  payload={"old": _plain(old), "new": _plain(code), "from": other.target})
        report.codes_replaced.append(code.id)


def _plain(code: Code) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(code).items()}


def _record_codebook(conn: Connection, other: _Other, ours: dict[str, Code], new: list[Code],
                     replaced: list[Code]) -> int:
    """A codebook version that holds the merged codes, for the record."""
    base = store_codes.project_codebook(conn) or other.codebook
    assert base is not None
    swap = {c.id: c for c in replaced}
    codes = tuple(swap.get(c.id, c) for c in ours.values()) + tuple(new)
    draft = Codebook(base.name, f"{base.version} + merge", codes, base.description,
                     source=f"merge of {other.target}")
    content = dump_codebook(draft)
    return store_merge.record_codebook(conn, replace(draft, sha256=sha256_text(content)), content)


# -- cases and documents ------------------------------------------------------------------

def _automatic_case(doc: StoredDocument) -> str | None:
    """The document's case, unless it is the one made for it because it had none."""
    return None if doc.case == doc.name else doc.case


def _automatic_cases(other: _Other, report: MergeReport) -> set[str]:
    """Their automatic cases of documents that were not copied: nothing to bring over."""
    copied = set(report.documents_copied)
    return {d.name for d in other.documents if d.case == d.name and d.name not in copied}


def _merge_cases(conn: Connection, other: _Other, report: MergeReport, known: dict[str, Case],
                 *, skip: set[str]) -> None:
    """Their cases and attributes; ``known`` are our cases from before the merge."""
    for case in other.cases:
        if case.name in skip:
            continue
        here = known.get(case.name)
        case_id = store_cases.ensure_case(conn, case.name)
        if here is None:
            store_cases.set_case_attributes(conn, case_id, case.attributes)
            report.cases_added.append(case.name)
            continue
        added = {k: v for k, v in case.attributes.items() if k not in here.attributes}
        differing = {k: v for k, v in case.attributes.items()
                     if k in here.attributes and here.attributes[k] != v}
        for key, value in differing.items():
            report.conflicts.append(f"case {case.name!r}: {key} is {here.attributes[key]!r} here "
                                    f"and {value!r} in the other project")
        report.attributes_added += len(added)
        if report.on_conflict == "theirs":
            added.update(differing)
        store_cases.set_case_attributes(conn, case_id, added)


def _merge_documents(conn: Connection, other: _Other, report: MergeReport,
                     *, actor: str) -> dict[str, _Target]:
    ours = store_documents.all_documents(conn)
    by_hash = {d.text_sha256: d for d in ours}
    by_name = {d.name: d for d in ours}
    targets: dict[str, _Target] = {}
    for doc in other.documents:
        here = by_hash.get(doc.text_sha256) or by_name.get(doc.name)
        if here is None:
            targets[doc.name] = _copy_document(conn, doc, other.parts[doc.name], actor=actor)
            report.documents_copied.append(doc.name)
            continue
        same = here.text_sha256 == doc.text_sha256
        (report.documents_matched if same else report.documents_reanchored).append(doc.name)
        targets[doc.name] = _Target(here.name, here.id, here.text, same)
        _merge_document_case(conn, here, doc, report)
    return targets


def _copy_document(conn: Connection, doc: StoredDocument, parts: tuple[list[Turn], list[Segment]],
                   *, actor: str) -> _Target:
    turns, segments = parts
    parsed = ParsedDocument(doc.name, doc.format, doc.text, tuple(turns), doc.source_path,
                            doc.source_sha256, doc.attributes)
    case_id = store_cases.ensure_case(conn, doc.case) if doc.case else None
    doc_id = store_documents.insert_document(conn, parsed, segments, case_id=case_id)
    log_event(conn, actor=actor, action="document.add", entity="document", entity_id=doc_id,
              payload={"name": doc.name, "source": doc.source_path, "text_sha256": doc.text_sha256,
                       "merged": True})
    return _Target(doc.name, doc_id, doc.text, True)


def _merge_document_case(conn: Connection, here: StoredDocument, doc: StoredDocument,
                         report: MergeReport) -> None:
    theirs, ours = _automatic_case(doc), _automatic_case(here)
    if theirs is None or theirs == ours:
        return
    if ours is not None:
        report.conflicts.append(f"document {here.name!r} belongs to case {ours!r} here "
                                f"and to {theirs!r} in the other project")
        if report.on_conflict != "theirs":
            return
    store_documents.set_document_case(conn, here.id, store_cases.ensure_case(conn, theirs))


# -- codings ------------------------------------------------------------------------------

def _key(coding: Coding) -> CodingKey:
    return (coding.document, coding.start, coding.end, coding.code, coding.coder, coding.origin,
            coding.status)


def _merge_codings(conn: Connection, other: _Other, targets: dict[str, _Target],
                   report: MergeReport, *, actor: str) -> None:
    existing = {_key(c): c for c in store_codings.find_codings(conn)}
    texts = {d.name: d.text for d in other.documents}
    grouped: dict[str, list[Coding]] = defaultdict(list)
    for coding in other.codings:
        grouped[coding.document].append(coding)
    for name, codings in grouped.items():
        target = targets[name]
        for coding, span in _placed(texts[name], target, codings, report):
            start, end = span
            moved = replace(coding, id=None, document=target.name, start=start, end=end,
                            quote=target.text[start:end], coder=report.coders[coding.coder],
                            run_id=report.run_id)
            found = existing.get(_key(moved))
            if found is not None:
                report.codings_present += 1
                _merge_memo(conn, found, moved, report, actor=actor)
                continue
            (new_id,) = store_codings.insert_codings(conn, target.id, target.text, [moved])
            existing[_key(moved)] = replace(moved, id=new_id)
            report.codings_added += 1


def _placed(text: str, target: _Target, codings: list[Coding],
            report: MergeReport) -> list[tuple[Coding, tuple[int, int]]]:
    """Each coding with its span here; codings whose quote is gone are reported."""
    if target.same_text:
        return [(c, (c.start, c.end)) for c in codings]
    placed = []
    for result in anchor.reanchor(text, target.text, codings):
        coding = result.coding
        if result.span is None:
            quote = " ".join(coding.quote.split())
            report.codings_lost.append(f"{target.name}: {coding.code} by {coding.coder}: quote not "
                                       f"found here: {quote[:60]!r}")
            continue
        report.codings_moved += result.span != (coding.start, coding.end)
        placed.append((coding, result.span))
    return placed


def _merge_memo(conn: Connection, ours: Coding, theirs: Coding, report: MergeReport,
                *, actor: str) -> None:
    if not theirs.memo or theirs.memo == ours.memo or ours.id is None:
        return
    if ours.memo:
        report.conflicts.append(f"coding {ours.id} ({ours.code} on {ours.document}) has another "
                                "memo in the other project")
        if report.on_conflict != "theirs":
            return
    else:
        report.memos_added += 1
    store_merge.set_coding_memo(conn, ours.id, theirs.memo)
    log_event(conn, actor=actor, action="coding.memo", entity="coding", entity_id=ours.id,
              payload={"old": ours.memo, "new": theirs.memo, "from": report.other})

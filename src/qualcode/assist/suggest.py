"""``qualcode suggest``: write suggestions (status suggested, coder ``assistant``) as one run.

A suggestion is never written twice, never over a decision, and never again after it was
rejected: every (document, start, end, code) that already has a coding of any status is
skipped. The run records the ids of the codings it added, so ``qualcode undo`` can remove
exactly those. When there is nothing new to suggest, no run is recorded at all, so running
suggest again leaves the project as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from qualcode.assist.analysis import Progress, analyse_units
from qualcode.assist.combine import Structure
from qualcode.assist.fit import Fitted, check_method
from qualcode.assist.propose import Proposal, propose
from qualcode.assist.units import Unit, check_unit, load_units
from qualcode.errors import ProjectError, UserError
from qualcode.models import Code, Coding, under_prefix
from qualcode.store import Project
from qualcode.store import classifiers as store_classifiers
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store import documents as store_documents
from qualcode.store.log import log_event
from qualcode.store.runs import finish_run, start_run

ASSISTANT = "assistant"


@dataclass
class SuggestReport:
    """What a suggestion run did (or, with ``dry_run``, would do)."""

    method: str
    unit: str
    dry_run: bool
    documents: int = 0
    units: int = 0
    run_id: str | None = None
    classifier: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # status of the coding in the way
    by_code: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    suggestions: list[Coding] = field(default_factory=list)

    @property
    def added(self) -> int:
        return len(self.suggestions)


has_prefix = under_prefix


def selected_codes(codes: Sequence[Code], prefixes: Sequence[str]) -> list[Code]:
    """The active codes (not categories) under ``prefixes``; every prefix must match one."""
    active = [c for c in codes if c.kind == "code"]
    if not active:
        msg = "the project has no codebook yet"
        raise ProjectError(msg, hint="load one with `qualcode codebook load FILE`")
    for prefix in prefixes:
        if not any(has_prefix(c.id, [prefix]) for c in active):
            msg = f"no code matches {prefix!r}"
            raise UserError(msg, hint="see `qualcode codebook show`")
    return [c for c in active if has_prefix(c.id, prefixes)]


def load_classifier(conn: Connection, *, unit: str) -> tuple[int, Fitted]:
    """The latest classifier, which must have been trained on ``unit`` units."""
    stored = store_classifiers.latest_classifier(conn)
    if stored is None:
        msg = "the project has no trained model yet"
        raise ProjectError(msg, hint="train one with `qualcode learn`, or use --method cues")
    if stored.unit != unit:
        msg = f"the latest model was trained on {stored.unit}s, not {unit}s"
        raise ProjectError(msg, hint=f"train one with `qualcode learn --unit {unit}`")
    return stored.id, Fitted.from_stored(stored.labels, stored.data, stored.params,
                                         stored.metrics)


def suggest(
    project: Project,
    *,
    documents: Sequence[str] = (),
    method: str = "cues",
    unit: str = "sentence",
    code_prefixes: Sequence[str] = (),
    min_score: float | None = None,
    include_interviewer: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SuggestReport:
    """Suggest codes for the units of ``documents`` (all documents when empty)."""
    check_method(method)
    check_unit(unit)
    report = SuggestReport(method, unit, dry_run)
    with project.read() as conn:
        codes = store_codes.list_codes(conn)
        wanted = {c.id for c in selected_codes(codes, code_prefixes)}
        names = _documents(conn, documents)
        units = load_units(conn, unit=unit, include_interviewer=include_interviewer)
        fitted = None
        if method != "cues":
            report.classifier, fitted = load_classifier(conn, unit=unit)
    analysis = analyse_units(units, codes, progress=progress)
    chosen = [i for i, u in enumerate(units) if u.document in names]
    part = analysis.subset(chosen)
    found = [p for p in propose(part, Structure.of(codes), method=method, fitted=fitted,
                                min_score=min_score) if p.code in wanted]
    report.documents, report.units = len(names), len(chosen)
    if dry_run:
        with project.read() as conn:
            _keep_new(conn, report, part.units, found, names, run_id=None)
        return report
    _write(project, report, part.units, found, names,
           params={"method": method, "unit": unit, "documents": sorted(names),
                   "codes": list(code_prefixes), "min_score": min_score,
                   "include_interviewer": include_interviewer,
                   "classifier": report.classifier})
    return report


def _documents(conn: Connection, documents: Sequence[str]) -> set[str]:
    known = store_documents.document_names(conn)
    missing = [name for name in documents if name not in known]
    if missing:
        msg = f"no document named {missing[0]!r}"
        raise UserError(msg, hint="see `qualcode documents`")
    if not known:
        msg = "the project has no documents yet"
        raise ProjectError(msg, hint="ingest transcripts first")
    return set(documents) if documents else set(known)


def _keep_new(conn: Connection, report: SuggestReport, units: Sequence[Unit],
              found: Sequence[Proposal], names: set[str], *, run_id: str | None) -> None:
    """Turn proposals into codings, leaving out every span and code already coded."""
    keys = store_decisions.coding_keys(conn, documents=names)
    categories = {c.id: c.category for c in store_codes.list_codes(conn)}
    skipped: Counter[str] = Counter()
    for p in found:
        u = units[p.unit]
        status = keys.get((u.document, u.start, u.end, p.code))
        if status is not None:
            skipped[status] += 1
            continue
        report.suggestions.append(Coding(
            document=u.document, start=u.start, end=u.end, quote=u.text, code=p.code,
            coder=ASSISTANT, origin="model" if p.origin == "model" else "rule",
            status="suggested", score=p.score, rationale=p.rationale, run_id=run_id))
    report.skipped = dict(sorted(skipped.items()))
    report.by_code = dict(sorted(Counter(s.code for s in report.suggestions).items()))
    report.by_category = dict(sorted(Counter(categories.get(s.code, "")
                                             for s in report.suggestions).items()))


def _write(project: Project, report: SuggestReport, units: Sequence[Unit],
           found: Sequence[Proposal], names: set[str], *, params: dict[str, object]) -> None:
    with project.write() as conn:
        _keep_new(conn, report, units, found, names, run_id=None)
        if not report.suggestions:
            return  # nothing new: no run, so running suggest again changes nothing
        run_id = start_run(conn, kind="suggest", actor=ASSISTANT, params=params)
        report.run_id = run_id
        report.suggestions = [replace(s, run_id=run_id) for s in report.suggestions]
        ids: list[int] = []
        by_document: dict[str, list[Coding]] = {}
        for coding in report.suggestions:
            by_document.setdefault(coding.document, []).append(coding)
        for name, items in sorted(by_document.items()):
            doc = store_documents.find_document(conn, name)
            assert doc is not None
            ids.extend(store_codings.insert_codings(conn, doc.id, doc.text, items))
        finish_run(conn, run_id)
        log_event(conn, actor=ASSISTANT, action="suggest.run", entity="run", entity_id=run_id,
                  payload={**params, "added": len(ids), "codings": ids,
                           "skipped": report.skipped, "by_code": report.by_code})

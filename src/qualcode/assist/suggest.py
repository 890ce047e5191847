"""``qualcode suggest``: write suggestions (status suggested, coder ``assistant``) as one run.

A suggestion is never written twice, never over a decision, and never again after it was
rejected: every (document, start, end, code) that already has a coding of any status is
skipped. The run records the ids of the codings it added, so ``qualcode undo`` can remove
exactly those. When there is nothing new to suggest, no run is recorded at all, so running
suggest again leaves the project as it was. The whole run is one transaction.

Cue suggestions stream, so memory stays flat in the size of the corpus. The rarity of a
cue is taken over every unit of the project, which is only known once all are matched, so
there are two passes: the first matches every document, counts how many units hold each
cue, and spills the units with hits of the chosen documents to a temporary file; the
second reads them back one document at a time, scores them and writes their suggestions.
With ``processes`` above 1, worker processes read, match and score chunks of documents
(:mod:`qualcode.assist.chunks`) while this process writes. Methods ``model`` and
``both`` also count the rarity of cues over the project first, then analyse and propose
for one chosen document at a time (:func:`analyse_units`), so their memory stays flat
too.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from qualcode.assist.analysis import Progress, analyse_units
from qualcode.assist.chunks import (
    Proposed,
    chunked,
    match_chunk,
    propose_chunk,
    propose_found,
    share,
)
from qualcode.assist.combine import Structure
from qualcode.assist.cues import rarity
from qualcode.assist.fit import Fitted, check_method
from qualcode.assist.propose import propose
from qualcode.assist.stream import (
    Matched,
    Spill,
    Workers,
    matched_groups,
    usable_source,
)
from qualcode.assist.units import check_unit, with_units
from qualcode.errors import ProjectError, UserError
from qualcode.models import Code, Coding, under_prefix
from qualcode.store import Project
from qualcode.store import classifiers as store_classifiers
from qualcode.store import codes as store_codes
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
    added: int = 0
    run_id: str | None = None
    classifier: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # status of the coding in the way
    by_code: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    suggestions: list[Coding] = field(default_factory=list)  # empty unless kept


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
    processes: int = 1,
    keep_suggestions: bool = True,
) -> SuggestReport:
    """Suggest codes for the units of ``documents`` (all documents when empty).

    ``processes`` worker processes read and match the documents (method ``cues``); this
    process alone writes to the project. ``keep_suggestions=False`` leaves ``report.suggestions`` empty
    (the counts stay), so a run over a large corpus holds no suggestion in memory.
    ``progress(documents done, documents, "<document> (<units so far> units)")`` is called
    after each document is matched (method ``cues``; the others report the units of the
    chosen documents analysed so far, and "<document> (<k>/<n> documents)").
    """
    check_method(method)
    check_unit(unit)
    report = SuggestReport(method, unit, dry_run)
    with project.read() as conn:
        codes = store_codes.list_codes(conn)
        wanted = {c.id for c in selected_codes(codes, code_prefixes)}
        names = _documents(conn, documents)
        fitted = None
        if method != "cues":
            report.classifier, fitted = load_classifier(conn, unit=unit)
    report.documents = len(names)
    run = _Run(report, names, wanted, keep_suggestions, {
        "method": method, "unit": unit, "documents": sorted(names),
        "codes": list(code_prefixes), "min_score": min_score,
        "include_interviewer": include_interviewer, "classifier": report.classifier})
    with project.read() if dry_run else project.write() as conn:
        if method == "cues":
            found = _by_cues(conn, run, codes, target=project.target, unit=unit,
                             min_score=min_score, include_interviewer=include_interviewer,
                             processes=processes, progress=progress)
        else:
            assert fitted is not None
            found = _by_model(conn, run, codes, unit=unit, method=method, fitted=fitted,
                              min_score=min_score, include_interviewer=include_interviewer,
                              progress=progress)
        run.write(conn, found, categories={c.id: c.category for c in codes})
    return report


def _by_cues(conn: Connection, run: _Run, codes: Sequence[Code], *, target: str, unit: str,
             min_score: float | None, include_interviewer: bool, processes: int,
             progress: Progress | None) -> Iterator[Proposed]:
    """Cue proposals, one document at a time (see the module docstring).

    In this process, the first pass keeps what it found for the chosen documents (see
    :class:`Spill`); with workers, they read and match chunks of documents themselves
    (see :mod:`qualcode.assist.chunks`).
    """
    if processes > 1:
        sizes = store_documents.document_sizes(conn)
        yield from _in_workers(run, codes, sizes, _Tally(len(sizes), progress), target=target,
                               unit=unit, min_score=min_score,
                               include_interviewer=include_interviewer, processes=processes)
        return
    names = store_documents.document_names(conn)
    tally = _Tally(len(names), progress)
    spill = Spill()
    with Workers(codes):
        try:
            for matched in _match_all(conn, run, names, tally, unit=unit,
                                      include_interviewer=include_interviewer, keep=True):
                if matched.found:
                    spill.add(matched)
            rare = tally.rarity()
            yield from (propose_found(matched.found, rare, min_score) for matched in spill)
        finally:
            spill.close()


def _match_all(conn: Connection, run: _Run, names: Sequence[str], tally: _Tally, *,
               unit: str, include_interviewer: bool, keep: bool) -> Iterator[Matched]:
    """The first pass in this process (inside ``Workers``): every document of ``names``
    matched and counted into ``tally``; yields what was matched in the chosen documents
    (their hits only when ``keep``), whose units it counts in the run's report."""
    for members, matched, chosen in matched_groups(conn, names, run.names, unit=unit,
                                                   include_interviewer=include_interviewer,
                                                   keep=keep):
        tally.add(members, matched.counts)
        if chosen:
            run.report.units += matched.units
            yield matched


def _in_workers(run: _Run, codes: Sequence[Code], sizes: Sequence[tuple[str, int]],
                tally: _Tally, *, target: str, unit: str, min_score: float | None,
                include_interviewer: bool, processes: int) -> Iterator[Proposed]:
    """The two passes of :func:`_by_cues` in ``processes`` workers that read the project."""
    with tempfile.TemporaryDirectory(prefix="qualcode-suggest-") as folder, \
            Workers(codes, processes) as workers:
        jobs = ((target, names, frozenset(run.names.intersection(names)), unit,
                 include_interviewer, str(Path(folder) / f"{number:06d}.cues"))
                for number, names in enumerate(chunked(sizes)))
        files: list[str] = []
        for found in workers.map(match_chunk, jobs):
            tally.add(found.members, found.counts)
            run.report.units += found.chosen_units
            if found.path is not None:
                files.append(found.path)
        shared = share(folder, tally.rarity())
        for proposed in workers.map(propose_chunk, ((path, shared, min_score)
                                                    for path in files)):
            yield from proposed


@dataclass
class _Tally:
    """What the first pass counts (units, and units per cue key), and its progress."""

    total: int
    progress: Progress | None
    counts: Counter[str] = field(default_factory=Counter)
    units: int = 0
    done: int = 0

    def add(self, members: Sequence[tuple[str, int]], counts: Counter[str]) -> None:
        """Count documents ``members`` (name, units), which hold ``counts``."""
        self.counts.update(counts)
        for name, size in members:
            self.done, self.units = self.done + 1, self.units + size
            if self.progress is not None:
                self.progress(self.done, self.total, f"{name} ({self.units} units)")

    def rarity(self) -> dict[str, float]:
        """The rarity of each cue key over every unit counted."""
        return rarity(counts=self.counts, units=self.units)


def _by_model(conn: Connection, run: _Run, codes: Sequence[Code], *, unit: str, method: str,
              fitted: Fitted, min_score: float | None, include_interviewer: bool,
              progress: Progress | None) -> Iterator[Proposed]:
    """Model (or combined) proposals for the chosen documents, one document at a time.

    Every feature of the model and of the combination is a unit's or its document's,
    except the rarity of cues, which is the project's: a first pass counts it (as for cue
    suggestions), then each chosen document is analysed and proposed for on its own, so
    memory stays flat however large the corpus.
    """
    names = store_documents.document_names(conn)
    tally = _Tally(len(names), None)
    with Workers(codes):
        for _ in _match_all(conn, run, names, tally, unit=unit,
                            include_interviewer=include_interviewer, keep=False):
            pass
    rare = tally.rarity()
    structure = Structure.of(codes)
    chosen = [name for name in names if name in run.names]
    done = 0
    for number, (doc, tokens, units) in enumerate(with_units(
            conn, store_documents.iter_documents_tokens(conn, chosen), unit=unit,
            include_interviewer=include_interviewer), start=1):
        source = usable_source(doc, tokens)
        analysis = analyse_units(units, codes, rare=rare,
                                 sources={doc.name: source} if source is not None else None)
        found = propose(analysis, structure, method=method, fitted=fitted, min_score=min_score)
        if found:
            yield analysis.units, found
        done += len(units)
        if progress is not None:
            progress(done, run.report.units,
                     f"{doc.name} ({number}/{len(chosen)} documents)")


def _documents(conn: Connection, documents: Sequence[str]) -> set[str]:
    names = store_documents.select_names(conn, documents)
    if not names:
        msg = "the project has no documents yet"
        raise ProjectError(msg, hint="ingest transcripts first")
    return set(names)


@dataclass
class _Run:
    """Turns proposals into codings, leaving out every span and code already coded, and
    (unless a dry run) writes them as one run, started at the first new suggestion."""

    report: SuggestReport
    names: set[str]
    wanted: set[str]
    keep: bool
    params: dict[str, object]
    run_id: str | None = None
    before: int = 0  # the last coding id before the run

    # Proposals are checked and written in batches of documents: one query for the codings
    # already there and one insert per batch, memory bounded by the batch.
    BATCH_PROPOSALS = 5000
    BATCH_DOCUMENTS = 200

    def write(self, conn: Connection, found: Iterator[Proposed], *,
              categories: dict[str, str]) -> None:
        skipped: Counter[str] = Counter()
        by_code: Counter[str] = Counter()
        batch: list[Proposed] = []
        size = 0
        for units, proposals in found:
            wanted = [p for p in proposals if p.code in self.wanted]
            if wanted:
                batch.append((units, wanted))
                size += len(wanted)
            if size >= self.BATCH_PROPOSALS or len(batch) >= self.BATCH_DOCUMENTS:
                self._write_batch(conn, batch, skipped, by_code)
                batch, size = [], 0
        self._write_batch(conn, batch, skipped, by_code)
        self.report.added = sum(by_code.values())
        self.report.skipped = dict(sorted(skipped.items()))
        self.report.by_code = dict(sorted(by_code.items()))
        by_category: Counter[str] = Counter()
        for code, n in by_code.items():
            by_category[categories.get(code, "")] += n
        self.report.by_category = dict(sorted(by_category.items()))
        if self.run_id is not None:
            self._finish(conn)

    def _write_batch(self, conn: Connection, batch: Sequence[Proposed], skipped: Counter[str],
                     by_code: Counter[str]) -> None:
        new = self._new(conn, batch, skipped)
        if not new:
            return
        by_code.update(row[4] for row in new)
        if not self.report.dry_run:
            if self.run_id is None:
                self.before = store_decisions.last_coding_id(conn)
                self.run_id = start_run(conn, kind="suggest", actor=ASSISTANT,
                                        params=self.params)
                self.report.run_id = self.run_id
            store_decisions.insert_suggestions(conn, new, coder=ASSISTANT, run_id=self.run_id)
        if self.keep:
            self.report.suggestions.extend(
                Coding(document, start, end, quote, code, ASSISTANT,
                       "model" if origin == "model" else "rule", "suggested", score, rationale,
                       run_id=self.run_id)
                for document, start, end, quote, code, origin, score, rationale in new)

    def _new(self, conn: Connection, batch: Sequence[Proposed],
             skipped: Counter[str]) -> list[store_decisions.Suggestion]:
        """The proposals of ``batch`` whose span and code have no coding yet, as rows."""
        keys = store_decisions.coding_keys(conn, documents={
            units[p.unit].document for units, proposals in batch for p in proposals})
        fresh: list[store_decisions.Suggestion] = []
        for units, proposals in batch:
            added: list[store_decisions.SpanKey] = []
            for p in proposals:
                u = units[p.unit]
                key = (u.document, u.start, u.end, p.code)
                status = keys.get(key)
                if status is None:
                    added.append(key)
                    fresh.append((u.document, u.start, u.end, u.text, p.code,
                                  "model" if p.origin == "model" else "rule", p.score,
                                  p.rationale))
                else:
                    skipped[status] += 1
            # what this group adds is in the way of a later group, as if already stored
            keys.update(dict.fromkeys(added, "suggested"))
        return fresh

    def _finish(self, conn: Connection) -> None:
        assert self.run_id is not None
        finish_run(conn, self.run_id)
        ids = store_decisions.run_coding_ids(conn, self.run_id, after=self.before)
        log_event(conn, actor=ASSISTANT, action="suggest.run", entity="run",
                  entity_id=self.run_id,
                  payload={**self.params, "added": len(ids), "codings": ids,
                           "skipped": self.report.skipped, "by_code": self.report.by_code})

"""Intercoder agreement on a project: which codes each coder gave each unit, and the statistics.

A *unit* is a stored sentence, a turn, a whole document, or a character. A coder gives
a unit a code when one of the coder's accepted codings with that code overlaps it; the
coder ``assistant`` (or a method: ``cues``, ``model``) stands for the suggestions of
that origin, whatever their status. A coder who has no coding at all in a document did
not code it and is *missing* for its units (not "absent"): alpha leaves such units out
for that coder, the kappas and percent agreement use only units every coder coded.

Character units are not listed one by one: a document is cut at every coding boundary
into stretches in which nothing changes, each weighted by its length.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import Connection

from qualcode import agree
from qualcode.agree import Estimate, Ratings, Value
from qualcode.errors import ProjectError, UserError
from qualcode.models import Code, Coding, Turn, under_prefix
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents

UNITS = ("sentence", "turn", "document", "character")
METHODS: dict[str, tuple[str, ...]] = {"assistant": ("rule", "model"), "cues": ("rule",),
                                       "model": ("model",)}
RELIABLE = 0.8
TENTATIVE = 0.667
Span = tuple[int, int]


@dataclass(frozen=True)
class CodedDocument:
    """One document cut into units, with the codes each compared coder gave each unit.

    ``present[i]`` says whether coder ``i`` coded the document; ``codes[u][i]`` are the
    codes coder ``i`` gave unit ``u``; ``spans[(i, code)]`` are coder ``i``'s merged
    stretches of ``code`` (for unitizing alpha).
    """

    name: str
    case: str | None
    text: str
    text_sha256: str
    turns: tuple[Turn, ...]
    present: tuple[bool, ...]
    units: tuple[Span, ...]
    codes: tuple[tuple[frozenset[str], ...], ...]
    spans: dict[tuple[int, str], list[Span]] = field(default_factory=dict)

    def weight(self, index: int, unit: str) -> int:
        start, end = self.units[index]
        return end - start if unit == "character" else 1

    def compared(self) -> bool:
        return sum(self.present) >= 2


@dataclass(frozen=True)
class UnitTable:
    """Coder x unit x code presence for the documents of a project."""

    unit: str
    coders: tuple[str, ...]
    codes: tuple[Code, ...]
    documents: tuple[CodedDocument, ...]

    def ratings(self, code: str) -> Ratings:
        """Per unit, per coder: ``True``/``False`` for ``code``, ``None`` where the coder is missing."""
        patterns: dict[tuple[Value | None, ...], float] = defaultdict(float)
        for doc in self.documents:
            rest = tuple(False if here else None for here in doc.present)
            for index, given in enumerate(doc.codes):
                weight = doc.weight(index, self.unit)
                if any(code in codes for codes in given):
                    pattern = tuple(code in codes if here else None
                                    for codes, here in zip(given, doc.present, strict=True))
                    patterns[pattern] += weight
                else:
                    patterns[rest] += weight
        return Ratings(len(self.coders), dict(patterns))

    def missing(self) -> dict[str, list[str]]:
        """For each coder, the documents other coders coded and this coder did not."""
        return {coder: [d.name for d in self.documents if any(d.present) and not d.present[i]]
                for i, coder in enumerate(self.coders)}


def unit_table(
    project: Project,
    *,
    coders: Sequence[str],
    unit: str = "sentence",
    codes: Sequence[str] = (),
    documents: Sequence[str] = (),
) -> UnitTable:
    """Read the units of ``documents`` (all by default) and the codes ``coders`` gave them.

    ``codes`` are code ids or prefixes (``challenge`` takes every ``challenge.*`` code).
    """
    _check_arguments(coders, unit)
    with project.read() as conn:
        selected = _select_codes(conn, codes)
        names = store_documents.select_names(conn, documents)
        all_codings = store_codings.find_codings(conn)
        _check_coders(all_codings, coders)
        wanted = {code.id for code in selected}
        by_doc: dict[str, list[tuple[int, Coding]]] = defaultdict(list)
        present: dict[str, set[int]] = defaultdict(set)
        for coding in all_codings:
            for index, coder in enumerate(coders):
                if _belongs(coding, coder, counted=False):
                    present[coding.document].add(index)
                    if coding.code in wanted and _belongs(coding, coder, counted=True):
                        by_doc[coding.document].append((index, coding))
        table = tuple(_coded_document(conn, name, unit, len(coders), present[name], by_doc[name])
                      for name in names)
    return UnitTable(unit, tuple(coders), tuple(sorted(selected, key=lambda c: c.id)), table)


def _check_arguments(coders: Sequence[str], unit: str) -> None:
    if unit not in UNITS:
        msg = f"unknown unit {unit!r}; use one of {', '.join(UNITS)}"
        raise UserError(msg)
    if len(coders) < 2:
        msg = f"agreement needs at least two coders; got {len(coders)}: {', '.join(coders) or 'none'}"
        raise UserError(msg, hint="name them with --coders A B")
    doubled = sorted({c for c in coders if list(coders).count(c) > 1})
    if doubled:
        msg = f"coder named twice: {', '.join(doubled)}"
        raise UserError(msg)


def _belongs(coding: Coding, coder: str, *, counted: bool) -> bool:
    """Whether ``coding`` is ``coder``'s; with ``counted``, whether it also gives its code."""
    if coder in METHODS:
        return coding.origin in METHODS[coder]
    return coding.coder == coder and (coding.status == "accepted" or not counted)


def _check_coders(codings: list[Coding], coders: Sequence[str]) -> None:
    known = {c.coder for c in codings}
    origins = {c.origin for c in codings}
    for name in coders:
        if name in METHODS and not origins & set(METHODS[name]):
            msg = f"no suggestions for {name!r} in the project"
            raise ProjectError(msg, hint="make some with `qualcode suggest`")
    unknown = [c for c in coders if c not in METHODS and c not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        msg = f"no codings by {', '.join(repr(c) for c in unknown)}; coders with codings: {listed}"
        raise ProjectError(msg, hint="the assistant's suggestions are the coder 'assistant'")


def _select_codes(conn: Connection, prefixes: Sequence[str]) -> list[Code]:
    codes = [c for c in store_codes.list_codes(conn, archived=True) if c.kind == "code"]
    if not codes:
        msg = "the project has no codebook yet"
        raise ProjectError(msg, hint="load one with `qualcode codebook load FILE`")
    if not prefixes:
        return codes
    unmatched = [p for p in prefixes if not any(under_prefix(c.id, [p]) for c in codes)]
    if unmatched:
        msg = f"no code matches {', '.join(repr(p) for p in unmatched)}"
        raise UserError(msg, hint="see `qualcode codebook show`")
    return [c for c in codes if under_prefix(c.id, prefixes)]


def _coded_document(conn: Connection, name: str, unit: str, width: int, present: set[int],
                    codings: list[tuple[int, Coding]]) -> CodedDocument:
    doc = store_documents.find_document(conn, name)
    assert doc is not None
    turns = tuple(store_documents.document_turns(conn, doc.id))
    spans = _merged_spans(codings)
    if unit == "character":
        units, codes = _pieces(len(doc.text), spans, width)
    else:
        units = _unit_spans(conn, doc.id, unit, doc.text, turns)
        codes = _unit_codes(units, spans, width)
    return CodedDocument(name, doc.case, doc.text, doc.text_sha256, turns,
                         tuple(i in present for i in range(width)), units, codes, spans)


def _unit_spans(conn: Connection, doc_id: int, unit: str, text: str,
                turns: tuple[Turn, ...]) -> tuple[Span, ...]:
    if unit == "document":
        return ((0, len(text)),) if text else ()
    if unit == "turn":
        return tuple((t.start, t.end) for t in turns)
    return tuple((s.start, s.end) for s in store_documents.document_segments(conn, doc_id, "sentence"))


def _merged_spans(codings: list[tuple[int, Coding]]) -> dict[tuple[int, str], list[Span]]:
    """Each coder's stretches per code, overlapping ones joined."""
    raw: dict[tuple[int, str], list[Span]] = defaultdict(list)
    for index, coding in codings:
        raw[(index, coding.code)].append((coding.start, coding.end))
    merged: dict[tuple[int, str], list[Span]] = {}
    for key, spans in raw.items():
        joined: list[Span] = []
        for start, end in sorted(spans):
            if joined and start < joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        merged[key] = joined
    return merged


def _unit_codes(units: tuple[Span, ...], spans: dict[tuple[int, str], list[Span]],
                width: int) -> tuple[tuple[frozenset[str], ...], ...]:
    starts = [s for s, _ in units]
    ends = [e for _, e in units]
    given: list[list[set[str]]] = [[set() for _ in range(width)] for _ in units]
    for (index, code), stretches in spans.items():
        for start, end in stretches:
            for u in range(bisect_right(ends, start), bisect_left(starts, end)):
                given[u][index].add(code)
    return tuple(tuple(frozenset(s) for s in row) for row in given)


def _pieces(length: int, spans: dict[tuple[int, str], list[Span]],
            width: int) -> tuple[tuple[Span, ...], tuple[tuple[frozenset[str], ...], ...]]:
    """Cut ``[0, length)`` at every boundary; the codes each coder gives each stretch."""
    cuts = sorted({0, length} | {x for stretches in spans.values() for s in stretches for x in s})
    units = tuple((a, b) for a, b in pairwise(cuts) if a < b)
    return units, _unit_codes(units, spans, width)


# -- statistics ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CodeAgreement:
    """The agreement on one code (or, for the pooled row, on all codes together)."""

    code: str
    name: str
    counts: dict[str, float]
    percent: Estimate
    kappa: Estimate
    alpha: Estimate
    unitizing: Estimate | None = None

    @property
    def flag(self) -> str:
        """Krippendorff's reading of alpha: ``ok`` (>= 0.8), ``tentative``, ``low`` (< 0.667)."""
        value = self.alpha.value
        if value is None:
            return "undefined"
        return "ok" if value >= RELIABLE else "tentative" if value >= TENTATIVE else "low"


@dataclass(frozen=True)
class AgreementReport:
    """Agreement per code and pooled, with what was compared and how."""

    unit: str
    coders: tuple[str, ...]
    documents: tuple[str, ...]
    missing: dict[str, list[str]]
    units: float
    kappa_name: str
    codes: tuple[CodeAgreement, ...]
    pooled: CodeAgreement
    formulas: tuple[str, ...]


def agreement(
    project: Project,
    *,
    coders: Sequence[str],
    unit: str = "sentence",
    codes: Sequence[str] = (),
    documents: Sequence[str] = (),
) -> AgreementReport:
    """Percent agreement, kappa and alpha per code and pooled (see the module docstring)."""
    table = unit_table(project, coders=coders, unit=unit, codes=codes, documents=documents)
    return report_of(table)


def report_of(table: UnitTable) -> AgreementReport:
    """The statistics of a :class:`UnitTable`."""
    rows = tuple(_code_agreement(table, code) for code in table.codes)
    compared = tuple(d.name for d in table.documents if d.compared())
    counted = [r for r in rows if r.alpha.reason != NOT_USED]
    pooled = CodeAgreement(
        "(pooled)", f"{len(counted)} code(s) in use",
        {key: sum(r.counts[key] for r in counted) for key in _count_keys(table.coders)},
        agree.pooled_percent(r.percent for r in counted),
        agree.pooled(r.kappa for r in counted),
        agree.pooled(r.alpha for r in counted),
        agree.pooled(r.unitizing for r in counted if r.unitizing is not None)
        if table.unit == "character" else None,
    )
    units = max((r.percent.units for r in rows), default=0.0)
    return AgreementReport(table.unit, table.coders, compared, table.missing(), units,
                           kappa_name(len(table.coders)), rows, pooled,
                           formulas(table.unit, len(table.coders)))


NOT_USED = "no coder gave this code to any unit compared"
ON_EVERY_UNIT = "every coder gave this code to every unit compared"


def kappa_name(coders: int) -> str:
    return "Cohen's kappa" if coders == 2 else "Fleiss' kappa"


def _code_agreement(table: UnitTable, code: Code) -> CodeAgreement:
    ratings = table.ratings(code.id)
    kappa = agree.cohen_kappa(ratings) if len(table.coders) == 2 else agree.fleiss_kappa(ratings)
    unitizing = _unitizing(table, code.id) if table.unit == "character" else None
    estimates = [agree.percent_agreement(ratings), kappa, agree.krippendorff_alpha(ratings)]
    compared = {v for p, n in ratings.patterns.items() if n and sum(x is not None for x in p) >= 2
                for v in p if v is not None}
    if compared and True not in compared:
        estimates = [_explain(e, NOT_USED) for e in estimates]
        unitizing = _explain(unitizing, NOT_USED) if unitizing is not None else None
    elif compared and False not in compared:
        estimates = [_explain(e, ON_EVERY_UNIT) for e in estimates]
    percent, kappa, alpha = estimates
    return CodeAgreement(code.id, code.name, _counts(table.coders, ratings), percent, kappa, alpha,
                         unitizing)


def _explain(estimate: Estimate, reason: str) -> Estimate:
    if estimate.value is not None and estimate.expected is None:
        return estimate  # percent agreement stays defined
    return Estimate(None, estimate.units, estimate.observed, estimate.expected, reason)


def _count_keys(coders: tuple[str, ...]) -> list[str]:
    if len(coders) == 2:
        return ["both", f"only {coders[0]}", f"only {coders[1]}", "neither"]
    return ["all", "some", "none"]


def _counts(coders: tuple[str, ...], ratings: Ratings) -> dict[str, float]:
    """Units every coder coded, by how many coders gave them the code."""
    keys = _count_keys(coders)
    counts = dict.fromkeys(keys, 0.0)
    for pattern, n in ratings.complete().items():
        given = sum(bool(v) for v in pattern)
        if len(coders) == 2:
            key = keys[0] if given == 2 else keys[3] if given == 0 else keys[1 if pattern[0] else 2]
        else:
            key = "all" if given == len(coders) else "none" if given == 0 else "some"
        counts[key] += n
    return counts


def _unitizing(table: UnitTable, code: str) -> Estimate:
    """Unitizing alpha over the documents every coder coded, laid end to end."""
    offset = 0
    stretches: list[list[Span]] = [[] for _ in table.coders]
    for doc in table.documents:
        if not all(doc.present):
            continue
        for index in range(len(table.coders)):
            stretches[index].extend((offset + s, offset + e) for s, e in doc.spans.get((index, code), []))
        offset += len(doc.text)
    if offset == 0:
        return Estimate(None, reason="no document was coded by every coder")
    return agree.unitizing_alpha(offset, stretches)


def formulas(unit: str, coders: int) -> tuple[str, ...]:
    """How the unit and each statistic are defined, in words, for the report."""
    unit_text = {
        "sentence": "a stored sentence; a coder gives it a code when one of their codings overlaps it",
        "turn": "a speaker turn; a coder gives it a code when one of their codings overlaps it",
        "document": "a whole document; a coder gives it a code when they used the code anywhere in it",
        "character": "a character of the text; a coder gives it a code when one of their codings covers it",
    }[unit]
    kappa = ("Cohen's kappa = (p_o - p_e) / (1 - p_e); p_e sums, over yes and no, the product of "
             "the two coders' own shares" if coders == 2 else
             "Fleiss' kappa = (P - P_e) / (1 - P_e); P is the mean share of agreeing coder pairs "
             "per unit, P_e the sum of squared shares of yes and no over all ratings")
    lines = [
        f"unit: {unit_text}",
        ("missing: a coder with no coding in a document did not code it; its units are missing "
         "for that coder (alpha keeps the other coders' values; percent agreement and kappa use "
         "units every coder coded)"),
        "percent agreement = units on which every coder agrees / units every coder coded",
        kappa,
        ("Krippendorff's alpha (nominal) = 1 - D_o / D_e from the coincidence matrix of values "
         "paired within units; D_e uses n(n - 1) pairs"),
        ("pooled: 1 - sum of observed / sum of expected disagreement over the codes in use "
         "(for kappa: De Vries et al. 2008); percent agreement is the mean over codes"),
        (f"reading alpha (Krippendorff): >= {RELIABLE} reliable; {TENTATIVE} to {RELIABLE} "
         f"tentative conclusions only; < {TENTATIVE} do not rely on the code"),
    ]
    if unit == "character":
        lines.append("unitizing alpha (Krippendorff 2004): 1 - D_o / D_e over the documents every "
                     "coder coded, laid end to end; D_o from squared differences of the ends of "
                     "overlapping stretches, D_e from all possible placements of the stretches")
    return tuple(lines)

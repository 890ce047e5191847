"""Intercoder agreement statistics: pure functions, no I/O.

Reliability data are held as :class:`Ratings`: for each *pattern* (the values the
coders gave one unit, ``None`` where a coder is missing) the number of units, or the
total weight, that show it. Equal units are counted once, so a table of characters
costs no more than a table of sentences.

Every coefficient comes back as an :class:`Estimate`. A coefficient that the data
cannot define (one coder, no pairable unit, a single value everywhere) has
``value=None`` and a ``reason``; no function returns NaN or raises on such data.
Chance-corrected coefficients keep their observed and expected *disagreement*
(``1 - p_o`` and ``1 - p_e`` for the kappas, ``D_o`` and ``D_e`` for alpha), so that
:func:`pooled` can combine codes the way De Vries et al. (2008) pool kappa and
Krippendorff pools unitizing alphas: ``1 - sum(observed) / sum(expected)``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, combinations

Value = Hashable
Pattern = tuple[Value | None, ...]
Span = tuple[int, int]


@dataclass(frozen=True)
class Estimate:
    """A coefficient, or ``value=None`` and the reason it is undefined.

    ``units`` is the number (or weight) of units the value rests on; ``observed`` and
    ``expected`` are disagreements (see the module docstring), ``None`` where they do
    not apply.
    """

    value: float | None
    units: float = 0.0
    observed: float | None = None
    expected: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Ratings:
    """Reliability data: how many units show each pattern of values, one value per coder."""

    coders: int
    patterns: Mapping[Pattern, float]

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if len(pattern) != self.coders:
                msg = f"pattern {pattern!r} has {len(pattern)} values for {self.coders} coders"
                raise ValueError(msg)

    @classmethod
    def from_units(cls, units: Iterable[Sequence[Value | None]], *, coders: int | None = None) -> Ratings:
        """One row per unit, one value per coder (``None``: the coder did not rate it)."""
        counts: Counter[Pattern] = Counter(tuple(unit) for unit in units)
        width = coders if coders is not None else max((len(p) for p in counts), default=0)
        return cls(width, dict(counts))

    @classmethod
    def from_coders(cls, rows: Sequence[Sequence[Value | None]]) -> Ratings:
        """Krippendorff's layout: one row per coder, one column per unit."""
        return cls.from_units(zip(*rows, strict=True), coders=len(rows))

    @classmethod
    def from_table(cls, table: Sequence[Sequence[float]]) -> Ratings:
        """Two coders' contingency table: ``table[a][b]`` units got ``a`` from one, ``b`` from the other."""
        patterns: dict[Pattern, float] = {(a, b): float(n) for a, row in enumerate(table)
                                          for b, n in enumerate(row) if n}
        return cls(2, patterns)

    def complete(self) -> dict[Pattern, float]:
        """The patterns in which every coder gave a value."""
        return {p: n for p, n in self.patterns.items() if n and all(v is not None for v in p)}

    def values(self) -> set[Value]:
        return {v for p, n in self.patterns.items() if n for v in p if v is not None}


def _single_value(values: set[Value]) -> str:
    value = next(iter(values))
    return f"every rating is {value!r}, so chance agreement is total and the coefficient is undefined"


def percent_agreement(ratings: Ratings) -> Estimate:
    """Share of the units rated by every coder on which all coders gave the same value."""
    if ratings.coders < 2:
        return Estimate(None, reason="agreement needs at least two coders")
    complete = ratings.complete()
    total = sum(complete.values())
    if not total:
        return Estimate(None, reason="no unit was rated by every coder")
    agreed = sum(n for p, n in complete.items() if len(set(p)) == 1)
    return Estimate(agreed / total, total, observed=1 - agreed / total)


def cohen_kappa(ratings: Ratings) -> Estimate:
    """Cohen's kappa for two coders, over the units both rated.

    ``p_e`` multiplies each coder's own proportions of every value and sums them.
    """
    if ratings.coders != 2:
        return Estimate(None, reason=f"Cohen's kappa compares two coders, not {ratings.coders}")
    complete = ratings.complete()
    total = sum(complete.values())
    if not total:
        return Estimate(None, reason="no unit was rated by both coders")
    first: dict[Value, float] = defaultdict(float)
    second: dict[Value, float] = defaultdict(float)
    agreed = 0.0
    for (a, b), n in complete.items():
        first[a] += n
        second[b] += n
        agreed += n if a == b else 0.0
    p_o = agreed / total
    p_e = sum(first[v] * second.get(v, 0.0) for v in first) / (total * total)
    return _chance_corrected(1 - p_o, 1 - p_e, total, set(first) | set(second))


def fleiss_kappa(ratings: Ratings) -> Estimate:
    """Fleiss' kappa for two or more coders, over the units every coder rated.

    With two coders it equals Scott's pi.
    """
    if ratings.coders < 2:
        return Estimate(None, reason="Fleiss' kappa needs at least two coders")
    complete = ratings.complete()
    total = sum(complete.values())
    if not total:
        return Estimate(None, reason="no unit was rated by every coder")
    m = ratings.coders
    shares: dict[Value, float] = defaultdict(float)
    agreement = 0.0
    for pattern, n in complete.items():
        counts = Counter(pattern)
        agreement += n * (sum(c * c for c in counts.values()) - m) / (m * (m - 1))
        for value, count in counts.items():
            shares[value] += n * count
    p_bar = agreement / total
    p_e = sum((s / (total * m)) ** 2 for s in shares.values())
    return _chance_corrected(1 - p_bar, 1 - p_e, total, set(shares))


def krippendorff_alpha(ratings: Ratings) -> Estimate:
    """Krippendorff's alpha for nominal values; any number of coders, missing values allowed.

    Units with fewer than two values cannot be paired and are left out. ``units`` is the
    number of pairable units.
    """
    coincidence: dict[tuple[Value, Value], float] = defaultdict(float)
    pairable = 0.0
    for pattern, n in ratings.patterns.items():
        present = Counter(v for v in pattern if v is not None)
        m_u = sum(present.values())
        if m_u < 2 or not n:
            continue
        pairable += n
        for c, n_c in present.items():
            for k, n_k in present.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    coincidence[(c, k)] += n * pairs / (m_u - 1)
    if not pairable:
        reason = ("alpha needs at least two coders" if ratings.coders < 2
                  else "no unit was rated by two or more coders")
        return Estimate(None, reason=reason)
    margins: dict[Value, float] = defaultdict(float)
    for (c, _k), o in coincidence.items():
        margins[c] += o
    n = sum(margins.values())
    d_o = sum(o for (c, k), o in coincidence.items() if c != k) / n
    d_e = (n * n - sum(n_c * n_c for n_c in margins.values())) / (n * (n - 1))
    return _chance_corrected(d_o, d_e, pairable, set(margins))


def _chance_corrected(observed: float, expected: float, units: float, values: set[Value]) -> Estimate:
    if len(values) < 2 or expected <= 0:
        return Estimate(None, units, observed, expected, reason=_single_value(values))
    return Estimate(1 - observed / expected, units, observed, expected)


def pooled(estimates: Iterable[Estimate]) -> Estimate:
    """Combine coefficients of several codes: ``1 - sum(observed) / sum(expected)``.

    For kappas this is De Vries et al.'s pooled kappa (mean ``p_o`` and mean ``p_e``
    over codes); for alpha it is Krippendorff's way of summing disagreements over
    categories. Undefined estimates are left out; they add nothing to either sum.
    """
    usable = [e for e in estimates if e.value is not None and e.observed is not None
              and e.expected is not None]
    if not usable:
        return Estimate(None, reason="no code has a defined value")
    observed = sum(e.observed for e in usable if e.observed is not None)
    expected = sum(e.expected for e in usable if e.expected is not None)
    units = max(e.units for e in usable)
    return Estimate(1 - observed / expected, units, observed / len(usable), expected / len(usable))


def pooled_percent(estimates: Iterable[Estimate]) -> Estimate:
    """Mean percent agreement over codes whose value is defined."""
    values = [e for e in estimates if e.value is not None]
    if not values:
        return Estimate(None, reason="no code has a defined value")
    mean = sum(e.value for e in values if e.value is not None) / len(values)
    return Estimate(mean, max(e.units for e in values), observed=1 - mean)


# -- unitizing ----------------------------------------------------------------------------

Section = tuple[int, int, bool]  # start, end, marked


def _sections(spans: Sequence[Span], begin: int, end: int) -> list[Section]:
    """A coder's continuum cut into marked spans and the gaps between them."""
    sections: list[Section] = []
    position = begin
    for start, stop in spans:
        if start > position:
            sections.append((position, start, False))
        sections.append((start, stop, True))
        position = stop
    if position < end:
        sections.append((position, end, False))
    return sections


def _distance(first: Section, second: Section) -> int:
    """Squared distance of two overlapping sections (Krippendorff 2004)."""
    (b1, e1, marked1), (b2, e2, marked2) = first, second
    if marked1 and marked2:
        return (b1 - b2) ** 2 + (e1 - e2) ** 2
    if marked1 and not marked2 and b2 <= b1 and e1 <= e2:
        return (e1 - b1) ** 2
    if marked2 and not marked1 and b1 <= b2 and e2 <= e1:
        return (e2 - b2) ** 2
    return 0


def _pair_disagreement(first: list[Section], second: list[Section]) -> int:
    """Sum of distances over every pair of overlapping sections of two coders."""
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        total += _distance(first[i], second[j])
        end1, end2 = first[i][1], second[j][1]
        i += end1 <= end2
        j += end2 <= end1
    return total


def _check_spans(spans: Sequence[Span], begin: int, end: int) -> list[Span]:
    ordered = sorted(spans)
    position = begin
    for start, stop in ordered:
        if not (position <= start < stop <= end):
            msg = f"span {start}-{stop} overlaps another or lies outside {begin}-{end}"
            raise ValueError(msg)
        position = stop
    return ordered


def unitizing_alpha(length: int, coders: Sequence[Sequence[Span]], *, begin: int = 0) -> Estimate:
    """Krippendorff's (2004) unitizing alpha for one code on the continuum ``[begin, begin+length)``.

    ``coders`` holds, for each coder, the non-overlapping ``[start, end)`` stretches the
    coder marked with the code. ``units`` is the length of the continuum.
    """
    m = len(coders)
    if m < 2:
        return Estimate(None, float(length), reason="alpha needs at least two coders")
    if length <= 0:
        return Estimate(None, reason="the continuum is empty")
    end = begin + length
    spans = [_check_spans(c, begin, end) for c in coders]
    if not any(spans):
        return Estimate(None, float(length), reason="no coder marked any stretch with this code")
    sections = [_sections(s, begin, end) for s in spans]
    observed = sum(_pair_disagreement(a, b) for a, b in combinations(sections, 2))
    d_o = 2 * observed / (m * (m - 1) * length * length)
    d_e = _expected_unitizing(length, m, spans, sections)
    if d_e <= 0:
        return Estimate(None, float(length), d_o, d_e, reason="expected disagreement is zero")
    return Estimate(1 - d_o / d_e, float(length), d_o, d_e)


def _expected_unitizing(length: int, m: int, spans: list[list[Span]],
                        sections: list[list[Section]]) -> float:
    lengths = [stop - start for coder in spans for start, stop in coder]
    gaps = sorted(stop - start for coder in sections for start, stop, marked in coder if not marked)
    suffix = [*list(accumulate(reversed(gaps)))[::-1], 0]  # suffix[i] = sum(gaps[i:])
    count = len(lengths)
    numerator = 0
    for unit in lengths:
        first = bisect_left(gaps, unit)
        fitting = len(gaps) - first
        within = suffix[first] - (unit - 1) * fitting  # sum over gaps >= unit of (gap - unit + 1)
        numerator += (count - 1) * unit * (unit - 1) * (2 * unit - 1) // 3 + unit * unit * within
    denominator = m * length * (m * length - 1) - sum(u * (u - 1) for u in lengths)
    if denominator <= 0:
        return 0.0
    return 2 * numerator / (length * denominator)

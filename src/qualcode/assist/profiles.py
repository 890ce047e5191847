"""Code profiles: how much a unit resembles the units a coder coded with each code.

A profile is the mean of the TF-IDF vectors (content lemmas) of the units coded with a
code, and a unit's similarity to it is their cosine. It needs no training and works from
the first example, so for codes with only a handful of examples it is a steadier signal
than the classifier's weights; the combination learns how far to trust it.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from qualcode.assist.analysis import Analysis
from qualcode.nlp.lookup import expand

NEAR = "near:"  # label prefix of the similarities in the classifier's predictions
ASKED = "asked:"  # ... and of the similarities of the questions the units answer
KEEP = 300  # lemmas kept per profile: the strongest carry almost all of the cosine


def unit_lemmas(analysis: Analysis, index: int) -> Counter[str]:
    """How often each content lemma (no stop words or punctuation) occurs in a unit."""
    item = analysis.analysed[index]
    return Counter(lemma for lemma, stop, brk in zip(item.lemmas, item.stops, item.breaks,
                                                     strict=True)
                   if not stop and not brk and lemma.isalpha())


def build(analysis: Analysis, positives: Sequence[set[str]]) -> dict[str, Any]:
    """Profiles of the units and of the questions they answer."""
    asked = [Counter(analysis.question_lemmas(i)) for i in range(len(analysis.units))]
    return {"units": _build([unit_lemmas(analysis, i) for i in range(len(analysis.units))],
                            positives),
            "questions": _build(asked, positives)}


def _build(counts: Sequence[Counter[str]], positives: Sequence[set[str]]) -> dict[str, Any]:
    """The inverse document frequencies over the units and the profile of every code."""
    seen = Counter(lemma for found in counts for lemma in found)
    idf = {lemma: math.log((1 + len(counts)) / (1 + n)) + 1 for lemma, n in seen.items()}
    sums: dict[str, Counter[str]] = {}
    for found, codes in zip(counts, positives, strict=True):
        vector = _vector(found, idf)
        for code in codes:
            sums.setdefault(code, Counter()).update(vector)
    profiles = {}
    for code, total in sorted(sums.items()):
        norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
        profiles[code] = {lemma: round(v / norm, 5) for lemma, v in total.most_common(KEEP)}
    return {"idf": {k: round(v, 4) for k, v in sorted(idf.items())}, "codes": profiles}


def similarities(profiles: Mapping[str, Any], analysis: Analysis) -> list[dict[str, float]]:
    """For each unit, ``{NEAR + code: cosine}`` for every profiled code, and the same for
    its question (``ASKED + code``)."""
    scorer = Scorer(profiles)
    return [dict(zip(scorer.labels, row, strict=True))
            for row in scorer.score(*lemma_counts(analysis)).tolist()]


def lemma_counts(analysis: Analysis) -> tuple[list[Counter[str]], list[Counter[str]]]:
    """The content lemmas of every unit and of the question it answers, counted."""
    indexes = range(len(analysis.units))
    return ([unit_lemmas(analysis, i) for i in indexes],
            [Counter(analysis.question_lemmas(i)) for i in indexes])


class Scorer:
    """Stored profiles (of units and of questions) laid out to score many units at once."""

    def __init__(self, profiles: Mapping[str, Any]) -> None:
        self.units = _Kind(profiles["units"])
        self.questions = _Kind(profiles["questions"])
        self.labels = ([NEAR + code for code in self.units.codes] +  # the columns of score()
                       [ASKED + code for code in self.questions.codes])

    def score(self, units: Sequence[Counter[str]], questions: Sequence[Counter[str]]) -> Any:
        """The cosines of each unit and of its question with each profile, rounded to 5
        places (a float64 array: one row per unit, columns as ``labels``)."""
        import numpy as np

        return np.hstack((self.units.score(units), self.questions.score(questions)))


class _Kind:
    """The profiles of one kind as a dense array: one row per lemma of any profile, one
    column per code."""

    def __init__(self, profiles: Mapping[str, Any]) -> None:
        import numpy as np

        self.idf: Mapping[str, float] = profiles["idf"]
        self.default = max(self.idf.values(), default=1.0)  # a lemma never seen in training is rare
        codes: Mapping[str, Mapping[str, float]] = profiles["codes"]
        self.codes = list(codes)
        self.rows: dict[str, int] = {}
        for profile in codes.values():
            for lemma in profile:
                self.rows.setdefault(lemma, len(self.rows))
        self.weights = np.zeros((len(self.rows), len(codes)))
        for column, profile in enumerate(codes.values()):
            for lemma, value in profile.items():
                self.weights[self.rows[lemma], column] = value

    def score(self, counts: Sequence[Counter[str]]) -> Any:
        """Each unit's cosine with each profile, rounded; the same sum as a Python sum()
        over the unit's lemmas, one lemma at a time in the unit's order (a lemma in no
        profile adds 0.0 there, which changes nothing: the terms are never negative)."""
        import numpy as np

        terms = [[(self.rows[lemma], w) for lemma, w in _vector(unit, self.idf, self.default).items()
                  if lemma in self.rows] for unit in counts]
        sizes = np.array([len(found) for found in terms], dtype=np.int64)
        order = np.argsort(-sizes, kind="stable")  # most terms first: step k adds to a prefix
        sizes = sizes[order]
        flat = [pair for i in order.tolist() for pair in terms[i]]
        unit, place = expand(sizes)
        width = int(sizes[0]) if len(terms) else 0
        rows = np.zeros((len(terms), width), dtype=np.int64)
        weights = np.zeros((len(terms), width))
        rows[unit, place] = [row for row, _ in flat]
        weights[unit, place] = [w for _, w in flat]
        total = np.zeros((len(terms), len(self.codes)))
        for k in range(width):
            n = int(np.count_nonzero(sizes > k))
            total[:n] += weights[:n, k, None] * self.weights[rows[:n, k]]
        found = np.empty_like(total)
        found[order] = total
        return round5(found)


def round5(values: Any) -> Any:
    """Python's ``round(v, 5)`` of every value of a float64 array.

    Python rounds the exact value of ``v`` to K / 10**5, K the nearest integer to
    v * 10**5, and returns the double nearest to that; ``rint(v * 1e5) / 1e5`` gives the
    same double (the division is correctly rounded too) whenever the computed product,
    which is within ``|product| * 2**-53`` of the exact one, is not that close to a half:
    the few values that are (and any inf or nan) are rounded by Python.
    """
    import numpy as np

    scaled = values * 1e5
    rounded = np.rint(scaled) / 1e5
    with np.errstate(invalid="ignore"):  # inf - inf: nan, doubtful
        doubtful = np.flatnonzero(~(np.abs(scaled - np.floor(scaled) - 0.5)
                                    > np.abs(scaled) * 2.0**-40))
    rounded.flat[doubtful] = [round(v, 5) for v in values.flat[doubtful].tolist()]
    return rounded


def _vector(counts: Mapping[str, int], idf: Mapping[str, float],
            default: float = 1.0) -> dict[str, float]:
    raw = {lemma: (1 + math.log(n)) * idf.get(lemma, default) for lemma, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {lemma: v / norm for lemma, v in raw.items()}


def dumps(profiles: Mapping[str, Any]) -> bytes:
    """Profiles as stored with the classifier (JSON: plain data, safe to load)."""
    return json.dumps(profiles, sort_keys=True, separators=(",", ":")).encode()


def loads(data: bytes) -> dict[str, Any]:
    """Profiles stored by :func:`dumps`."""
    found: dict[str, Any] = json.loads(data.decode())
    return found

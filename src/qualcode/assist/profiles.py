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
    units = _similarities(profiles["units"], NEAR,
                          [unit_lemmas(analysis, i) for i in range(len(analysis.units))])
    asked = _similarities(profiles["questions"], ASKED,
                          [Counter(analysis.question_lemmas(i)) for i in range(len(analysis.units))])
    return [{**u, **q} for u, q in zip(units, asked, strict=True)]


def _similarities(profiles: Mapping[str, Any], prefix: str,
                  counts: Sequence[Counter[str]]) -> list[dict[str, float]]:
    idf: Mapping[str, float] = profiles["idf"]
    default = max(idf.values(), default=1.0)  # a lemma never seen in training is rare
    codes: Mapping[str, Mapping[str, float]] = profiles["codes"]
    found = []
    for unit in counts:
        vector = _vector(unit, idf, default)
        found.append({prefix + code: round(sum(w * profile.get(lemma, 0.0)
                                             for lemma, w in vector.items()), 5)
                      for code, profile in codes.items()})
    return found


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

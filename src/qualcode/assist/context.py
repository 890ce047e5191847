"""Features that place a (unit, code) pair in its context, for the combination.

- ``defined``: how many of the code's definition words the unit uses. The researcher's
  definitions are evidence for every code, including those with few coded examples.
- ``leading``: the pair's rank among the codes of the same category in the unit: an
  answer is usually about one or two codes of a category, not all it mentions.
- ``nearby``: the evidence for the code in the units just before and after: coders code a
  topic where it is discussed, which often spans several units.
- ``closest``: the rank of the code's profile similarity (see
  :mod:`qualcode.assist.profiles`) among the codes of its category in the unit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from qualcode import nlp
from qualcode.assist.analysis import Analysis
from qualcode.assist.profiles import NEAR
from qualcode.models import Code

Pairs = Mapping[tuple[int, str], float]

_DEFINED: dict[str, dict[str, dict[str, float]]] = {}


def definition_words(codes: Sequence[Code]) -> dict[str, dict[str, float]]:
    """Per code, the content lemmas of its name, definition and include text, each weighted
    by how few codes use it: ``log(1 + codes / codes using it)`` (cached by the texts)."""
    texts = [f"{c.name} {c.definition} {c.include}" for c in codes]
    key = "\x00".join(f"{c.id}\x01{text}" for c, text in zip(codes, texts, strict=True))
    if key not in _DEFINED:
        words = [content_lemmas(item) for item in nlp.analyse(texts, nlp.cue_matcher([]))]
        using = Counter(lemma for found in words for lemma in found)
        _DEFINED.clear()
        _DEFINED[key] = {c.id: {w: math.log(1 + len(codes) / using[w]) for w in sorted(found)}
                         for c, found in zip(codes, words, strict=True)}
    return _DEFINED[key]


def content_lemmas(item: nlp.Analysed) -> set[str]:
    """The lemmas of words that are not stop words, punctuation, numbers or very short."""
    return {lemma for lemma, stop, brk in zip(item.lemmas, item.stops, item.breaks, strict=True)
            if not stop and not brk and lemma.isalpha() and len(lemma) > 2}


def defined(words: set[str], weights: Mapping[str, float]) -> float:
    """The weighted share of a code's definition words that a unit uses."""
    total = sum(weights.values())
    return sum(w for lemma, w in weights.items() if lemma in words) / total if total else 0.0


def leading(either: Pairs, categories: Mapping[str, str]) -> dict[tuple[int, str], float]:
    """Per pair: 1 / its rank among the pairs of the same unit and category."""
    groups: dict[tuple[int, str], list[tuple[float, str]]] = {}
    for (i, code), value in either.items():
        groups.setdefault((i, categories[code]), []).append((value, code))
    found: dict[tuple[int, str], float] = {}
    for (i, _), members in groups.items():
        members.sort(key=lambda m: (-m[0], m[1]))
        for rank, (_, code) in enumerate(members, start=1):
            found[(i, code)] = 1 / rank
    return found


def nearby(analysis: Analysis, either: Pairs) -> dict[tuple[int, str], float]:
    """Per pair: the best evidence for the same code in the units just before and after it
    in the same document."""
    units = analysis.units
    found: dict[tuple[int, str], float] = {}
    for i, code in either:
        around = [either.get((j, code), 0.0) for j in (i - 1, i + 1)
                  if 0 <= j < len(units) and units[j].document == units[i].document]
        found[(i, code)] = max(around, default=0.0)
    return found


def closest(probs: Mapping[str, float], categories: Mapping[str, str], code: str) -> float:
    """1 / the rank of the code's profile similarity among the codes of its category (0
    when the unit shares nothing with the code's profile)."""
    mine = probs.get(NEAR + code, 0.0)
    if mine <= 0:
        return 0.0
    category = categories[code]
    above = sum(1 for other, c in categories.items()
                if c == category and probs.get(NEAR + other, 0.0) > mine)
    return 1 / (1 + above)

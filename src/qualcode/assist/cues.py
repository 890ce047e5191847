"""Suggestions from the codebook's cues and token patterns, scored by evidence strength.

Every unit is matched once against all cues (lower-case words and lemmas) and token
patterns (see :func:`qualcode.nlp.analyse`). For each code, the distinct, non-overlapping
hits in a unit are its evidence. Each piece of evidence weighs:

- by how specific it is: a multi-word cue or pattern weighs more than one word;
- by how rare it is: the inverse document frequency of the cue over all units of the
  corpus scales the weight from ``RARITY_FLOOR`` (a cue found in every unit) up to 1;
- less when it is negated ("we never had copyright problems", "compute was not really
  an issue") or hedged ("maybe", "I guess").

The score of a code in a unit is the noisy-or of its evidence weights, ``1 - prod(1 - w)``,
so several distinct cues score higher than one, and every score stays in [0, 1].
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qualcode import nlp

# weight of one piece of evidence by the number of words it matched (1, 2, 3 or more)
SPECIFICITY = (0.0, 0.35, 0.55, 0.7)
RARITY_FLOOR = 0.35
NEGATED = 0.3
HEDGED = 0.6
BACK_WINDOW = 4  # words before a cue that can negate or hedge it
FORWARD_WINDOW = 6  # words after a cue that can deny it ("... was not really an issue")

NEGATORS = frozenset({"not", "no", "never", "without", "hardly", "barely", "neither", "nor",
                      "none", "nothing", "scarcely"})
HEDGES = frozenset({"maybe", "perhaps", "possibly", "probably", "might", "guess", "suppose",
                    "somewhat", "arguably", "occasionally", "rarely", "seldom"})
PROBLEMS = frozenset({"issue", "problem", "concern", "worry", "barrier", "obstacle",
                      "bottleneck", "deal", "factor", "challenge", "question", "limitation",
                      "constraint", "blocker", "hurdle", "risk"})
CLAUSE_WORDS = frozenset({"but", "although", "though", "however", "whereas", "while",
                          "because", "so", "yet"})


@dataclass(frozen=True)
class Evidence:
    """One cue or pattern found in a unit for a code."""

    cue: str
    words: str
    start: int  # offsets into the document text
    end: int
    weight: float
    scope: str | None = None  # "negated by <word>" or "hedged by <word>"

    def describe(self) -> str:
        return describe(self.words, self.cue, self.weight, self.scope)


def describe(words: str, cue: str, weight: float, scope: str | None) -> str:
    """One piece of evidence as a rationale shows it: words, cue or pattern, weight, scope."""
    label = cue if cue.startswith("pattern ") else f"cue {cue}"
    scope = f", {scope}" if scope else ""
    return f'"{words}" ({label}, {weight:.2f}{scope})'


@dataclass(frozen=True)
class CueScore:
    """The score of one code in one unit and the evidence behind it."""

    score: float
    evidence: tuple[Evidence, ...]

    def rationale(self) -> str:
        return "; ".join(e.describe() for e in self.evidence)


def rarity(analysed: Sequence[nlp.Analysed] = (), *, counts: dict[str, int] | None = None,
           units: int = 0) -> dict[str, float]:
    """Per cue key, ``RARITY_FLOOR`` (in every unit) up to 1 (in one unit): scaled IDF.

    Over the ``analysed`` units, or, when the units are streamed rather than held, from
    ``counts`` (the number of units holding each cue key) out of ``units`` units.
    """
    if counts is None:
        counts = Counter()
        for item in analysed:
            counts.update({hit.key for hit in item.hits})
        units = len(analysed)
    scale = math.log(units + 1) or 1.0
    return {key: RARITY_FLOOR + (1 - RARITY_FLOOR) * math.log((units + 1) / (n + 1)) / scale
            for key, n in counts.items()}


def score_units(
    offsets: Sequence[int],
    analysed: Sequence[nlp.Analysed],
    *,
    rare: Mapping[str, float] | None = None,
) -> list[dict[str, CueScore]]:
    """For each analysed text, the score and evidence of every code with at least one hit.

    ``offsets`` are where the texts start in their documents (evidence offsets are
    document offsets); ``rare`` defaults to the rarity of the cues over these texts.
    """
    rare = rarity(analysed) if rare is None else rare
    scored: list[dict[str, CueScore]] = []
    for offset, item in zip(offsets, analysed, strict=True):
        pieces: dict[str, list[tuple[nlp.CueHit, Evidence]]] = {}
        for hit in item.hits:
            evidence = _evidence(offset, item, hit, rare.get(hit.key, 1.0))
            for code in hit.codes:
                pieces.setdefault(code, []).append((hit, evidence))
        scored.append({code: _combine(item, found) for code, found in pieces.items()})
    return scored


def _evidence(offset: int, item: nlp.Analysed, hit: nlp.CueHit, rare: float) -> Evidence:
    size = sum(1 for i in range(hit.start, hit.end) if not item.breaks[i])
    weight = SPECIFICITY[min(size, len(SPECIFICITY) - 1)] * rare
    scope = scope_of(item, hit.start, hit.end)
    if scope is not None:
        weight *= NEGATED if scope.startswith("negated") else HEDGED
    start, end = item.starts[hit.start], item.ends[hit.end - 1]
    return Evidence(hit.cue, item.text[start:end], offset + start, offset + end,
                    round(weight, 4), scope)


def _combine(item: nlp.Analysed, found: list[tuple[nlp.CueHit, Evidence]]) -> CueScore:
    """Noisy-or of the distinct pieces of evidence, strongest first.

    A hit adds nothing when it overlaps the words of a stronger one, or when its content
    words (lemmas) were all seen in stronger ones: "institute" after "research institute".
    """
    kept: list[Evidence] = []
    used: set[int] = set()
    seen: set[str] = set()
    for hit, evidence in sorted(found, key=lambda p: (-p[1].weight, p[0].start, p[0].key)):
        tokens = set(range(hit.start, hit.end))
        content = _content(item, hit)
        if tokens & used or content <= seen:
            continue
        kept.append(evidence)
        used |= tokens
        seen |= content
    miss = math.prod(1 - e.weight for e in kept)
    return CueScore(round(1 - miss, 4), tuple(kept))


def _content(item: nlp.Analysed, hit: nlp.CueHit) -> set[str]:
    span = range(hit.start, hit.end)
    words = {item.lemmas[i] for i in span if not item.stops[i] and not item.breaks[i]}
    return words or {item.lemmas[i] for i in span}


def scope_of(item: nlp.Analysed, start: int, end: int) -> str | None:
    """``"negated by X"`` or ``"hedged by X"`` when a negation or hedge governs the words
    ``[start, end)``, else ``None``. Negations inside the cue itself are part of the cue.
    """
    for i in range(start - 1, max(start - BACK_WINDOW, 0) - 1, -1):
        if item.breaks[i] or item.lemmas[i] in CLAUSE_WORDS:
            break
        if item.lemmas[i] in NEGATORS:
            return f"negated by {item.words[i]}"
        if item.lemmas[i] in HEDGES:
            return f"hedged by {item.words[i]}"
    negator: str | None = None
    for i in range(end, min(end + FORWARD_WINDOW, len(item.lemmas))):
        if item.breaks[i] or item.lemmas[i] in CLAUSE_WORDS:
            break
        if item.lemmas[i] in NEGATORS:
            negator = item.words[i]
        elif negator is not None and item.lemmas[i] in PROBLEMS:
            return f"negated by {negator}"
    return None

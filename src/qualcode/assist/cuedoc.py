"""One document's cue hits kept for scoring, as arrays (the streaming path of suggest).

Right after matching, :meth:`DocCues.of` keeps the units with hits and, per hit, what
does not depend on the corpus: its size in words, and whether a negation or a hedge
governs it (the rules of :func:`~qualcode.assist.cues.scope_of`, followed in Python only
for hits with a negator in reach after them). Scores come later, once the rarity of every
cue is known (:mod:`qualcode.assist.cuescore`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qualcode import nlp
from qualcode.assist.cues import (
    BACK_WINDOW,
    CLAUSE_WORDS,
    FORWARD_WINDOW,
    HEDGES,
    NEGATORS,
    PROBLEMS,
)
from qualcode.assist.units import Unit

# token classes, in the order the scope rules test them
_PLAIN, _STOP, _NEGATOR, _HEDGE = 0, 1, 2, 3
# columns of DocCues.hits
UNIT, KEY, START, END, SIZE, SCOPE, FROM, TO = range(8)


@dataclass(frozen=True, eq=False)
class DocCues:
    """The units of one document that hold a hit, and their hits as arrays.

    ``hits`` has one int64 row per hit: its unit (into ``units``), key (into ``keys``),
    tokens ``[start, end)`` (into the token columns, which hold only these units'
    tokens), size in words, scope (0, or 1 negated, 2 hedged, by ``scope_words[hit]``),
    and characters ``[from, to)`` in its unit's text.
    """

    units: list[Unit]
    keys: tuple[str, ...]  # sorted
    cues: tuple[str, ...]
    codes: tuple[tuple[str, ...], ...]
    hits: Any
    scope_words: dict[int, str]
    lemma: Any  # uint64 per token
    content: Any  # bool per token: neither a stop word nor a break
    counts: Counter[str]  # how many units (of all the document's) hold each key

    @classmethod
    def of(cls, units: Sequence[Unit], found: nlp.DocHits) -> DocCues:
        """The units among ``units`` with hits in ``found`` (their matched document)."""
        import numpy as np

        held, unit = np.unique(found.unit, return_inverse=True)
        keys, key = np.unique(found.key, return_inverse=True)
        lengths = found.last[held] - found.first[held]
        begins = np.concatenate(([0], np.cumsum(lengths)))
        take = np.repeat(found.first[held] - begins[:-1], lengths) + np.arange(begins[-1])
        shift = (begins[:-1] - found.first[held])[unit]
        start, end = found.start + shift, found.end + shift
        spans = np.array(found.spans, dtype=np.int64).reshape(-1, 2)[held, 0]
        owner = np.repeat(spans, lengths)
        breaks, lemma, lower = found.breaks[take], found.lemma[take], found.lower[take]
        size = np.concatenate(([0], np.cumsum(~breaks)))
        bounds = np.column_stack((begins[:-1], begins[1:]))[unit]
        scope, words = _scopes(*_classes(found, lemma, breaks), start, end, bounds)
        hits = np.column_stack((unit, key, start, end, size[end] - size[start], scope,
                                (found.starts[take] - owner)[start],
                                (found.ends[take] - owner)[np.maximum(end - 1, 0)]))
        table, names = found.table, keys.tolist()
        pairs = np.unique(unit * max(len(names), 1) + key) % max(len(names), 1)
        per_key = np.bincount(pairs, minlength=len(names)).tolist()
        return cls([units[i] for i in held.tolist()], tuple(table.keys[k] for k in names),
                   tuple(table.cues[k] for k in names), tuple(table.codes[k] for k in names),
                   hits, {h: found.string(lower[j]) for h, j in words.items()}, lemma,
                   ~(found.stops[take] | breaks),
                   Counter({table.keys[k]: n for k, n in zip(names, per_key, strict=True)}))

    @classmethod
    def empty(cls) -> DocCues:
        """No units, no hits."""
        import numpy as np

        return cls([], (), (), (), np.zeros((0, 8), dtype=np.int64), {},
                   np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool), Counter())

    def __len__(self) -> int:
        return len(self.units)

    @property
    def tokens(self) -> int:
        """Tokens held: what keeping this costs in memory."""
        return len(self.lemma)

    def __eq__(self, other: object) -> bool:
        import numpy as np

        if not isinstance(other, DocCues):
            return NotImplemented
        return (self.units, self.keys, self.scope_words, self.counts) == \
            (other.units, other.keys, other.scope_words, other.counts) and \
            np.array_equal(self.hits, other.hits) and np.array_equal(self.lemma, other.lemma)

    __hash__ = None  # type: ignore[assignment]


def _classes(found: nlp.DocHits, lemma: Any, breaks: Any) -> tuple[Any, Any]:
    """Each token's class for the scope rules (a clause end, a negator, a hedge, or
    plain), and whether its lemma names a problem ("issue")."""
    import numpy as np

    if not _LEMMAS:
        # a lemma in several lists takes the class scope_of tests first
        words = dict.fromkeys(HEDGES, _HEDGE) | dict.fromkeys(NEGATORS, _NEGATOR) | \
            dict.fromkeys(CLAUSE_WORDS, _STOP)
        codes = {w: words.get(w, _PLAIN) + (4 if w in PROBLEMS else 0)
                 for w in [*words, *PROBLEMS]}
        hashes = found.hashes(codes)
        order = np.argsort(hashes)
        _LEMMAS.extend((hashes[order], np.array(list(codes.values()))[order]))
    hashes, codes = _LEMMAS
    position = np.minimum(np.searchsorted(hashes, lemma), len(hashes) - 1)
    code = np.where(hashes[position] == lemma, codes[position], _PLAIN)
    return np.where(breaks, _STOP, code % 4), code >= 4


_LEMMAS: list[Any] = []  # hashes of the scope words (sorted) and their classes


def _scopes(classes: Any, problems: Any, start: Any, end: Any,
            bounds: Any) -> tuple[Any, dict[int, int]]:
    """Per hit, 0, 1 (negated) or 2 (hedged) as :func:`~qualcode.assist.cues.scope_of`
    finds it, and the token of the negating or hedging word of each hit in scope."""
    import numpy as np

    positions = np.arange(len(classes))
    marked = np.maximum.accumulate(np.where(classes != _PLAIN, positions, -1))
    before = marked[np.maximum(start - 1, 0)]
    back = (start > bounds[:, 0]) & (before >= np.maximum(start - BACK_WINDOW, bounds[:, 0]))
    back &= classes[before] >= _NEGATOR
    scope = np.where(back, classes[before] - 1, 0)
    words = dict(zip(np.flatnonzero(back).tolist(), before[back].tolist(), strict=True))
    negators = np.concatenate(([0], np.cumsum(classes == _NEGATOR)))
    reach = np.minimum(end + FORWARD_WINDOW, bounds[:, 1])
    forward = ~back & (negators[np.maximum(reach, end)] > negators[end])
    if forward.any():
        for h in np.flatnonzero(forward).tolist():
            j = _denied(classes, problems, int(end[h]), int(reach[h]))
            if j is not None:
                scope[h], words[h] = 1, j
    return scope, words


def _denied(classes: Any, problems: Any, start: int, stop: int) -> int | None:
    """The negator of "... was not really an issue" after a cue, as ``scope_of``."""
    negator: int | None = None
    for i in range(start, stop):
        if classes[i] == _STOP:
            break
        if classes[i] == _NEGATOR:
            negator = i
        elif negator is not None and problems[i]:
            return negator
    return None

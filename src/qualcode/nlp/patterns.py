"""Token patterns run only where they can match.

spaCy's ``Matcher`` tests every pattern at every token, and set predicates (``IN``) are
evaluated in Python, so its cost grows with the number of patterns. Here the *needed*
tokens of each pattern are those every match holds (not optional) whose possible values
are known (``LOWER``, ``ORTH``/``TEXT`` or ``LEMMA`` with a string or an ``IN`` list).
They are found with one vectorised look-up per attribute over the doc's arrays. The
rarest one is the pattern's *trigger*, and the pattern's own ``Matcher`` runs only on the
window around a trigger token that could hold a match, and only when every other needed
token occurs in that window: a match holds all of them, so no match is lost. A pattern
with no needed token of known values (rare) runs over the whole doc.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# attributes whose value sets can be looked up in the doc's arrays
_INDEXED = {"LOWER": "LOWER", "ORTH": "ORTH", "TEXT": "ORTH", "LEMMA": "LEMMA"}
_BOUNDED = re.compile(r"^\{(\d*),?(\d*)\}$")
_STOP_COST = 40  # a stop word is a poor trigger: it is everywhere
_REGEX_COST = 20  # a regular expression may find many words


@dataclass(frozen=True)
class Needed:
    """A token every match of a pattern holds: one of ``values`` of ``attr``, or a value
    ``regex`` finds (tested once per distinct value)."""

    attr: str
    values: frozenset[str]
    cost: int  # how common its values are likely to be
    regex: str | None = None


@dataclass(frozen=True)
class Plan:
    """Where pattern ``index`` can match: around a token of ``trigger`` (its rarest needed
    token) with every ``others`` token near it.

    ``before``/``after`` bound how many tokens a match spans on each side of the trigger
    token; ``None`` when the pattern has an unbounded operator (the window is the range).
    """

    index: int
    trigger: Needed
    others: tuple[Needed, ...]
    before: int | None
    after: int | None


def _widths(op: object) -> tuple[int, int | None]:
    """(least, most) tokens one pattern token consumes under operator ``op``."""
    if op is None or op in ("1", "!"):
        return (0 if op == "!" else 1), 1
    if op == "?":
        return 0, 1
    if op in ("*", "+"):
        return (1 if op == "+" else 0), None
    found = _BOUNDED.match(op) if isinstance(op, str) else None
    if found is None or not isinstance(op, str):
        return 0, None
    low, high = found.group(1), found.group(2)
    exact = "," not in op
    least = int(low) if low else 0
    return least, (least if exact else (int(high) if high else None))


def _values(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, Mapping) and "IN" in value:
        items = value["IN"]
        if isinstance(items, list) and items and all(isinstance(v, str) for v in items):
            return frozenset(items)
    return None


def _needed(token: Mapping[str, Any], stop_words: frozenset[str]) -> Needed | None:
    """The cheapest known value set of one token, if it has one."""
    best: Needed | None = None
    for key, value in token.items():
        attr, values = _INDEXED.get(str(key).upper()), _values(value)
        if attr is None:
            continue
        if values is not None:
            cost = sum(_STOP_COST if v.lower() in stop_words else 1 for v in values)
            found = Needed(attr, values, cost)
        elif isinstance(value, Mapping) and isinstance(value.get("REGEX"), str):
            found = Needed(attr, frozenset(), _REGEX_COST, value["REGEX"])
        else:
            continue
        if best is None or found.cost < best.cost:
            best = found
    return best


def plan(index: int, pattern: Sequence[Mapping[str, Any]], stop_words: frozenset[str]) -> Plan | None:
    """How to find pattern ``index``: ``None`` when no required token has known values."""
    spans = [_widths(token.get("OP")) for token in pattern]
    needed = [(position, _needed(token, stop_words)) for position, token in enumerate(pattern)
              if spans[position][0] >= 1]  # an optional or negated token may be absent
    known = [(position, n) for position, n in needed if n is not None]
    if not known:
        return None
    position, trigger = min(known, key=lambda item: item[1].cost)
    others = tuple(n for p, n in known if p != position)
    return Plan(index, trigger, others, _reach(spans[:position]), _reach(spans[position + 1:]))


def _reach(spans: Sequence[tuple[int, int | None]]) -> int | None:
    total = 0
    for _, most in spans:
        if most is None:
            return None
        total += most
    return total


_SPREAD = 1 << 32  # (needed token, position) packed as one integer: id * _SPREAD + position


class PatternIndex:
    """Token patterns, each in its own ``Matcher``, found through their needed tokens.

    Every needed token of every pattern has an id; per doc, the positions of all of them
    are found with one look-up per attribute and packed into one sorted array, so the
    check that a trigger's window holds the pattern's other needed tokens is a pair of
    binary searches for all triggers at once.
    """

    def __init__(self, vocab: Any) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        self.vocab = vocab
        self.keys: list[str] = []
        self.matchers: list[Any] = []
        self.plans: list[Plan | None] = []
        self._stops = frozenset(STOP_WORDS)
        self._needed: list[tuple[int, bool]] = []  # id -> (pattern, is its trigger)
        self._lookup: dict[str, dict[int, list[int]]] = {}  # attr -> value hash -> ids
        self._regexes: list[tuple[int, str, re.Pattern[str]]] = []
        self._tested: dict[str, set[int]] = {}  # attr -> values the regexes were tried on
        self._by_regex: dict[str, dict[int, list[int]]] = {}  # attr -> value hash -> ids
        self._arrays: dict[str, Any] | None = None
        self._everywhere: Any = None

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, pattern: Sequence[Mapping[str, Any]]) -> None:
        """Add one token pattern under ``key``."""
        from spacy.matcher import Matcher

        index = len(self.keys)
        tokens = [[dict(token) for token in pattern]]
        matcher = Matcher(self.vocab)
        matcher.add(key, tokens)
        self.keys.append(key)
        self.matchers.append(matcher)
        found = plan(index, pattern, self._stops)
        self.plans.append(found)
        self._arrays = None
        if found is None:
            if self._everywhere is None:
                self._everywhere = Matcher(self.vocab)
            self._everywhere.add(key, tokens)
            return
        for number, needed in enumerate((found.trigger, *found.others)):
            ident = len(self._needed)
            self._needed.append((index, number == 0))
            if needed.regex is not None:
                self._regexes.append((ident, needed.attr, re.compile(needed.regex)))
                continue
            by_value = self._lookup.setdefault(needed.attr, {})
            for value in needed.values:
                by_value.setdefault(self.vocab.strings.add(value), []).append(ident)

    def __call__(self, doc: Any, ranges: Sequence[tuple[int, int]]) -> set[tuple[int, int, int]]:
        """``(match id, start, end)`` of every match inside one of the token ``ranges``
        (sorted, not overlapping) of ``doc``; lemmas must be set when patterns use them."""
        found: set[tuple[int, int, int]] = set()
        if not len(doc) or not ranges:
            return found
        for index, spans in self._windows(doc, ranges).items():
            matcher = self.matchers[index]
            for left, right in spans:
                found.update((m, left + s, left + e) for m, s, e in matcher(doc[left:right]))
        if self._everywhere is not None:
            found.update(_inside(self._everywhere(doc), ranges))
        return found

    def _compiled(self) -> dict[str, Any]:
        """The look-up tables as arrays (made again after a pattern is added, and for an
        attribute when a regex finds a new value)."""
        import numpy as np

        if self._arrays is None:
            arrays: dict[str, Any] = dict.fromkeys(self._lookup)
            others = [[i for i, (p, first) in enumerate(self._needed) if p == index and not first]
                      for index in range(len(self.plans))]
            arrays["*"] = (
                np.array([p for p, _ in self._needed], dtype=np.int64),
                np.array([first for _, first in self._needed], dtype=bool),
                np.array([_bound(p, "before") for p in self.plans], dtype=np.int64),
                np.array([_bound(p, "after") for p in self.plans], dtype=np.int64),
                _offsets([len(o) for o in others]),
                np.array([i for o in others for i in o], dtype=np.int64))
            self._arrays = arrays
            self._tested, self._by_regex = {}, {}
        for attr in {a for _, a, _ in self._regexes} | set(self._lookup):
            if self._arrays.get(attr) is None:
                self._arrays[attr] = self._table(attr)
        return self._arrays

    def _table(self, attr: str) -> tuple[Any, Any, Any]:
        """Sorted value hashes of ``attr``, and the needed-token ids of each (offsets, ids):
        the known values and those a regex was found to match."""
        import numpy as np

        by_value = {value: list(ids) for value, ids in self._lookup.get(attr, {}).items()}
        for value, ids in self._by_regex.get(attr, {}).items():
            by_value.setdefault(value, []).extend(ids)
        keys = np.array(sorted(by_value), dtype=np.uint64)
        lists = [by_value[int(k)] for k in keys.tolist()]
        return (keys, _offsets([len(ids) for ids in lists]),
                np.array([i for ids in lists for i in ids], dtype=np.int64))

    def _occurrences(self, doc: Any) -> Any:
        """Every (needed token id, position) in ``doc``, packed and sorted."""
        import numpy as np

        compiled = self._compiled()
        columns = {attr: doc.to_array(attr) for attr in compiled if attr != "*"}
        if self._regexes:
            self._try_regexes(columns, doc.vocab.strings)
            compiled = self._compiled()
        packed = [np.zeros(0, dtype=np.int64)]
        for attr, column in columns.items():
            keys, offsets, ids = compiled[attr]
            if not len(keys):
                continue
            at = np.minimum(np.searchsorted(keys, column), len(keys) - 1)
            positions = np.flatnonzero(keys[at] == column)
            which = at[positions]
            counts = offsets[which + 1] - offsets[which]
            packed.append(ids[_spread(offsets[which], counts)] * _SPREAD
                          + np.repeat(positions, counts))
        return np.sort(np.concatenate(packed))

    def _try_regexes(self, columns: dict[str, Any], strings: Any) -> None:
        """Test the regexes on the values of ``columns`` not tried before; a value one
        finds joins the look-up table of its attribute."""
        import numpy as np

        for attr, column in columns.items():
            regexes = [(ident, regex) for ident, a, regex in self._regexes if a == attr]
            if not regexes:
                continue
            tested = self._tested.setdefault(attr, set())
            new = [v for v in np.unique(column).tolist() if v not in tested]
            tested.update(new)
            by_value = self._by_regex.setdefault(attr, {})
            for value in new:
                text = strings[value]
                ids = [ident for ident, regex in regexes if regex.search(text) is not None]
                if ids and self._arrays is not None:
                    by_value[value] = ids
                    self._arrays[attr] = None

    def _windows(self, doc: Any, ranges: Sequence[tuple[int, int]]) -> dict[int, list[tuple[int, int]]]:
        """Per pattern, the merged windows around its triggers that hold all it needs."""
        import numpy as np

        packed = self._occurrences(doc)
        pattern_of, is_trigger, before, after, offsets, others = self._compiled()["*"]
        ident, position = packed // _SPREAD, packed % _SPREAD
        chosen = is_trigger[ident]
        position, pattern = position[chosen], pattern_of[ident[chosen]]
        starts = np.array([r[0] for r in ranges], dtype=np.int64)
        ends = np.array([r[1] for r in ranges], dtype=np.int64)
        which = np.searchsorted(starts, position, side="right") - 1
        inside = (which >= 0) & (position < ends[np.maximum(which, 0)])
        position, pattern, which = position[inside], pattern[inside], which[inside]
        low, high = starts[which], ends[which]
        left = np.where(before[pattern] < 0, low, np.maximum(low, position - before[pattern]))
        right = np.where(after[pattern] < 0, high,
                         np.minimum(high, position + after[pattern] + 1))
        counts = offsets[pattern + 1] - offsets[pattern]
        rows = np.repeat(np.arange(len(position)), counts)
        needed = others[_spread(offsets[pattern], counts)] * _SPREAD
        present = (np.searchsorted(packed, needed + right[rows])
                   > np.searchsorted(packed, needed + left[rows]))
        kept = np.ones(len(position), dtype=bool)
        kept[rows[~present]] = False
        order = np.lexsort((left[kept], pattern[kept]))
        windows: dict[int, list[tuple[int, int]]] = {}
        for index, start, end in zip(pattern[kept][order].tolist(), left[kept][order].tolist(),
                                     right[kept][order].tolist(), strict=True):
            merged = windows.setdefault(index, [])
            if merged and start < merged[-1][1]:  # overlapping: look once
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return windows


def _bound(found: Plan | None, side: str) -> int:
    value = None if found is None else getattr(found, side)
    return -1 if value is None else int(value)


def _offsets(counts: Sequence[int]) -> Any:
    import numpy as np

    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64))).astype(np.int64)


def _spread(starts: Any, counts: Any) -> Any:
    """Indexes ``starts[i] .. starts[i] + counts[i] - 1`` for every ``i``, concatenated."""
    import numpy as np

    total = int(counts.sum())
    before = np.cumsum(counts) - counts
    return np.repeat(starts - before, counts) + np.arange(total, dtype=np.int64)


def _inside(matches: Sequence[tuple[int, int, int]],
            ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    starts = [r[0] for r in ranges]
    kept = []
    for match_id, start, end in matches:
        which = bisect_right(starts, start) - 1
        if which >= 0 and end <= ranges[which][1]:
            kept.append((match_id, start, end))
    return kept

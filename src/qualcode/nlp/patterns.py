"""Token patterns run only where they can match.

spaCy's ``Matcher`` tests every pattern at every token, and set predicates (``IN``) are
evaluated in Python, so its cost grows with the number of patterns. Here the *needed*
tokens of each pattern are those every match holds (not optional) whose possible values
are known (``LOWER``, ``ORTH``/``TEXT`` or ``LEMMA`` with a string or an ``IN`` list).
They are found with one vectorised look-up per attribute over the doc's arrays (see
:mod:`qualcode.nlp.lookup`). The rarest one is the pattern's *trigger*, and the pattern
can only match in the window around a trigger token that could hold a match, and only
when every other needed token occurs in that window: a match holds all of them, so no
match is lost. In each window, a plain pattern's token sequences are found with arrays
and any other pattern's own ``Matcher`` runs (see :mod:`qualcode.nlp.plain`). A pattern
with no needed token of known values (rare) runs over the whole doc.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from qualcode.nlp.lookup import INDEXED, LAST, Lists, Values
from qualcode.nlp.plain import Constraint, Plain, flag_checks, flagged, operator, variants, widths

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
        attr, values = INDEXED.get(str(key).upper()), _values(value)
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
    spans = [widths(operator(token)) for token in pattern]
    needed = [(position, _needed(token, stop_words)) for position, token in enumerate(pattern)
              if spans[position][0] >= 1]  # an optional or negated token may be absent
    known = [(position, n) for position, n in needed if n is not None]
    if not known:
        return None
    position, trigger = min(known, key=lambda item: item[1].cost)
    others = tuple(n for p, n in known if p != position)
    # a trigger that repeats ("+", "{2,3}") may have its other repeats on either side
    most = spans[position][1]
    more = (0, None if most is None else most - 1)
    return Plan(index, trigger, others, _reach([*spans[:position], more]),
                _reach([more, *spans[position + 1:]]))


def _reach(spans: Sequence[tuple[int, int | None]]) -> int | None:
    total = 0
    for _, most in spans:
        if most is None:
            return None
        total += most
    return total


_SPREAD = 1 << 32  # (needed token, position) packed as one integer: id * _SPREAD + position
_FAR = 1 << 40  # the reach of an unbounded side: beyond any range


@dataclass(frozen=True)
class _Compiled:
    """The look-up tables of a :class:`PatternIndex`, made once its patterns are known."""

    values: Values
    plain: Plain
    is_plain: Any  # pattern -> whether it is plain
    small: Any  # the smallest unsigned integer type that holds every needed token id
    reads: frozenset[int]  # the annotations some pattern reads
    before: Any  # pattern -> tokens a match may span before its trigger
    after: Any  # and after it
    others: Lists  # pattern -> its other needed tokens' ids


class PatternIndex:
    """Token patterns, each in its own ``Matcher``, found through their needed tokens.

    Every needed token of every pattern has an id; per doc, the positions of all of them
    are found with one hash-table look-up per attribute, those of triggers as (pattern,
    position) and the others packed into one sorted array, so the check that a trigger's
    window holds the pattern's other needed tokens is one binary search for all at once.
    Plain patterns (see :func:`variants`) are then matched in their windows with arrays,
    the others by their ``Matcher``.
    """

    def __init__(self, vocab: Any) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        self.vocab = vocab
        self.keys: list[str] = []
        self.matchers: list[Any] = []
        self.plans: list[Plan | None] = []
        self._stops = frozenset(STOP_WORDS)
        self._others: list[list[int]] = []  # pattern -> ids of its other needed tokens
        self._ids = 0  # other needed tokens so far
        # attr -> value -> (patterns it triggers, other needed tokens it is)
        self._lookup: dict[str, dict[str, tuple[list[int], list[int]]]] = {}
        self._regexes: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
        self._plain: dict[int, list[tuple[tuple[Constraint, ...], ...]]] = {}
        self._flags: list[tuple[tuple[tuple[int, bool], ...], ...]] = []  # pattern -> checks
        self._annotations: list[frozenset[int]] = []  # pattern -> annotations it reads
        self._compiled: _Compiled | None = None
        self._everywhere: Any = None

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def attrs(self) -> list[str]:
        """The attributes whose values are looked up in each doc."""
        return list(self._compile().values.attrs)

    def add(self, key: str, pattern: Sequence[Mapping[str, Any]]) -> None:
        """Add one token pattern under ``key``."""
        from spacy.attrs import DEP, LEMMA, MORPH, POS, TAG
        from spacy.matcher import Matcher

        index = len(self.keys)
        tokens = [[dict(token) for token in pattern]]
        matcher = Matcher(self.vocab)
        matcher.add(key, tokens)
        self.keys.append(key)
        self.matchers.append(matcher)
        self._flags.append(flag_checks(pattern))
        # what the Matcher checks the doc has before each call
        seen: set[int] = matcher._seen_attrs  # type: ignore[attr-defined]
        self._annotations.append(frozenset(seen) & {TAG, POS, MORPH, LEMMA, DEP})
        found = plan(index, pattern, self._stops)
        self.plans.append(found)
        self._others.append([])
        self._compiled = None
        if found is None:
            if self._everywhere is None:
                self._everywhere = Matcher(self.vocab)
            self._everywhere.add(key, tokens)
            return
        sequences = variants(pattern)
        if sequences is not None:
            self._plain[index] = sequences
        for number, needed in enumerate((found.trigger, *found.others)):
            ident = self._ids
            if number:
                self._others[index].append(ident)
                self._ids += 1
            if needed.regex is not None:
                self._regexes.setdefault(needed.attr, []).append(
                    (ident, -1 if number else index, re.compile(needed.regex)))
                continue
            by_value = self._lookup.setdefault(needed.attr, {})
            for value in needed.values:
                self.vocab.strings.add(value)
                found_as = by_value.setdefault(value, ([], []))
                found_as[1 if number else 0].append(ident if number else index)

    def __call__(self, doc: Any, ranges: Sequence[tuple[int, int]],
                 columns: Mapping[str, Any] | None = None) -> set[tuple[int, int, int]]:
        """``(match id, start, end)`` of every match inside one of the token ``ranges``
        (sorted, not overlapping) of ``doc``; lemmas must be set when patterns use them.
        ``columns`` may hold ``doc.to_array(attr)`` for some of :attr:`attrs`, by name
        (the caller's own arrays save making them again)."""
        found: set[tuple[int, int, int]] = set()
        if not len(doc) or not ranges:
            return found
        compiled = self._compile()
        # the Matcher checks the doc's annotations on every call: checked here once; a
        # pattern that reads one the doc lacks goes to its Matcher, which raises
        missing = {attr for attr in compiled.reads if not doc.has_annotation(attr)}
        plain = compiled.is_plain
        if missing:
            plain = plain & [not reads & missing for reads in self._annotations]
        (pattern, left, right), rows, held = self._windows(doc, ranges, columns or {})
        arrays = plain[pattern]
        if arrays.any():
            found.update(compiled.plain.matches(pattern[arrays], left[arrays], right[arrays],
                                                rows, held, len(doc)))
        self._run(doc, pattern[~arrays], left[~arrays], right[~arrays], missing, found)
        if self._everywhere is not None:
            found.update(_inside(self._everywhere(doc), ranges))
        return found

    def _run(self, doc: Any, pattern: Any, left: Any, right: Any, missing: set[int],
             found: set[tuple[int, int, int]]) -> None:
        """Add to ``found`` what each pattern's ``Matcher`` finds in its windows."""
        from spacy.tokens import Span

        matchers, flags, reads = self.matchers, self._flags, self._annotations
        for index, start, end in zip(pattern.tolist(), left.tolist(), right.tolist(),
                                     strict=True):
            if flags[index] and not flagged(doc, start, end, flags[index]):
                continue  # no token can stand for one every match holds: no match here
            matches = matchers[index](Span(doc, start, end),
                                      allow_missing=not reads[index] & missing)
            found.update((m, start + s, start + e) for m, s, e in matches)

    def _compile(self) -> _Compiled:
        """The look-up tables (made again after a pattern is added)."""
        if self._compiled is not None:
            return self._compiled
        import numpy as np

        lookup = {attr: dict(by_word) for attr, by_word in self._lookup.items()}
        for sequences in self._plain.values():  # the plain patterns' values need rows
            for attr, words, _ in {c for s in sequences for token in s for c in token}:
                for word in words:
                    lookup.setdefault(attr, {}).setdefault(word, ([], []))
        values = Values(lookup, self._regexes)
        is_plain = np.zeros(len(self.keys), dtype=bool)
        is_plain[list(self._plain)] = True
        self._compiled = _Compiled(
            values, Plain(self._plain, [self.vocab.strings.add(k) for k in self.keys], values),
            is_plain, np.min_scalar_type(self._ids),
            frozenset().union(*self._annotations),
            np.array([_bound(p, "before") for p in self.plans], dtype=np.int64),
            np.array([_bound(p, "after") for p in self.plans], dtype=np.int64),
            Lists(self._others))
        return self._compiled

    def _occurrences(self, doc: Any, columns: Mapping[str, Any]) -> tuple[Any, ...]:
        """The patterns triggered in ``doc`` and where; every (other needed token id,
        position) packed and sorted, then one past the largest; and the row of each
        value of each attribute in turn, and whether it is held."""
        import numpy as np

        values, strings = self._compile().values, doc.vocab.strings
        found = [values.rows(number, columns[a] if a in columns else doc.to_array(a), strings)
                 for number, a in enumerate(values.attrs)]
        rows = np.concatenate([np.zeros(0, dtype=np.int64), *(r for r, _ in found)])
        held = np.concatenate([np.zeros(0, dtype=bool), *(h for _, h in found)])
        at = np.flatnonzero(held & values.useful[rows])
        which, position = rows[at], at % max(len(doc), 1)
        pattern, owner = values.triggers.at(which)
        ids, other = values.others.at(which)
        # each id is one attribute's, found by position: a stable sort by id is enough,
        # and numpy sorts 16-bit integers by radix
        order = np.argsort(ids.astype(self._compile().small), kind="stable")
        packed = np.empty(len(order) + 1, dtype=np.int64)
        np.take(ids * _SPREAD + position[other], order, out=packed[:-1])
        packed[-1] = LAST
        return pattern, position[owner], packed, rows, held

    def _windows(self, doc: Any, ranges: Sequence[tuple[int, int]],
                 columns: Mapping[str, Any]) -> tuple[tuple[Any, Any, Any], Any, Any]:
        """The windows around triggers that hold all their pattern needs, those of one
        pattern merged where they overlap: (pattern, start, end) arrays, by pattern and
        start; then the rows of the doc's values and whether they are held."""
        import numpy as np

        pattern, position, packed, rows, held = self._occurrences(doc, columns)
        compiled = self._compile()
        # range 0 is (-1, -1): a position before every range falls in it, and outside it
        bounds = np.fromiter(chain((-1, -1), chain.from_iterable(ranges)), dtype=np.int64,
                             count=2 * len(ranges) + 2).reshape(-1, 2)
        which = np.searchsorted(bounds[:, 0], position, side="right") - 1
        inside = np.flatnonzero(position < bounds[which, 1])
        position, pattern, which = position[inside], pattern[inside], which[inside]
        left = np.maximum(bounds[which, 0], position - compiled.before[pattern])
        right = np.minimum(bounds[which, 1], position + compiled.after[pattern] + 1)
        needed, trigger = compiled.others.at(pattern)
        needed = needed * _SPREAD
        # the first occurrence of the needed token from the window's start is before its end
        absent = packed[np.searchsorted(packed, needed + left[trigger])] >= \
            needed + right[trigger]
        kept = np.ones(len(position), dtype=bool)
        kept[trigger[absent]] = False
        return _merged(pattern[kept], left[kept], right[kept]), rows, held


def _merged(pattern: Any, left: Any, right: Any) -> tuple[Any, Any, Any]:
    """Windows ``[left, right)`` of each pattern merged where they overlap, in order."""
    import numpy as np

    if not len(pattern):
        return pattern, left, right
    start, end = (pattern << 32) + left, (pattern << 32) + right  # patterns kept apart
    order = np.argsort(start)
    start, end = start[order], end[order]
    reach = np.maximum.accumulate(end)
    first = np.flatnonzero(np.concatenate(([True], start[1:] >= reach[:-1])))
    end = np.maximum.reduceat(end, first)
    pattern = start[first] >> 32
    return pattern, start[first] - (pattern << 32), end - (pattern << 32)


def _bound(found: Plan | None, side: str) -> int:
    value = None if found is None else getattr(found, side)
    return _FAR if value is None else int(value)


def _inside(matches: Sequence[tuple[int, int, int]],
            ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    starts = [r[0] for r in ranges]
    kept = []
    for match_id, start, end in matches:
        which = bisect_right(starts, start) - 1
        if which >= 0 and end <= ranges[which][1]:
            kept.append((match_id, start, end))
    return kept

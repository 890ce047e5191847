"""The cue hits of one doc as arrays, with no Python object per hit or per token.

:func:`doc_hits` reads the doc's token columns once (lower-case word and lemma hashes,
character offsets, break and stop flags), runs the matchers, and keeps the hits as
parallel arrays (unit, key, via, start, end): duplicates of one key on one span are
dropped (a word match is kept over a lemma match, a lemma match over a pattern), as are
hits across a sentence end, a line break or a unit boundary. Keys are numbered in the
sorted order of their strings (see :class:`KeyTable`), so comparing numbers compares keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.nlp.units import hard_flags, string_of, token_ranges

if TYPE_CHECKING:
    from qualcode.nlp.cues import CueMatcher

VIAS = ("lower", "lemma", "pattern")


@dataclass(frozen=True)
class KeyTable:
    """A matcher's keys (sorted), their match ids, the codes and the cue of each."""

    keys: tuple[str, ...]
    codes: tuple[tuple[str, ...], ...]
    cues: tuple[str, ...]
    cue_rank: Any  # int64 per key: where its cue sorts among all cues
    hashes: Any  # uint64, sorted: the match ids
    index: Any  # int64: the key of each of ``hashes``

    @classmethod
    def of(cls, matcher: CueMatcher) -> KeyTable:
        """The table of ``matcher``'s keys."""
        import numpy as np

        keys = tuple(sorted(matcher.codes))
        cues = tuple(matcher.cues[k] for k in keys)
        ids = np.array([matcher.strings[k] for k in keys], dtype=np.uint64)
        order = np.argsort(ids, kind="stable")
        distinct = sorted(set(cues))
        rank = {cue: i for i, cue in enumerate(distinct)}
        return cls(keys, tuple(matcher.codes[k] for k in keys), cues,
                   np.array([rank[c] for c in cues], dtype=np.int64), ids[order],
                   order.astype(np.int64))


@dataclass(frozen=True)
class DocHits:
    """Units of a doc, its tokens and its hits as arrays.

    Token columns cover the doc's tokens, then those of each unit that had to be
    tokenised alone (see :func:`doc_hits`); ``starts``/``ends`` are character offsets in
    ``text`` for all of them. A unit holds tokens ``[first[i], last[i])``; a hit holds
    tokens ``[start, end)`` of unit ``unit`` (positions in the token columns), sorted by
    unit, start, end and cue.
    """

    text: str
    spans: list[tuple[int, int]]
    first: Any
    last: Any
    lower: Any  # uint64 hashes
    lemma: Any  # uint64 hashes
    starts: Any
    ends: Any
    breaks: Any  # punctuation or a line break
    stops: Any
    unit: Any
    key: Any  # into ``table.keys``
    via: Any  # into ``VIAS``
    start: Any
    end: Any
    table: KeyTable
    strings: tuple[Any, ...]  # the StringStores the hashes come from
    alone: dict[int, Any]  # unit -> the doc it was tokenised alone in

    def string(self, value: int) -> str:
        """The string of one hash of the token columns."""
        return string_of(self.strings, int(value))

    def hashes(self, words: Iterable[str]) -> Any:
        """The hashes of ``words`` as the token columns hold them (uint64)."""
        import numpy as np

        strings = self.strings[0]
        return np.array([strings[w] for w in words], dtype=np.uint64)


def doc_hits(doc: Any, spans: Sequence[tuple[int, int]], matcher: CueMatcher, *,
             text: str | None = None) -> DocHits:
    """The hits in each unit of ``doc`` (``spans`` as for :func:`~qualcode.nlp.match_doc`),
    as arrays; a unit that does not begin and end at whitespace is tokenised alone and its
    tokens appended to the columns."""
    from qualcode.nlp.cues import tokenise

    text = doc.text if text is None else text
    found = in_doc(doc, spans, matcher, text)
    for index, ((start, end), tokens) in enumerate(zip(spans, found.ranges, strict=True)):
        if tokens is None:
            alone = next(tokenise([text[start:end]]))
            found = found.merge(index, alone, in_doc(alone, [(0, end - start)], matcher,
                                                     text[start:end]), start)
    return found.sorted(text, spans, matcher.table())


@dataclass(frozen=True)
class Found:
    """What :func:`in_doc` finds: token columns and hits (see :class:`DocHits`), and each
    unit's token range, ``None`` where the unit has to be tokenised alone."""

    columns: tuple[Any, ...]  # lower, lemma, starts, ends, breaks, stops
    rows: Any  # int64 hits: unit, key, via, start, end
    ranges: list[tuple[int, int] | None]
    strings: tuple[Any, ...]
    alone: dict[int, Any]  # unit -> its own doc

    def merge(self, index: int, doc: Any, alone: Found, offset: int) -> Found:
        """Unit ``index`` read from its own ``doc`` (found: ``alone``), which starts at
        character ``offset`` of this doc's text."""
        import numpy as np

        shift = len(self.columns[0])
        lower, lemma, starts, ends, breaks, stops = alone.columns
        columns = tuple(np.concatenate((mine, theirs)) for mine, theirs in zip(
            self.columns, (lower, lemma, starts + offset, ends + offset, breaks, stops),
            strict=True))
        moved = alone.rows.copy()
        moved[:, 0] = index
        moved[:, 3:] += shift
        ranges = list(self.ranges)
        first, last = alone.ranges[0] or (0, 0)
        ranges[index] = (first + shift, last + shift)
        strings = self.strings + tuple(s for s in alone.strings if s is not self.strings[0])
        return Found(columns, np.concatenate((self.rows, moved)), ranges, strings,
                     {**self.alone, index: doc})

    def sorted(self, text: str, spans: Sequence[tuple[int, int]], table: KeyTable) -> DocHits:
        """The :class:`DocHits` of these columns and hits, the hits sorted."""
        import numpy as np

        rows = self.rows
        rows = rows[np.lexsort((rows[:, 1], table.cue_rank[rows[:, 1]], rows[:, 4], rows[:, 3],
                                rows[:, 0]))]
        bounds = np.array([r or (0, 0) for r in self.ranges], dtype=np.int64).reshape(-1, 2)
        lower, lemma, starts, ends, breaks, stops = self.columns
        return DocHits(text, list(spans), bounds[:, 0], bounds[:, 1], lower, lemma, starts,
                       ends, breaks, stops, rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3],
                       rows[:, 4], table, self.strings, self.alone)


def in_doc(doc: Any, spans: Sequence[tuple[int, int]], matcher: CueMatcher, text: str) -> Found:
    """Columns and hits of the units of ``doc`` that can be read from it (see
    :func:`~qualcode.nlp.units.token_ranges`); hits are not sorted."""
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_STOP, LEMMA, LENGTH, LOWER, ORTH

    table = doc.to_array([ORTH, LOWER, LEMMA, IDX, LENGTH, IS_PUNCT, IS_STOP]).reshape(-1, 7)
    starts = table[:, 3].astype(np.int64)
    ends = starts + table[:, 4].astype(np.int64)
    hard, newline = hard_flags(doc, table[:, 0])
    columns = (table[:, 1].astype(np.uint64), table[:, 2].astype(np.uint64), starts, ends,
               table[:, 5].astype(bool) | newline, table[:, 6].astype(bool))
    ranges = token_ranges(doc, spans, text, (starts, ends))
    rows = _in_ranges(_matches(doc, matcher, ranges), ranges, hard)
    return Found(columns, rows, ranges, (doc.vocab.strings,), {})


def _matches(doc: Any, matcher: CueMatcher, ranges: Sequence[tuple[int, int] | None]) -> Any:
    """Rows (key, via, start, end) of every match, one per key and span (the first via)."""
    import numpy as np

    table = matcher.table()
    parts = []
    for via, found in enumerate(matcher.raw_matches(doc, [r for r in ranges if r is not None])):
        if len(found):
            part = np.array(found, dtype=np.uint64).reshape(-1, 3)
            position = np.searchsorted(table.hashes, part[:, 0])
            keys = table.index[np.minimum(position, len(table.hashes) - 1)]
            parts.append(np.column_stack((keys, np.full(len(part), via, dtype=np.int64),
                                          part[:, 1:].astype(np.int64))))
    if not parts:
        return np.zeros((0, 4), dtype=np.int64)
    rows = np.concatenate(parts)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 3], rows[:, 2], rows[:, 0]))]
    same = np.all(rows[1:, [0, 2, 3]] == rows[:-1, [0, 2, 3]], axis=1)
    return rows[np.concatenate(([True], ~same))]


def _in_ranges(rows: Any, ranges: Sequence[tuple[int, int] | None], hard: Any) -> Any:
    """Rows (unit, key, via, start, end) of the hits inside a unit's range that hold no
    sentence end or line break (``hard`` flags them per token)."""
    import numpy as np

    known = [i for i, r in enumerate(ranges) if r is not None]
    if not len(rows) or not known:
        return np.zeros((0, 5), dtype=np.int64)
    bounds = np.array([ranges[i] for i in known], dtype=np.int64).reshape(-1, 2)
    before = np.concatenate(([0], np.cumsum(hard, dtype=np.int64)))
    which = np.searchsorted(bounds[:, 0], rows[:, 2], side="right") - 1
    ok = (which >= 0) & (before[rows[:, 3]] == before[rows[:, 2]])
    ok &= rows[:, 3] <= bounds[np.maximum(which, 0), 1]
    units = np.array(known, dtype=np.int64)[which[ok]]
    return np.column_stack((units, rows[ok]))

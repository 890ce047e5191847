"""Per-doc look-ups of token values in tables made once, a whole array at a time.

A doc's values of an attribute (``doc.to_array(attr)``: 64-bit string hashes) are looked
up in a :class:`Slots` table with a few numpy operations for all tokens at once, where a
Python ``dict`` would take a step per token and ``numpy.searchsorted`` a binary search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# attributes whose value sets can be looked up in the doc's arrays
INDEXED = {"LOWER": "LOWER", "ORTH": "ORTH", "TEXT": "ORTH", "LEMMA": "LEMMA"}
LAST = (1 << 63) - 1  # after every row or packed value
_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing spreads any 64-bit value over the table


class Slots:
    """Where the values of one attribute sit among the rows of a :class:`Values`: each
    row in the slot its value hashes to, at most a sixteenth of them taken, and the few
    rows whose slot another took in a short sorted list."""

    def __init__(self) -> None:
        import numpy as np

        self._rows = np.zeros(0, dtype=np.int64)
        self._bits = 4
        self._slots = np.zeros(1 << self._bits, dtype=np.int32)  # slot -> row, 0 if empty
        self._moved = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))

    def _home(self, values: Any) -> Any:
        import numpy as np

        return ((values * np.uint64(_MIX)) >> np.uint64(64 - self._bits)).view(np.int64)

    def find(self, values: Any, keys: Any) -> tuple[Any, Any]:
        """The row of each of ``values`` (``keys`` holds each row's value), and whether
        it is held (where not, or where the row is 0, the value has no row)."""
        import numpy as np

        rows = self._slots[self._home(values)].astype(np.int64)
        held = keys[rows] == values  # an empty slot gives row 0
        moved, moved_rows = self._moved
        if len(moved):
            todo = np.flatnonzero(~held & (rows > 0))  # its slot taken: maybe moved
            at = np.minimum(np.searchsorted(moved, values[todo]), len(moved) - 1)
            same = moved[at] == values[todo]
            rows[todo[same]] = moved_rows[at[same]]
            held[todo[same]] = True
        return rows, held

    def add(self, rows: Any, keys: Any) -> None:
        """Hold ``rows`` (their values distinct and not held yet)."""
        import numpy as np

        self._rows = np.concatenate((self._rows, rows))
        moved, moved_rows = self._moved
        if 16 * len(self._rows) > len(self._slots):
            while 16 * len(self._rows) > 1 << self._bits:
                self._bits += 1
            self._slots, rows = np.zeros(1 << self._bits, dtype=np.int32), self._rows
            moved, moved_rows = moved[:0], moved_rows[:0]
        slot = self._home(keys[rows])
        free = np.flatnonzero(self._slots[slot] == 0)
        slots, first = np.unique(slot[free], return_index=True)  # one row per slot
        self._slots[slots] = rows[free[first]]
        left = np.ones(len(rows), dtype=bool)
        left[free[first]] = False
        moved = np.concatenate((moved, keys[rows[left]]))
        order = np.argsort(moved)
        self._moved = moved[order], np.concatenate((moved_rows, rows[left]))[order]


class Lists:
    """A list of integers per row, kept as one array and offsets."""

    def __init__(self, lists: Sequence[Sequence[int]] = ()) -> None:
        import numpy as np

        self.offsets = np.zeros(1, dtype=np.int64)
        self.items = np.zeros(0, dtype=np.int64)
        self.extend(lists)

    def extend(self, lists: Sequence[Sequence[int]]) -> None:
        import numpy as np

        counts = np.array([len(items) for items in lists], dtype=np.int64)
        self.offsets = np.concatenate((self.offsets, self.offsets[-1] + np.cumsum(counts)))
        self.items = np.concatenate((self.items, np.array([i for items in lists for i in items],
                                                          dtype=np.int64)))

    def at(self, rows: Any) -> tuple[Any, Any]:
        """The items of each of ``rows``, each with the index of its row in ``rows``."""
        starts = self.offsets[rows]
        owner, rank = expand(self.offsets[rows + 1] - starts)
        return self.items[starts[owner] + rank], owner


class Values:
    """The values that needed tokens hold, one row each (row 0 is none): per row its
    value, the patterns it triggers and the other needed tokens it is (their ids).

    ``by_word`` gives them per attribute (``attrs``), each with its :class:`Slots` and
    regexes (id, pattern it triggers or -1 for another needed token, regex): for an
    attribute with regexes, every value met in a doc takes a row once, with what they
    find in it.
    """

    def __init__(self, by_word: Mapping[str, Mapping[str, tuple[list[int], list[int]]]],
                 regexes: Mapping[str, Sequence[tuple[int, int, re.Pattern[str]]]]) -> None:
        import numpy as np
        from spacy.strings import get_string_id

        self.attrs = sorted(set(by_word) | set(regexes))
        self.slots = [Slots() for _ in self.attrs]
        self.regexes = [regexes.get(attr, ()) for attr in self.attrs]
        self.keys = np.zeros(1, dtype=np.uint64)
        self.triggers, self.others = Lists([[]]), Lists([[]])
        self.useful = np.zeros(1, dtype=bool)  # row -> whether it stands for anything
        for number, attr in enumerate(self.attrs):
            known = by_word.get(attr, {})
            self._add(number, [get_string_id(w) for w in known], list(known), known.values())

    def _add(self, number: int, values: Sequence[int], texts: Sequence[str],
             known: Iterable[tuple[list[int], list[int]]] = ()) -> None:
        """New rows for ``values`` of attribute ``number`` (``texts`` as strings), and what
        they are known to be."""
        import numpy as np

        found = [(list(t), list(o)) for t, o in known] or [([], []) for _ in values]
        for text, (triggers, others) in zip(texts, found, strict=True):
            for ident, pattern, regex in self.regexes[number]:
                if regex.search(text) is None:
                    continue
                if pattern >= 0:
                    triggers.append(pattern)
                else:
                    others.append(ident)
        rows = np.arange(len(self.keys), len(self.keys) + len(values))
        self.keys = np.concatenate((self.keys, np.array(values, dtype=np.uint64)))
        self.slots[number].add(rows, self.keys)
        self.triggers.extend([t for t, _ in found])
        self.others.extend([o for _, o in found])
        self.useful = np.concatenate((self.useful, np.array([bool(t or o) for t, o in found],
                                                            dtype=bool)))

    def rows(self, number: int, column: Any, strings: Any) -> tuple[Any, Any]:
        """The row of each value of ``column`` (a doc's array of attribute ``number``) and
        whether it is held (see :meth:`Slots.find`)."""
        import numpy as np

        row, held = self.slots[number].find(column, self.keys)
        if self.regexes[number]:
            unseen = np.flatnonzero(~held | (row == 0))
            if len(unseen):
                new, inverse = np.unique(column[unseen], return_inverse=True)
                row[unseen] = len(self.keys) + inverse
                self._add(number, new.tolist(), [strings[v] for v in new.tolist()])
            held[:] = True
        return row, held


def expand(counts: Any) -> tuple[Any, Any]:
    """For ``counts[i]`` items of each ``i``: each item's ``i`` and its rank among them."""
    import numpy as np

    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - (np.cumsum(counts) - counts)[owner]

"""Phrases found in a doc's column of token hashes, with numpy only.

A phrase is a sequence of token hashes (a cue's lower-case words, or its lemmas) with one
or more match ids. Each of its prefixes gets a key, folded from its hashes (``key = key *
M + hash`` in wrapping uint64 arithmetic; one word's key is its hash), and the keys of
each length ``k`` go into a hash table (:class:`Slots`) saying whether a phrase of ``k``
words has that key and whether a longer phrase begins with it. A doc is then walked like
a trie, every start at once: the windows of one word whose key is a known prefix grow by
one word, and so on, so each step looks up only the windows still alive. A window whose
key is a phrase's is compared with the phrase itself, so a key shared by chance adds no
match. This finds what spaCy's ``PhraseMatcher`` finds on the same attribute: every
window whose hashes equal a phrase, overlapping ones included, whitespace tokens included
(no phrase holds one, so no match runs across one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# odd multipliers for folding hashes into keys; the next is tried if two different
# phrases of one length get the same key (so each key stands for one phrase)
_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                0xD6E8FEB86659FD93)


class Slots:
    """Distinct uint64 keys mapped to int64 values (>= 0), in an open-addressing table
    four times their number, looked up many at once. The keys must be well mixed in their
    low bits (token hashes and keys folded from them are)."""

    def __init__(self, keys: Any, values: Any) -> None:
        import numpy as np

        size = 16
        while size < 4 * len(keys):
            size *= 2
        self.mask = size - 1
        self.keys = np.zeros(size, dtype=np.uint64)
        self.values = np.full(size, -1, dtype=np.int64)
        home = (keys & np.uint64(self.mask)).astype(np.int64)
        pending, shift, self.probes = np.arange(len(keys)), np.zeros(len(keys), np.int64), 0
        while len(pending):
            slot = (home[pending] + shift[pending]) & self.mask
            free = self.values[slot] < 0
            _, first = np.unique(slot[free], return_index=True)
            placed = pending[free][first]
            self.keys[slot[free][first]] = keys[placed]
            self.values[slot[free][first]] = values[placed]
            self.probes = max(self.probes, int(shift[pending].max()))
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            shift[pending] += 1

    def get(self, queries: Any) -> Any:
        """The value of each of ``queries``, -1 for a key not in the table."""
        import numpy as np

        slot = (queries & np.uint64(self.mask)).astype(np.int64)
        values = self.values[slot]
        hit = self.keys[slot] == queries  # an empty slot's value is -1 whatever its key
        found = np.where(hit, values, -1)
        pending = np.flatnonzero(~hit & (values >= 0))
        slot = slot[pending]
        for _ in range(self.probes):
            if not len(pending):
                break
            slot = (slot + 1) & self.mask
            values = self.values[slot]
            hit = self.keys[slot] == queries[pending]
            found[pending[hit]] = values[hit]
            going = ~hit & (values >= 0)
            pending, slot = pending[going], slot[going]
        return found


@dataclass(frozen=True)
class Level:
    """The prefixes of ``n`` words: ``slots`` maps a key to an entry; entry ``e`` is the
    distinct phrase ``phrase[e]`` of ``n`` words (-1 if none), with match ids
    ``ids[first[p]:first[p + 1]]`` for phrase ``p = phrase[e]``, and ``more[e]`` says
    whether a longer phrase begins with it."""

    n: int
    slots: Slots
    phrase: Any  # int64 per entry
    more: Any  # bool per entry
    phrases: Any  # uint64 (distinct phrases, n)
    first: Any  # int64 (distinct phrases + 1)
    ids: Any  # uint64

    def matched(self, hashes: Any, starts: Any, entries: Any) -> tuple[Any, Any]:
        """``(match ids, starts)`` of the windows of ``n`` words at ``starts`` whose key
        found ``entries`` and whose hashes equal the phrase's."""
        import numpy as np

        phrase = self.phrase[entries]
        starts, phrase = starts[phrase >= 0], phrase[phrase >= 0]
        same = np.all(hashes[starts[:, None] + np.arange(self.n)] == self.phrases[phrase],
                      axis=1)
        starts, phrase = starts[same], phrase[same]
        counts = self.first[phrase + 1] - self.first[phrase]
        if np.all(counts == 1):
            return self.ids[self.first[phrase]], starts
        taken = np.repeat(self.first[phrase] - np.cumsum(counts) + counts, counts)
        taken += np.arange(len(taken))
        return self.ids[taken], np.repeat(starts, counts)


def fold(windows: Any, multiplier: int) -> Any:
    """The key of each row of ``windows`` (uint64, one row of ``n`` hashes per window)."""
    import numpy as np

    key = windows[:, 0].copy()
    factor = np.uint64(multiplier)
    for column in range(1, windows.shape[1]):
        key *= factor  # wraps: arrays do not check overflow
        key += windows[:, column]
    return key


class PhraseIndex:
    """Phrases of token hashes and their match ids (see the module's docstring)."""

    def __init__(self, ids: Any, hashes: Any, bounds: Any) -> None:
        """Phrase ``i`` is ``hashes[bounds[i, 0]:bounds[i, 1]]`` with match id ``ids[i]``
        (uint64 arrays; ``bounds`` int64 ``(len(ids), 2)``). Empty phrases are left out."""
        import numpy as np

        ids = np.asarray(ids, dtype=np.uint64)
        hashes = np.asarray(hashes, dtype=np.uint64)
        bounds = np.asarray(bounds, dtype=np.int64).reshape(-1, 2)
        lengths = bounds[:, 1] - bounds[:, 0]
        self.size = int(np.count_nonzero(lengths))
        longest = int(lengths.max()) if len(lengths) else 0
        rows = hashes[np.minimum(bounds[:, :1] + np.arange(longest), len(hashes) - 1)] \
            if self.size else np.zeros((0, 0), dtype=np.uint64)
        for multiplier in _MULTIPLIERS:
            levels = _levels(rows, lengths, ids, multiplier)
            if levels is not None:
                self.multiplier, self.levels = np.uint64(multiplier), levels
                return
        raise RuntimeError("phrase keys collide under every multiplier")  # pragma: no cover

    def __len__(self) -> int:
        """How many phrases (with their ids) the index holds."""
        return self.size

    def __call__(self, hashes: Any) -> Any:
        """Every match in ``hashes`` (a doc's uint64 column) as uint64 rows ``(match id,
        start, end)``, sorted by start, end and id."""
        import numpy as np

        hashes = np.asarray(hashes, dtype=np.uint64)
        starts, keys = np.arange(len(hashes)), hashes
        parts = []
        for level in self.levels:
            entries = level.slots.get(keys)
            alive = entries >= 0
            starts, keys, entries = starts[alive], keys[alive], entries[alive]
            ids, found = level.matched(hashes, starts, entries)
            if len(ids):
                parts.append(np.column_stack((ids, found.astype(np.uint64),
                                              (found + level.n).astype(np.uint64))))
            grow = level.more[entries] & (starts + level.n < len(hashes))
            starts, keys = starts[grow], keys[grow] * self.multiplier
            if not len(starts):
                break
            keys += hashes[starts + level.n]
        if not parts:
            return np.zeros((0, 3), dtype=np.uint64)
        rows = np.concatenate(parts)
        return rows[np.lexsort((rows[:, 0], rows[:, 2], rows[:, 1]))]


def _levels(rows: Any, lengths: Any, ids: Any, multiplier: int) -> list[Level] | None:
    """The :class:`Level` of each prefix length of the phrases (``rows``, padded to the
    longest), or ``None`` if two different phrases of one length share a key."""
    import numpy as np

    levels = []
    for n in range(1, rows.shape[1] + 1):
        long = lengths >= n
        keys = fold(rows[long, :n], multiplier)
        ends = lengths[long] == n
        distinct, entry = np.unique(keys, return_inverse=True)
        more = np.zeros(len(distinct), dtype=bool)
        more[entry[~ends]] = True
        order = np.argsort(entry[ends], kind="stable")
        complete, held = entry[ends][order], rows[long][ends][order, :n]
        new = np.concatenate(([True], complete[1:] != complete[:-1]))[:len(complete)]
        heads, group = np.flatnonzero(new), np.cumsum(new) - 1
        if not np.array_equal(held, held[heads[group]]):
            return None
        phrase = np.full(len(distinct), -1, dtype=np.int64)
        phrase[complete[heads]] = np.arange(len(heads))
        levels.append(Level(n, Slots(distinct, np.arange(len(distinct))), phrase, more,
                            held[heads], np.append(heads, len(complete)).astype(np.int64),
                            ids[long][ends][order]))
    return levels

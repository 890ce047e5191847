"""Units inside a doc: their token ranges, break flags, and their analysed form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.nlp.cues import Analysed, UnitHits
    from qualcode.nlp.hits import DocHits

_SENTENCE_ENDS = frozenset(".!?;")
_STRINGS: dict[int, str] = {}  # hash -> string, so units share one str per distinct word


def _hard_break(text: str) -> bool:
    return "\n" in text or (bool(text) and set(text) <= _SENTENCE_ENDS)


def token_ranges(doc: Any, spans: Sequence[tuple[int, int]], text: str | None = None,
                 bounds: tuple[Any, Any] | None = None) -> list[tuple[int, int] | None]:
    """The ``[start, end)`` token range of each character span of ``doc``, or ``None`` when
    the span does not begin and end at whitespace (or the text's ends), where the doc's
    tokens could differ from those of the span tokenised alone. ``text`` is ``doc.text``
    and ``bounds`` the tokens' start and end offsets (arrays) when the caller has them."""
    import numpy as np

    text = doc.text if text is None else text
    if bounds is None:
        from spacy.attrs import IDX, LENGTH

        table = doc.to_array([IDX, LENGTH]).reshape(-1, 2).astype(np.int64)
        bounds = (table[:, 0], table[:, 0] + table[:, 1])
    starts, ends = bounds
    wanted = np.array(spans, dtype=np.int64).reshape(-1, 2)
    first = np.searchsorted(starts, wanted[:, 0]).tolist()
    stop = np.searchsorted(starts, wanted[:, 1]).tolist()
    found: list[tuple[int, int] | None] = []
    for (start, end), a, b in zip(spans, first, stop, strict=True):
        edges = ((start == 0 or text[start - 1].isspace())
                 and (end == len(text) or text[end].isspace()))
        if start == end:
            found.append((a, a) if edges else None)
        elif edges and a < b and starts[a] == start and ends[b - 1] <= end:
            found.append((a, b))
        else:
            found.append(None)
    return found


def hard_flags(doc: Any, orths: Any) -> tuple[Any, Any]:
    """Per token of ``doc`` (``orths``: its ORTH column): a sentence end or a line break
    (where no hit may run across), and a line break (which counts as punctuation)."""
    import numpy as np

    orths = np.asarray(orths, dtype=np.uint64)
    if not _HARD_TABLE:
        _HARD_TABLE.extend((np.zeros(0, dtype=np.uint64), np.zeros((0, 2), dtype=bool)))
    keys, flags = _HARD_TABLE
    at = np.minimum(np.searchsorted(keys, orths), max(len(keys) - 1, 0))
    if len(orths) and (not len(keys) or not np.array_equal(keys[at], orths)):
        keys, flags = _learn(doc.vocab.strings, orths, at)
        at = np.searchsorted(keys, orths)
    table = flags[at] if len(orths) else np.zeros((0, 2), dtype=bool)
    return table[:, 0], table[:, 1]


def _learn(strings: Any, orths: Any, at: Any) -> tuple[Any, Any]:
    """Add the words of ``orths`` not seen before (``at``: where they would be) to the
    table of flags, and return it."""
    import numpy as np

    keys, flags = _HARD_TABLE
    new = np.unique(orths[keys[at] != orths] if len(keys) else orths)
    found = []
    for o in new.tolist():
        text = strings[o]
        found.append((_hard_break(text), "\n" in text))
    keys = np.concatenate((keys, new))
    order = np.argsort(keys, kind="stable")
    flags = np.concatenate((flags, np.array(found, dtype=bool).reshape(-1, 2)))[order]
    _HARD_TABLE[:] = [keys[order], flags]
    return _HARD_TABLE[0], _HARD_TABLE[1]


_HARD_TABLE: list[Any] = []  # word hashes seen (sorted), their flags (sentence end or line break, line break)


def string_of(stores: Sequence[Any], value: int) -> str:
    """The string of hash ``value``, from the first of ``stores`` (StringStores) that
    holds it; one str per distinct string, shared by every unit."""
    found = _STRINGS.get(value)
    if found is None:
        for strings in stores:
            if value in strings:
                found = _STRINGS[value] = strings[value]
                break
        else:
            found = stores[0][value]  # raises: no store knows it
    return found


class Columns:
    """The per-token values of one doc an :class:`Analysed` needs, as Python lists, made
    once (on first use) from its hash columns and sliced for each unit."""

    def __init__(self, found: DocHits) -> None:
        self.found = found
        self._lists: tuple[list[str], list[str], Any, Any, list[bool], list[bool]] | None = None

    def lists(self) -> tuple[list[str], list[str], Any, Any, list[bool], list[bool]]:
        """Words, lemmas, starts, ends (arrays), breaks and stop words of every token."""
        if self._lists is None:
            self._lists = _columns(self.found)
        return self._lists


def _columns(found: DocHits) -> tuple[list[str], list[str], Any, Any, list[bool], list[bool]]:
    import numpy as np

    distinct, inverse = np.unique(np.concatenate((found.lower, found.lemma)),
                                  return_inverse=True)
    texts = np.array([string_of(found.strings, h) for h in distinct.tolist()],
                     dtype=object)[inverse.reshape(-1)]
    size = len(found.lower)
    return (texts[:size].tolist(), texts[size:].tolist(), found.starts, found.ends,
            found.breaks.tolist(), found.stops.tolist())


def analysed(unit: UnitHits) -> Analysed:
    """The unit as :class:`~qualcode.nlp.cues.Analysed`: words, lemmas and offsets in it."""
    from qualcode.nlp.cues import Analysed

    words, lemmas, starts, ends, breaks, stops = unit.columns.lists()
    first, last, offset = unit.start, unit.end, unit.chars[0]
    return Analysed(
        text=unit.text,
        words=tuple(words[first:last]),
        lemmas=tuple(lemmas[first:last]),
        starts=tuple((starts[first:last] - offset).tolist()),
        ends=tuple((ends[first:last] - offset).tolist()),
        breaks=tuple(breaks[first:last]),
        stops=tuple(stops[first:last]),
        hits=tuple(unit.hits),
    )

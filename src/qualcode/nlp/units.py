"""Units inside a doc: their token ranges, hits cut to them, and their analysed form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.nlp.cues import Analysed, UnitHits

_SENTENCE_ENDS = frozenset(".!?;")
_HARD: dict[int, bool] = {}  # word hash -> a sentence end or a line break
_STRINGS: dict[int, str] = {}  # hash -> string, so units share one str per distinct word


def _hard_break(text: str) -> bool:
    return "\n" in text or (bool(text) and set(text) <= _SENTENCE_ENDS)


def token_ranges(doc: Any, spans: Sequence[tuple[int, int]],
                 text: str | None = None) -> list[tuple[int, int] | None]:
    """The ``[start, end)`` token range of each character span of ``doc``, or ``None`` when
    the span does not begin and end at whitespace (or the text's ends), where the doc's
    tokens could differ from those of the span tokenised alone. ``text`` is ``doc.text``
    when the caller has it already."""
    import numpy as np
    from spacy.attrs import IDX, LENGTH

    text = doc.text if text is None else text
    table = doc.to_array([IDX, LENGTH]).reshape(-1, 2).astype(np.int64)
    starts, ends = table[:, 0], table[:, 0] + table[:, 1]
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


def drop_breaks(doc: Any, found: Sequence[tuple[str, str, int, int]],
                ranges: Sequence[tuple[int, int]]) -> list[tuple[str, str, int, int]]:
    """``found`` without the hits that hold a sentence end or a line break."""
    import numpy as np
    from spacy.attrs import ORTH

    if not found:
        return []
    strings = doc.vocab.strings
    distinct, inverse = np.unique(doc.to_array(ORTH), return_inverse=True)
    flags = [_HARD.get(o) for o in distinct.tolist()]
    for i, o in enumerate(distinct.tolist()):
        if flags[i] is None:
            flags[i] = _HARD[o] = _hard_break(strings[o])
    hard = np.asarray(flags, dtype=np.int64)[inverse.reshape(-1)]
    before = np.concatenate(([0], np.cumsum(hard))).tolist()
    return [item for item in found if before[item[3]] == before[item[2]]]


def _string(strings: Any, value: int) -> str:
    found = _STRINGS.get(value)
    if found is None:
        found = _STRINGS[value] = strings[value]
    return found


class Columns:
    """The per-token values of one doc an :class:`Analysed` needs, as Python lists, made
    once (on first use) and sliced for each unit."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._lists: tuple[list[str], list[str], Any, Any, list[bool], list[bool]] | None = None

    def lists(self) -> tuple[list[str], list[str], Any, Any, list[bool], list[bool]]:
        """Words, lemmas, starts, ends (arrays), breaks and stop words of every token."""
        if self._lists is None:
            self._lists = _columns(self.doc)
        return self._lists


def _columns(doc: Any) -> tuple[list[str], list[str], Any, Any, list[bool], list[bool]]:
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_STOP, LEMMA, LENGTH, LOWER, ORTH

    table = doc.to_array([ORTH, LOWER, LEMMA, IDX, LENGTH, IS_PUNCT, IS_STOP]).reshape(-1, 7)
    distinct, inverse = np.unique(table[:, :3], return_inverse=True)
    inverse = inverse.reshape(-1, 3)
    strings = doc.vocab.strings
    texts = np.array([_string(strings, h) for h in distinct.tolist()] + [""], dtype=object)
    newline = np.array(["\n" in t for t in texts.tolist()], dtype=bool)[inverse[:, 0]]
    starts = table[:, 3].astype(np.int64)
    return (texts[inverse[:, 1]].tolist(), texts[inverse[:, 2]].tolist(), starts,
            starts + table[:, 4].astype(np.int64),
            (table[:, 5].astype(bool) | newline).tolist(), table[:, 6].astype(bool).tolist())


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

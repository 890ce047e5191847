"""Text positions of other programs, turned into qualcode offsets.

REFI-QDA counts a selection ``[start, end)`` in Unicode code points of the source's
plain text, but programs differ (see shared/refi-qda/NOTES.md, section 4): NVivo counts
UTF-16 units and a CRLF line break as two; ATLAS.ti counts a CRLF as one. An
:class:`OffsetModel` names one way of counting. :class:`TextPositions` turns a
position in that model into an offset in the text as qualcode stores it (BOM and NUL
removed, ``\\n`` line ends, NFC, no trailing white space), or ``None`` when the position
falls inside a character (a surrogate pair, a CRLF, a composed letter).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from qualcode.ingest.normalise import CONTROLS, normalise_text


@dataclass(frozen=True)
class OffsetModel:
    """How a program counts: ``utf16`` units or code points; a CRLF as 1 or 2 positions."""

    utf16: bool
    crlf: int

    @property
    def label(self) -> str:
        unit = "UTF-16 units" if self.utf16 else "code points"
        return f"{unit}, CRLF = {self.crlf}"


CODE_POINTS = OffsetModel(False, 2)
_WINDOW = 32  # characters either side of a cut that NFC might combine across
MODELS = (CODE_POINTS, OffsetModel(True, 2), OffsetModel(False, 1), OffsetModel(True, 1))


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 units each (emoji and the like)


def utf16_positions(text: str) -> Callable[[int], int]:
    """The UTF-16 position (as NVivo counts) of each code point offset into ``text``:
    every character beyond the Basic Multilingual Plane before it counts twice."""
    astral = [found.start() for found in _ASTRAL.finditer(text)]
    if not astral:
        return int
    return lambda offset: offset + bisect_left(astral, offset)


def preferred_model(origin: str) -> OffsetModel:
    """The model a program is known to use, from the file's ``origin``."""
    name = origin.casefold()
    if "nvivo" in name:
        return OffsetModel(True, 2)
    if "atlas" in name:
        return OffsetModel(False, 1)
    return CODE_POINTS


class TextPositions:
    """Positions of one model over one raw text, mapped to the normalised text."""

    def __init__(self, raw: str, model: OffsetModel) -> None:
        self.raw = raw
        self.model = model
        self.text = normalise_text(raw)
        # code points whose width in the model is not one: (index, width)
        special = []
        for index, char in enumerate(raw):
            if model.utf16 and ord(char) > 0xFFFF:
                special.append((index, 2))
            elif model.crlf == 1 and char == "\r" and raw[index + 1 : index + 2] == "\n":
                special.append((index, 0))
        self._index = [index for index, _ in special]
        self._width = [width for _, width in special]
        shift, starts, shifts = 0, [], []
        for index, width in special:
            starts.append(index + shift)
            shift += width - 1
            shifts.append(shift)
        self._starts, self._shifts = starts, shifts
        self.length = len(raw) + shift
        self._removed = _removed(raw)
        self._normal = _Normaliser(raw, self._removed, self.text)

    def raw_index(self, position: int) -> int | None:
        """The code point index in the raw text of a model position (``None`` if inside one)."""
        if not 0 <= position <= self.length:
            return None
        k = bisect_left(self._starts, position) - 1  # last special that starts before
        if k >= 0 and self._width[k] == 2 and position == self._starts[k] + 1:
            return None
        index = position - (self._shifts[k] if k >= 0 else 0)
        if 0 < index < len(self.raw) and self.raw[index - 1] == "\r" and self.raw[index] == "\n":
            return None
        return index

    def offsets(self, positions: Iterable[int]) -> dict[int, int | None]:
        """Normalised offsets of many model positions at once."""
        raw = {p: self.raw_index(p) for p in set(positions)}
        mapped = self._normal.map(sorted({i for i in raw.values() if i is not None}))
        return {p: (mapped.get(i) if i is not None else None) for p, i in raw.items()}


def _removed(raw: str) -> list[int]:
    """Indices of the characters normalisation drops: NULs, leading BOMs, CR of CRLF."""
    removed = []
    lead = True
    for index, char in enumerate(raw):
        if char == "\x00":
            removed.append(index)
        elif lead and char == "\ufeff":
            removed.append(index)
            continue
        elif char == "\r" and raw[index + 1 : index + 2] == "\n":
            removed.append(index)
        lead = False if char != "\x00" else lead
    return removed


class _Normaliser:
    """Raw code point indices to offsets in ``normalise_text(raw)``."""

    def __init__(self, raw: str, removed: Sequence[int], text: str) -> None:
        gone = set(removed)
        kept = "".join(ch for i, ch in enumerate(raw) if i not in gone)
        self.mid = kept.replace("\r", "\n").translate(CONTROLS)
        self.removed = removed
        self.text = text
        self.composed = not unicodedata.is_normalized("NFC", self.mid)
        # only a NUL inside a CRLF makes this differ; then nothing can be placed safely
        self.broken = _nfc(self.mid).rstrip() != text

    def map(self, indices: Sequence[int]) -> dict[int, int | None]:
        if self.broken:
            return dict.fromkeys(indices)
        mids = {i: i - bisect_left(self.removed, i) for i in indices}
        offsets = self._nfc(sorted(set(mids.values()))) if self.composed else {}
        result: dict[int, int | None] = {}
        for index, mid in mids.items():
            offset = offsets.get(mid) if self.composed else mid
            result[index] = min(offset, len(self.text)) if offset is not None else None
        return result

    def _nfc(self, cuts: list[int]) -> dict[int, int | None]:
        """Offsets after NFC; a cut inside a composed character maps to ``None``."""
        offsets: dict[int, int | None] = {}
        done, previous = 0, 0
        for cut in cuts:
            left, right = self.mid[max(0, cut - _WINDOW) : cut], self.mid[cut : cut + _WINDOW]
            if _nfc(left + right) != _nfc(left) + _nfc(right):
                offsets[cut] = None
                continue
            done += len(_nfc(self.mid[previous:cut]))
            previous = cut
            offsets[cut] = done
        return offsets


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def check_positions(positions: TextPositions, spans: Sequence[tuple[int, int]],
                    previews: Sequence[str]) -> tuple[int, int]:
    """How badly a model fits: (boundaries it cannot place, previews it does not match).

    ATLAS.ti names a selection after its text (shortened with an ellipsis); a name that
    matches the text under a model is evidence for it.
    """
    bad = misses = 0
    for (start, end), preview in zip(spans, previews, strict=True):
        first, last = positions.raw_index(start), positions.raw_index(end)
        if first is None or last is None or first >= last:
            bad += 1
            continue
        wanted = " ".join(preview.rstrip("…").split())
        if wanted and not " ".join(positions.raw[first:last].split()).startswith(wanted):
            misses += 1
    return bad, misses


def choose_model(raw: str, origin: str, spans: Sequence[tuple[int, int]],
                 previews: Sequence[str]) -> TextPositions:
    """The program's known model, unless another model fits the selections better."""
    preferred = preferred_model(origin)
    best = TextPositions(raw, preferred)
    score = check_positions(best, spans, previews)
    for model in MODELS:
        if model == preferred or score == (0, 0):
            continue
        other = TextPositions(raw, model)
        other_score = check_positions(other, spans, previews)
        if other_score < score:
            best, score = other, other_score
    return best

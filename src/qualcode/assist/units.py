"""Units of text that suggestions are made for: stored sentences or whole turns.

A unit is a sentence segment or a speaker turn (trimmed of surrounding white space) of
one document. Interviewer turns and turns of other speakers are left out unless asked
for: questions mention every topic, and answers are what gets coded.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection

from qualcode.errors import UserError
from qualcode.ingest.transcript import strip_span
from qualcode.models import Coding, Turn
from qualcode.store import documents as store_documents
from qualcode.store.documents import StoredDocument

UNITS = ("sentence", "turn")
T = TypeVar("T")


@dataclass(frozen=True)
class Unit:
    """One sentence or turn: ``text == document text[start:end]``.

    ``question`` is the last interviewer turn before the unit's turn (empty if none): the
    question a participant answers says a lot about what the answer is about.
    """

    document: str
    start: int
    end: int
    turn: int
    speaker: str
    role: str
    text: str
    question: str = ""


def check_unit(unit: str) -> None:
    if unit not in UNITS:
        msg = f"unknown unit {unit!r}; use one of {', '.join(UNITS)}"
        raise UserError(msg)


def load_units(
    conn: Connection,
    *,
    unit: str = "sentence",
    documents: Iterable[str] | None = None,
    include_interviewer: bool = False,
) -> list[Unit]:
    """The units of the project (or of ``documents``), in document and text order."""
    check_unit(unit)
    wanted = set(documents) if documents is not None else None
    docs = [doc for doc in store_documents.all_documents(conn)
            if wanted is None or doc.name in wanted]
    return [u for found in batch_units(conn, docs, unit=unit,
                                       include_interviewer=include_interviewer) for u in found]


def document_units(conn: Connection, doc: StoredDocument, *, unit: str = "sentence",
                   include_interviewer: bool = False) -> list[Unit]:
    """The units of one stored document, in text order."""
    return batch_units(conn, [doc], unit=unit, include_interviewer=include_interviewer)[0]


def batch_units(conn: Connection, docs: Sequence[StoredDocument], *, unit: str = "sentence",
                include_interviewer: bool = False) -> list[list[Unit]]:
    """:func:`document_units` of each of ``docs``, read with two queries in all."""
    parts = store_documents.documents_parts(conn, [doc.id for doc in docs],
                                            None if unit == "turn" else "sentence")
    return [units_of(doc, *parts[doc.id], unit=unit, include_interviewer=include_interviewer)
            for doc in docs]


def with_units(conn: Connection, items: Iterable[tuple[StoredDocument, T]], *,
               unit: str = "sentence", include_interviewer: bool = False
               ) -> Iterator[tuple[StoredDocument, T, list[Unit]]]:
    """Each ``(document, extra)`` of ``items`` with the document's units, read for
    :data:`BATCH` documents at a time as the items are consumed."""
    batch: list[tuple[StoredDocument, T]] = []
    for item in itertools.chain(items, [None]):
        if item is not None:
            batch.append(item)
        if batch and (item is None or len(batch) == BATCH):
            found = batch_units(conn, [doc for doc, _ in batch], unit=unit,
                                include_interviewer=include_interviewer)
            for (doc, extra), units in zip(batch, found, strict=True):
                yield doc, extra, units
            batch = []


BATCH = 64  # documents whose units are read with one query


def units_of(doc: StoredDocument, turns: Sequence[Turn], segments: Sequence[tuple[int, int, int]],
             *, unit: str, include_interviewer: bool) -> list[Unit]:
    """The units of ``doc`` given its turns and its sentences as ``(turn, start, end)``."""
    asked = _questions(doc.text, turns)
    if unit == "turn":
        spans: Sequence[tuple[int, int, int]] = [(i, t.start, t.end) for i, t in enumerate(turns)]
    else:
        spans = segments
    units: list[Unit] = []
    text, name = doc.text, doc.name
    for index, start, end in spans:
        turn = turns[index]
        if turn.role != "participant" and not include_interviewer:
            continue
        span = strip_span(text, start, end)
        if span is None:
            continue
        units.append(Unit(name, span[0], span[1], index, turn.speaker, turn.role,
                          text[span[0] : span[1]], asked[index]))
    return units


def _questions(text: str, turns: Sequence[Turn]) -> list[str]:
    """For each turn, the text of the last interviewer turn before it."""
    found: list[str] = []
    last = ""
    for turn in turns:
        found.append(last)
        if turn.role == "interviewer":
            last = text[turn.start : turn.end].strip()
    return found


def coded_units(units: Sequence[Unit], codings: Iterable[Coding]) -> list[set[str]]:
    """For each unit, the codes of the codings that overlap it."""
    by_document: dict[str, list[int]] = {}
    for index, item in enumerate(units):
        by_document.setdefault(item.document, []).append(index)
    ends = {name: [units[i].end for i in indexes] for name, indexes in by_document.items()}
    found: list[set[str]] = [set() for _ in units]
    for coding in codings:
        indexes = by_document.get(coding.document, [])
        # units are in text order and do not overlap, so their ends are sorted
        position = bisect_left(ends.get(coding.document, []), coding.start + 1)
        while position < len(indexes) and units[indexes[position]].start < coding.end:
            found[indexes[position]].add(coding.code)
            position += 1
    return found

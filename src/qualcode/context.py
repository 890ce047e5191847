"""A coding's passage in its document: speaker, case, the sentences around it, evidence.

Used to show a suggestion to a reviewer (in the terminal or in a review sheet). The
evidence is read from the suggestion's rationale: quoted phrases (``cue "open data"``) or
a ``cues: a, b`` list; :func:`evidence_marks` finds them, inflected forms included, in the
passage.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from qualcode.errors import CodingError
from qualcode.models import Code, Coding, Segment, Turn
from qualcode.store import documents as store_documents

_QUOTED = re.compile(r"(?<!\w)[\"“'‘«]([^\"“”'‘’«»\n]{2,80}?)[\"”'’»](?!\w)")
_LISTED = re.compile(r"\b(?:cues?|patterns?|matched|evidence)\s*[:=]\s*([^.;()\n]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    """A sentence next to a passage, and who said it."""

    speaker: str
    text: str


@dataclass(frozen=True)
class ReviewItem:
    """A coding (usually a pending suggestion) with what a reviewer needs to judge it.

    ``marks`` are ``[start, end)`` offsets into the quote where the evidence named in the
    rationale occurs.
    """

    coding: Coding
    code: Code
    case: str | None
    speaker: str
    role: str
    before: Context | None
    after: Context | None
    evidence: tuple[str, ...]
    marks: tuple[tuple[int, int], ...]
    text_sha256: str


@dataclass(frozen=True)
class DocumentParts:
    """A stored document with its turns and sentences, for placing context."""

    doc: store_documents.StoredDocument
    turns: tuple[Turn, ...]
    sentences: tuple[Segment, ...]

    def turn_at(self, offset: int) -> int | None:
        pos = bisect_right([t.start for t in self.turns], offset) - 1
        if pos >= 0 and self.turns[pos].start <= offset < self.turns[pos].end:
            return pos
        return None

    def context(self, start: int, end: int) -> tuple[Context | None, Context | None]:
        """The sentence that ends before ``start`` and the one that begins after ``end``."""
        before = bisect_right([s.end for s in self.sentences], start) - 1
        after = bisect_left([s.start for s in self.sentences], end)
        return (self._sentence(before) if before >= 0 else None,
                self._sentence(after) if after < len(self.sentences) else None)

    def _sentence(self, index: int) -> Context:
        seg = self.sentences[index]
        speaker = self.turns[seg.turn].speaker if seg.turn < len(self.turns) else ""
        return Context(speaker, self.doc.text[seg.start : seg.end])


def document_parts(conn: Connection, name: str) -> DocumentParts:
    """Text, turns and sentences of document ``name``."""
    doc = store_documents.find_document(conn, name)
    if doc is None:
        msg = f"document {name!r} is no longer in the project"
        raise CodingError(msg)
    turns = tuple(store_documents.document_turns(conn, doc.id))
    sentences = tuple(store_documents.document_segments(conn, doc.id, kind="sentence"))
    return DocumentParts(doc, turns, sentences)


def evidence_terms(rationale: str | None) -> tuple[str, ...]:
    """Words a rationale names as evidence: quoted phrases, or a ``cues: a, b`` list."""
    if not rationale:
        return ()
    found = [m.group(1).strip() for m in _QUOTED.finditer(rationale)]
    if not found:
        for match in _LISTED.finditer(rationale):
            found.extend(part.strip() for part in re.split(r"[,/|]", match.group(1)))
    return tuple(dict.fromkeys(term for term in found if term))


def evidence_marks(quote: str, terms: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where the terms (or inflected forms of them) occur in ``quote``, merged and sorted."""
    spans: list[tuple[int, int]] = []
    for term in terms:
        words = [re.escape(word) for word in term.split()]
        pattern = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"\w*", re.IGNORECASE)
        spans.extend(m.span() for m in pattern.finditer(quote))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def review_item(coding: Coding, code: Code, parts: DocumentParts) -> ReviewItem:
    """Put a coding in its context (``parts`` is its document)."""
    turn_index = parts.turn_at(coding.start)
    turn = parts.turns[turn_index] if turn_index is not None else None
    before, after = parts.context(coding.start, coding.end)
    terms = evidence_terms(coding.rationale)
    return ReviewItem(
        coding=coding, code=code, case=parts.doc.case,
        speaker=turn.speaker if turn else "", role=turn.role if turn else "",
        before=before, after=after, evidence=terms, marks=evidence_marks(coding.quote, terms),
        text_sha256=parts.doc.text_sha256,
    )

"""Paragraph and sentence segments inside turns, with code-point offsets.

A paragraph is one non-blank line of a turn (in a transcript every line break inside a
turn starts a new paragraph); a sentence is a span spaCy's sentence boundaries give inside
a paragraph. Both are trimmed of surrounding whitespace. Segments come in text order, each
paragraph followed by its sentences.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from qualcode.ingest.transcript import strip_span
from qualcode.models import Segment, Turn
from qualcode.nlp import sentence_spans


@dataclass
class _Pending:
    """A document whose paragraphs are still on their way through the pipeline."""

    text: str
    remaining: int
    segments: list[Segment] = field(default_factory=list)


def segment_document(
    text: str, turns: Sequence[Turn], *, model: str | None = None
) -> list[Segment]:
    """Paragraphs and sentences of one document (see the module docstring)."""
    return next(segment_many([(text, turns)], model=model))


def segment_many(
    items: Iterable[tuple[str, Sequence[Turn]]], *, model: str | None = None
) -> Iterator[list[Segment]]:
    """Segment many ``(text, turns)`` documents, yielding one list per document in order.

    Paragraphs of all documents stream through one ``nlp.pipe``; only the documents whose
    paragraphs are in the current batch are held in memory.
    """
    documents: deque[_Pending] = deque()
    paragraphs: deque[tuple[_Pending, int, int, int]] = deque()  # document, turn, start, end

    def feed() -> Iterator[str]:
        for text, turns in items:
            found = list(paragraph_spans(text, turns))
            document = _Pending(text, len(found))
            documents.append(document)
            for turn, start, end in found:
                paragraphs.append((document, turn, start, end))
                yield text[start:end]

    for spans in sentence_spans(feed(), model=model):
        document, turn, start, end = paragraphs.popleft()
        document.segments.append(Segment("paragraph", start, end, turn))
        for begin, finish in spans:
            sentence = strip_span(document.text, start + begin, start + finish)
            if sentence is not None:
                document.segments.append(Segment("sentence", *sentence, turn))
        document.remaining -= 1
        while documents and documents[0].remaining == 0:
            yield documents.popleft().segments
    while documents:  # documents without any paragraph at the end of the stream
        yield documents.popleft().segments


def paragraph_spans(text: str, turns: Sequence[Turn]) -> Iterator[tuple[int, int, int]]:
    """``(turn index, start, end)`` of every non-blank line inside the turns."""
    for index, turn in enumerate(turns):
        position = turn.start
        for line in text[turn.start : turn.end].split("\n"):
            span = strip_span(text, position, position + len(line))
            if span is not None:
                yield index, span[0], span[1]
            position += len(line) + 1

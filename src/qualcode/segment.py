"""Paragraph and sentence segments inside turns, with code-point offsets.

A paragraph is one non-blank line of a turn (in a transcript every line break inside a
turn starts a new paragraph); a sentence is a span spaCy's sentence boundaries give inside
a paragraph. Both are trimmed of surrounding whitespace. Segments come in text order, each
paragraph followed by its sentences.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence

from qualcode.ingest.transcript import strip_span
from qualcode.models import Segment, SegmentKind, Turn
from qualcode.nlp.pipelines import paragraph_sentences_tokens

SegmentRow = tuple[SegmentKind, int, int, int]
"""A segment as a plain tuple ``(kind, start, end, turn)``: cheap to pickle and to store."""


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
    for rows in segment_rows(items, model=model):
        yield [Segment(*row) for row in rows]


def segment_rows(
    items: Iterable[tuple[str, Sequence[Turn]]], *, model: str | None = None
) -> Iterator[list[SegmentRow]]:
    """Like :func:`segment_many`, with each segment as a :data:`SegmentRow` tuple."""
    for rows, _ in segment_rows_tokens(items, model=model, keep=False):
        yield rows


def segment_rows_tokens(
    items: Iterable[tuple[str, Sequence[Turn]]], *, model: str | None = None, keep: bool = True
) -> Iterator[tuple[list[SegmentRow], bytes | None]]:
    """:func:`segment_rows`, each with the token boundaries of its text (with ``keep``,
    when the default pipeline tokenised it whole; see :func:`paragraph_sentences_tokens`)."""
    waiting: deque[tuple[str, list[tuple[int, int, int]]]] = deque()  # text, (turn, start, end)

    def feed() -> Iterator[tuple[str, list[tuple[int, int]]]]:
        for text, turns in items:
            found = list(paragraph_spans(text, turns))
            waiting.append((text, found))
            yield text, [(start, end) for _, start, end in found]

    for sentences, tokens in paragraph_sentences_tokens(feed(), model=model, keep=keep):
        text, paragraphs = waiting.popleft()
        rows: list[SegmentRow] = []
        for (turn, start, end), spans in zip(paragraphs, sentences, strict=True):
            rows.append(("paragraph", start, end, turn))
            for begin, finish in spans:
                sentence = strip_span(text, begin, finish)
                if sentence is not None:
                    rows.append(("sentence", sentence[0], sentence[1], turn))
        yield rows, tokens


def paragraph_spans(text: str, turns: Sequence[Turn]) -> Iterator[tuple[int, int, int]]:
    """``(turn index, start, end)`` of every non-blank line inside the turns."""
    for index, turn in enumerate(turns):
        position = turn.start
        for line in text[turn.start : turn.end].split("\n"):
            span = strip_span(text, position, position + len(line))
            if span is not None:
                yield index, span[0], span[1]
            position += len(line) + 1

"""Paragraph and sentence segments."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import pytest

from qualcode.errors import UserError
from qualcode.ingest.transcript import parse_transcript
from qualcode.models import Segment, Turn
from qualcode.nlp import pipeline, sentence_spans
from qualcode.segment import paragraph_spans, segment_document, segment_many

TEXT = (
    "# Interview 3\n\n"
    "Interviewer: Hello there. How are you?\n"
    "  Second line here! Yes.  \n\n"
    "P01: I'm fine, thanks 😀. Café au lait.\n"
    "   \n"
    "Last one"
)


def spans(text: str, segments: Sequence[Segment]) -> list[tuple[str, int, str]]:
    return [(s.kind, s.turn, text[s.start : s.end]) for s in segments]


def test_paragraphs_and_sentences() -> None:
    turns, _ = parse_transcript(TEXT)
    assert spans(TEXT, segment_document(TEXT, turns)) == [
        ("paragraph", 0, "# Interview 3"),
        ("sentence", 0, "# Interview 3"),
        ("paragraph", 1, "Hello there. How are you?"),
        ("sentence", 1, "Hello there."),
        ("sentence", 1, "How are you?"),
        ("paragraph", 1, "Second line here! Yes."),
        ("sentence", 1, "Second line here!"),
        ("sentence", 1, "Yes."),
        ("paragraph", 2, "I'm fine, thanks 😀. Café au lait."),
        ("sentence", 2, "I'm fine, thanks 😀."),
        ("sentence", 2, "Café au lait."),
        ("paragraph", 2, "Last one"),
        ("sentence", 2, "Last one"),
    ]


def test_segments_of_the_given_turns_only() -> None:
    text = "skip this. Keep this. And this.\nKeep too."
    turns = [Turn("A", "participant", 11, len(text))]
    assert spans(text, segment_document(text, turns)) == [
        ("paragraph", 0, "Keep this. And this."),
        ("sentence", 0, "Keep this."),
        ("sentence", 0, "And this."),
        ("paragraph", 0, "Keep too."),
        ("sentence", 0, "Keep too."),
    ]


def test_segment_many_keeps_order_and_empty_documents() -> None:
    turns, _ = parse_transcript(TEXT)
    results = list(
        segment_many([("", []), (TEXT, turns), ("", []), ("One. Two.", [Turn("", "other", 0, 9)])])
    )
    assert len(results) == 4
    assert results[0] == []
    assert results[2] == []
    assert results[1] == segment_document(TEXT, turns)
    assert spans("One. Two.", results[3]) == [
        ("paragraph", 0, "One. Two."),
        ("sentence", 0, "One."),
        ("sentence", 0, "Two."),
    ]


def test_segment_many_streams() -> None:
    pulled = 0

    def endless() -> Iterator[tuple[str, list[Turn]]]:
        nonlocal pulled
        while True:
            pulled += 1
            yield "Ab cd. Ef gh.", [Turn("", "other", 0, 13)]

    first = list(itertools.islice(segment_many(endless()), 3))
    assert [len(result) for result in first] == [3, 3, 3]
    assert pulled < 5000  # read one batch ahead, not the whole (endless) corpus


def test_long_paragraphs_are_cut_for_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = pipeline(None)
    monkeypatch.setattr(nlp, "max_length", 20)
    text = "One two three. Four five six seven eight nine. Ten."
    [found] = list(sentence_spans([text]))
    sentences = [text[a:b].strip() for a, b in found]
    assert " ".join(sentences) == text
    assert all(len(s) <= 20 for s in sentences)


def test_sentence_spans_match_spacy_on_its_own() -> None:
    texts = ["Hello there. How are you?", "", "no punctuation at all", "Dr. Who?! Yes... ok."]
    nlp = pipeline(None)
    expected = [[(s.start_char, s.end_char) for s in nlp(text).sents] for text in texts]
    assert list(sentence_spans(texts)) == expected


def test_paragraph_spans() -> None:
    text = "A: one\n\n  two  \nB: three"
    turns, _ = parse_transcript(text)
    assert [(i, text[a:b]) for i, a, b in paragraph_spans(text, turns)] == [
        (0, "one"),
        (0, "two"),
        (1, "three"),
    ]


def test_unknown_model() -> None:
    with pytest.raises(UserError) as caught:
        segment_document("x", [Turn("", "other", 0, 1)], model="no_such_pipeline")
    assert str(caught.value) == (
        "spaCy pipeline 'no_such_pipeline' is not installed"
        " (install it with pip, or leave out --spacy-model)"
    )

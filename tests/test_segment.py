"""Paragraph and sentence segments."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from qualcode.errors import UserError
from qualcode.ingest.transcript import parse_transcript, strip_span
from qualcode.models import Segment, Turn
from qualcode.nlp import pipeline, sentence_spans
from qualcode.nlp.pipelines import paragraph_sentences
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


TRICKY = [
    "Dr. Smith met Mrs. Jones at 5 p.m. on Jan. 3rd. They talked.",
    "Wait... what? Really?! Yes!!! No?!?",
    'He said "stop." Then left. \'Fine.\' she said. (Really.) Next.',
    "I love it 😀. Me too 👍! ok 🙂",
    "数据很好。模型呢？是的！好",
    "...starting with dots. ?Odd start",
    "Single",
    ".",
    "   ",
    "Hello.  Double space.\tTab. New\nline. End",
    "e.g. this i.e. that etc. and so on.",
    "U.S.A. is big. So is the U.K.",
    "Numbers 3.14 and 1,000.5 stay. Done.",
    "Ellipsis… unicode. Fullwidth！ Next．Done",
    "«Bonjour.» Oui. ¿Qué? ¡Sí!",
    "a.b.c. d!e?f",
    ")",
    "",
]


def test_rule_matches_spacys_sentencizer_on_tricky_text() -> None:
    nlp = pipeline(None)
    expected = [[(s.start_char, s.end_char) for s in nlp(text).sents] for text in TRICKY]
    assert list(sentence_spans(TRICKY)) == expected
    assert list(sentence_spans(TRICKY, batch_size=3)) == expected


def test_rule_matches_spacys_sentencizer_on_random_text() -> None:
    import random

    rng = random.Random(11)
    pieces = ["word", "Dr.", ".", "...", "?", "!", "?!", '"', "'", ")", "(", "😀", "。", "，",
              "e.g.", "3.5", " ", "  ", "\n", "-", "—", "…", "！", "x."]
    texts = ["".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(1, 30)))
             for _ in range(300)]
    nlp = pipeline(None)
    expected = [[(s.start_char, s.end_char) for s in doc.sents] for doc in nlp.pipe(texts)]
    assert list(sentence_spans(texts, batch_size=7)) == expected


def test_paragraphs_take_their_tokens_from_the_whole_text() -> None:
    # glued labels and punctuation make a paragraph's tokens differ inside the whole text;
    # those paragraphs are tokenised on their own, so every paragraph splits as if alone
    text = 'P01:Hello there. Bye.\nP02: "Quoted." Next one!\n(aside.) Last... ok'
    spans = [(4, 21), (27, 46), (47, 56), (57, 68)]
    nlp = pipeline(None)
    alone = [[(start + s.start_char, start + s.end_char) for s in nlp(text[start:end]).sents]
             for start, end in spans]
    assert list(paragraph_sentences([(text, spans), ("", []), (text, spans[1:])])) == [
        alone, [], alone[1:]]


def test_every_sentence_of_the_sample_matches_spacy() -> None:
    from qualcode.ingest import read_documents

    root = Path(__file__).resolve().parent.parent / "transcripts_sample"
    nlp = pipeline(None)
    for path in sorted(p for p in root.iterdir() if p.suffix in (".txt", ".md")):
        (doc,) = read_documents(path)
        found = next(segment_many([(doc.text, doc.turns)]))
        expected = []
        for turn, start, end in paragraph_spans(doc.text, doc.turns):
            expected.append(("paragraph", start, end, turn))
            for s in nlp(doc.text[start:end]).sents:
                span = strip_span(doc.text, start + s.start_char, start + s.end_char)
                if span is not None:
                    expected.append(("sentence", *span, turn))
        assert [(s.kind, s.start, s.end, s.turn) for s in found] == expected

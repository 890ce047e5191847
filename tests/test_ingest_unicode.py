"""The offset invariant on non-ASCII text, and a property test over random transcripts."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.ingest import read_documents
from qualcode.ingest.normalise import normalise_text
from qualcode.ingest.transcript import parse_transcript
from qualcode.models import Segment, Turn
from qualcode.segment import segment_document

DATA = Path(__file__).parent / "data" / "ingest"


def check_invariant(text: str, turns: Sequence[Turn], segments: Sequence[Segment]) -> None:
    """Spans are non-empty, stripped, ordered, and segments stay inside their turn."""
    for turn in turns:
        span = text[turn.start : turn.end]
        assert 0 <= turn.start < turn.end <= len(text)
        assert span == span.strip()
    assert all(a.end <= b.start for a, b in pairwise(turns))
    paragraphs = [s for s in segments if s.kind == "paragraph"]
    for segment in segments:
        span = text[segment.start : segment.end]
        turn = turns[segment.turn]
        assert segment.start < segment.end
        assert span == span.strip()
        assert turn.start <= segment.start
        assert segment.end <= turn.end
    for paragraph in paragraphs:
        assert "\n" not in text[paragraph.start : paragraph.end]
    for sentence in (s for s in segments if s.kind == "sentence"):
        assert any(p.start <= sentence.start and sentence.end <= p.end for p in paragraphs)
    # every visible character of a turn is in one of its paragraphs
    covered = {i for p in paragraphs for i in range(p.start, p.end)}
    for turn in turns:
        assert all(i in covered for i in range(turn.start, turn.end) if not text[i].isspace())


def test_emoji_accents_cjk_and_rtl() -> None:
    [document] = read_documents(DATA / "unicode_nfd.md")
    raw = (DATA / "unicode_nfd.md").read_text(encoding="utf-8")
    assert raw != unicodedata.normalize("NFC", raw)  # the file on disk is decomposed
    assert unicodedata.is_normalized("NFC", document.text)
    segments = segment_document(document.text, document.turns)
    check_invariant(document.text, document.turns, segments)
    turns = [(t.speaker, document.text[t.start : t.end]) for t in document.turns]
    assert turns == [
        ("", "# Entrevista 😀"),
        ("Interviewer", "¿Cómo está? 👩🏽\u200d🔬 Tell me."),
        ("P01", "Très bien. J'habite à Orléans. 🎉🎉 Done."),
        ("采访者", "你好。你在哪里工作？"),
        ("受访者", "我在北京工作。"),
        ("مريم", "مرحبا بكم. كيف حالكم؟"),
        ("דוד", "שלום. מה שלומך?"),
    ]
    # offsets count code points: the astral emoji is one, the accents are composed
    p01 = document.turns[2]
    assert p01.start == document.text.index("Très")
    assert document.text[p01.start : p01.start + 4] == "Très"

    def sentences(turn: int) -> list[str]:
        found = [s for s in segments if s.kind == "sentence" and s.turn == turn]
        return [document.text[s.start : s.end] for s in found]

    assert sentences(2) == ["Très bien.", "J'habite à Orléans.", "🎉🎉 Done."]
    assert sentences(5) == ["مرحبا بكم.", "كيف حالكم؟"]
    assert sentences(6) == ["שלום.", "מה שלומך?"]
    # the default (English) tokenizer does not split unspaced Chinese into tokens
    assert sentences(3) == ["你好。你在哪里工作？"]


LABELS = st.sampled_from(
    [
        "Interviewer: ",
        "P01: ",
        "**Maria:** ",
        "**Maria**: ",
        "[00:01:02] Ana: ",
        "Ana (00:01:02): ",
        "00:01:02 Ana: ",
        "Ana [1:02:03.5]: ",
        "Speaker 1  0:03\n",
        "采访者：",
        "מרים: ",
        "",
    ]
)
LINE_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
LINE_END = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\u2028"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(LABELS, LINE_TEXT, LINE_END), max_size=12))
def test_random_transcripts_keep_the_invariant(lines: list[tuple[str, str, str]]) -> None:
    raw = "".join(label + text + end for label, text, end in lines)
    text = normalise_text(raw)
    turns, warnings = parse_transcript(text)
    if warnings:  # no label at all: one turn without a speaker, or nothing
        assert all(t.speaker == "" for t in turns)
        assert len(turns) <= 1
    check_invariant(text, turns, segment_document(text, turns))

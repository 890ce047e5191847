"""Offering words to spaCy's tokenizer cache first changes its speed, never its tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.ingest import read_documents
from qualcode.nlp import warm

SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
TRICKY = (
    "Line one.\nLine two, can't stop—won't stop!\n\n  Double  spaces\tand tabs.\n"
    "We're at 3.5% (not 4%), e.g. v2.1-rc; URLs like https://example.org/x?y=1 too. 🙂\n"
    "Zürich, São Paulo: 数据 and 模型. Don't. DON'T. gonna cannot :) :-( U.S.A. Dr. Smith\n"
)


def _tokens(doc: object) -> list[tuple[str, int, str, str, bool, bool]]:
    return [(t.text, t.idx, t.whitespace_, t.norm_, t.is_punct, t.like_num)  # type: ignore[attr-defined]
            for t in doc]  # type: ignore[attr-defined]


def _texts() -> list[str]:
    texts = [TRICKY]
    for path in sorted(SAMPLE.iterdir()):
        if path.suffix in (".txt", ".md", ".vtt", ".docx"):
            texts.extend(doc.text for doc in read_documents(path))
    return texts


def test_warmed_tokens_equal_cold_tokens() -> None:
    import spacy

    texts = _texts()
    cold = spacy.blank("en").tokenizer
    hot = spacy.blank("en").tokenizer
    expected = [_tokens(cold(text)) for text in texts]
    assert [_tokens(d) for d in hot.pipe(warm.warmed(hot, texts))] == expected
    assert [_tokens(hot(text)) for text in texts] == expected  # and from a full cache


def test_a_text_is_offered_only_its_new_chunks() -> None:
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    offered: list[list[str]] = []
    real = tokenizer.pipe

    class Spy:
        def pipe(self, texts: list[str], batch_size: int) -> object:
            offered.append(list(texts))
            return real(texts, batch_size=batch_size)

    spy = Spy()
    warm.offer(spy, "we did it, we did.")
    warm.offer(spy, "we did more.")
    warm.offer(spy, "we did it, we did.")
    assert offered == [["did", "did.", "it,", "we"], ["more."]]


def test_the_memory_of_offered_chunks_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    monkeypatch.setattr(warm, "SEEN_CAP", 3)
    tokenizer = spacy.blank("en").tokenizer
    warm.offer(tokenizer, "a b c")
    warm.offer(tokenizer, "d e")
    assert warm._SEEN[id(tokenizer)] == {"d", "e"}

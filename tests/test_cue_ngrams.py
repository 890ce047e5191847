"""Cue phrases matched on token hash arrays (nlp/ngrams.py) find exactly what spaCy's
``PhraseMatcher`` finds, on the sample transcripts and on crafted texts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qualcode import nlp
from qualcode.codebook import load_codebook
from qualcode.models import Code
from qualcode.nlp import cues as cue_module
from qualcode.nlp.ngrams import _MULTIPLIERS, PhraseIndex, Slots, fold

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "open-llm-collaboration.yaml"

CRAFTED = (
    Code("a.models", "Models", cues=("model", "base model", "base model weights", "open weights",
                                     "the", "the the", "the the the", "café", "naïve bayes")),
    Code("a.words", "Words", cues=("fine-tuning", "open-source", "Open  Source", "can't afford",
                                   "coding", "released", "data cleaning", "a b c d e f g h",
                                   "end", "", "   ")),
    Code("a.same", "Same", cues=("open - source", "model", "Base Model")),
)

TEXT = ("Model weights: the base model weights and base models.\n"
        "The the the open-source, open source and open - source work; Open\nweights too. "
        "We can't afford fine-tuning. Coding and code, released and release. "
        "Café au lait, naïve Bayes, CAFÉ. a b c d e f g h a b c d e f g. The end")


def phrase_matchers(matcher: Any) -> Any:
    """``matcher`` with spaCy's ``PhraseMatcher``s, each cue its own doc (the old way)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import check_cues

    sys.path.remove(str(ROOT / "benchmarks"))
    return check_cues.phrase_reference(matcher)


def assert_same(matcher: Any, reference: Any, doc: Any) -> int:
    lower, lemma, _ = matcher.raw_matches(doc, [(0, len(doc))])
    old_lower, old_lemma, _ = reference.raw_matches(doc, [(0, len(doc))])
    assert sorted(lower) == sorted(old_lower)
    assert sorted(lemma) == sorted(old_lemma)
    assert lower == sorted(lower, key=lambda m: (m[1], m[2], m[0]))  # by start, end, id
    return len(lower) + len(lemma)


@pytest.fixture(scope="module")
def crafted() -> Any:
    matcher = nlp.CueMatcher(CRAFTED)
    return matcher, phrase_matchers(matcher)


def found(matcher: Any, text: str) -> set[tuple[str, str, str]]:
    doc = next(nlp.tokenise([text]))
    lower, lemma, _ = matcher.raw_matches(doc, [(0, len(doc))])
    return {(matcher.strings[i], via, doc[s:e].text) for via, rows in (("lower", lower),
                                                                        ("lemma", lemma))
            for i, s, e in rows}


def test_sample_transcripts_match_as_with_phrase_matcher() -> None:
    matcher = nlp.CueMatcher([c for c in load_codebook(CODEBOOK).codes if c.kind == "code"])
    reference = phrase_matchers(matcher)
    files = sorted(p for p in SAMPLE.iterdir() if p.suffix in (".txt", ".md", ".vtt"))
    docs = nlp.tokenise(p.read_text(encoding="utf-8") for p in files)
    assert sum(assert_same(matcher, reference, doc) for doc in docs) > 4000


def test_crafted_text_matches_as_with_phrase_matcher(crafted: Any) -> None:
    matcher, reference = crafted
    for text in (TEXT, TEXT.upper(), "model", "the", "", "\n", "base", " the  the \n the "):
        assert_same(matcher, reference, next(nlp.tokenise([text])))


def test_overlapping_prefix_and_repeated_cues(crafted: Any) -> None:
    matcher = crafted[0]
    doc = next(nlp.tokenise(["the the the base model weights"]))
    lower = [(matcher.strings[i], s, e) for i, s, e in matcher.raw_matches(doc, [])[0]]
    assert lower == [("the", 0, 1), ("the the", 0, 2), ("the the the", 0, 3), ("the", 1, 2),
                     ("the the", 1, 3), ("the", 2, 3), ("base model", 3, 5),
                     ("base model weights", 3, 6), ("model", 4, 5)]


def test_cues_at_the_ends_and_across_a_line_break(crafted: Any) -> None:
    assert ("model", "lower", "Model") in found(crafted[0], "Model weights end")
    assert ("end", "lower", "end") in found(crafted[0], "the end")
    hits = found(crafted[0], "open\nweights, open  weights")
    assert not any(key == "open weights" for key, _, _ in hits)


def test_punctuation_unicode_and_shared_token_sequences(crafted: Any) -> None:
    hits = found(crafted[0], "open-source and open - source; Café, NAÏVE Bayes; can't afford")
    assert {("open-source", "lower", "open-source"), ("open - source", "lower", "open-source"),
            ("open-source", "lower", "open - source"), ("open - source", "lower", "open - source"),
            ("café", "lower", "Café"), ("naïve bayes", "lower", "NAÏVE Bayes"),
            ("can't afford", "lower", "can't afford")} <= hits
    assert not any(key == "open source" for key, _, _ in hits)  # "-" is a token of its own


def test_lemma_only_and_fixed_form_cues(crafted: Any) -> None:
    hits = found(crafted[0], "base models; code; release; coding; released")
    assert ("base model", "lemma", "base models") in hits
    assert ("base model", "lower", "base models") not in hits
    assert not any(key in ("coding", "released") and via == "lemma" for key, via, _ in hits)
    assert ("coding", "lower", "coding") in hits
    assert ("released", "lower", "released") in hits


def test_every_cue_gets_the_tokens_it_gets_alone() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus

    sys.path.remove(str(ROOT / "benchmarks"))
    book = corpus.large_codebook(600)
    cues = sorted({" ".join(c.lower().split()) for code in book.codes for c in code.cues}
                  | {" ".join(c.lower().split()) for code in CRAFTED for c in code.cues} - {""})
    lower, lemma, bounds, fixed = cue_module._cue_columns(cues)
    assert len(cues) > 9000
    for cue, doc, (start, end), has_fixed in zip(cues, nlp.tokenise(cues), bounds.tolist(),
                                                  fixed.tolist(), strict=True):
        alone = cue_module._token_columns(doc)
        assert lower[start:end].tolist() == alone[0].tolist(), cue
        assert lemma[start:end].tolist() == alone[1].tolist(), cue
        assert has_fixed == bool(alone[4].any()), cue


def test_a_cue_split_across_its_line_is_tokenised_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    cues = ["base model", "open-source"]
    real = cue_module._token_columns
    calls = []

    def shifted(doc: Any) -> Any:  # the joint doc's first token seen one character late
        calls.append(len(doc))
        columns = real(doc)
        if len(calls) == 1:
            columns[2][0] += 1
        return columns

    monkeypatch.setattr(cue_module, "_token_columns", shifted)
    lower, _, bounds, _ = cue_module._cue_columns(cues)
    start, end = bounds[0].tolist()
    assert calls == [6, 2]
    assert (start, end) == (6, 8)
    assert lower[start:end].tolist() == real(next(nlp.tokenise(["base model"])))[0].tolist()


def test_phrase_index_gives_every_id_of_a_phrase_once_per_span() -> None:
    hashes = np.array([5, 6, 7, 5, 6], dtype=np.uint64)
    index = PhraseIndex([100, 200, 300, 400], hashes, [[0, 2], [3, 5], [2, 3], [1, 1]])
    assert len(index) == 3  # the empty phrase is left out
    doc = np.array([5, 6, 7, 1, 5, 6, 6], dtype=np.uint64)
    assert index(doc).tolist() == [[100, 0, 2], [200, 0, 2], [300, 2, 3], [100, 4, 6],
                                   [200, 4, 6]]
    assert index(np.zeros(0, dtype=np.uint64)).shape == (0, 3)
    assert PhraseIndex([], [], np.zeros((0, 2)))(doc).shape == (0, 3)


def test_phrases_whose_keys_collide_get_another_multiplier() -> None:
    first = _MULTIPLIERS[0]
    hashes = np.array([1, 0, 0, first], dtype=np.uint64)  # 1*M + 0 == 0*M + M
    index = PhraseIndex([1, 2], hashes, [[0, 2], [2, 4]])
    assert int(index.multiplier) == _MULTIPLIERS[1]
    doc = np.array([0, first, 1, 0, 1], dtype=np.uint64)
    assert index(doc).tolist() == [[2, 0, 2], [1, 2, 4]]


def test_a_window_whose_key_is_a_phrases_by_chance_is_no_match() -> None:
    # (1, 6, 7 - M) folds to the key of (1, 5, 7); (1, 6, 42) keeps the prefix (1, 6) alive
    odd = (7 - _MULTIPLIERS[0]) % 2**64
    index = PhraseIndex([9, 10], np.array([1, 5, 7, 1, 6, 42], dtype=np.uint64),
                        [[0, 3], [3, 6]])
    assert int(index.multiplier) == _MULTIPLIERS[0]
    doc = np.array([1, 6, odd, 1, 5, 7], dtype=np.uint64)
    keys = [np.array(row, dtype=np.uint64).reshape(1, 3) for row in ([1, 6, odd], [1, 5, 7])]
    assert len({int(fold(k, _MULTIPLIERS[0])[0]) for k in keys}) == 1
    assert index(doc).tolist() == [[9, 3, 6]]


def test_slots_find_keys_that_share_a_home_slot() -> None:
    keys = np.array([256 * i + 3 for i in range(40)] + [7], dtype=np.uint64)
    slots = Slots(keys, np.arange(len(keys)))
    assert slots.probes >= 39
    queries = np.concatenate((keys[::-1], np.array([0, 3 + 256 * 64, 8], dtype=np.uint64)))
    assert slots.get(queries).tolist() == [*list(range(40, -1, -1)), -1, -1, -1]

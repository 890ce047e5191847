"""The pattern index finds what spaCy's ``Matcher`` finds inside the ranges, whether a
pattern is matched with arrays (plain), by its Matcher in windows, or over the doc."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.tokens import Doc

from qualcode.nlp.lookup import Slots
from qualcode.nlp.patterns import PatternIndex
from qualcode.nlp.plain import flag_checks, variants

NLP = spacy.blank("en")
WORDS = ["a", "b", "c", "A", "B", "the", "The", "x", "-", "7B", "12", "Zed"]
LEMMAS = {"b": "a", "B": "a", "The": "the", "c": "see"}
VALUES = ["a", "b", "c", "the", "x", "-", "A", "see", "zz"]

Pattern = list[dict[str, Any]]


def make_doc(words: Sequence[str]) -> Doc:
    return Doc(NLP.vocab, words=list(words), lemmas=[LEMMAS.get(w, w.lower()) for w in words])


def reference(doc: Doc, patterns: Sequence[Pattern],
              ranges: Sequence[tuple[int, int]]) -> set[tuple[int, int, int]]:
    """Each pattern's own Matcher over the whole doc, its matches inside a range kept."""
    found = set()
    for number, pattern in enumerate(patterns):
        matcher = Matcher(NLP.vocab)
        matcher.add(f"k{number}", [pattern])
        found |= {(m, s, e) for m, s, e in matcher(doc)
                  if any(a <= s and e <= b for a, b in ranges)}
    return found


def indexed(doc: Doc, patterns: Sequence[Pattern],
            ranges: Sequence[tuple[int, int]]) -> set[tuple[int, int, int]]:
    index = PatternIndex(NLP.vocab)
    for number, pattern in enumerate(patterns):
        index.add(f"k{number}", pattern)
    return index(doc, ranges)


def value(draw: st.DrawFn, word: str) -> object:
    """A value the word has (often) or any value, alone or in a list."""
    if draw(st.booleans()):
        word = draw(st.sampled_from(VALUES))
    kind = draw(st.sampled_from(["word", "IN", "NOT_IN"]))
    if kind == "word":
        return word
    others = draw(st.lists(st.sampled_from(VALUES), max_size=2))
    return {kind: [word, *others] if kind == "IN" else others or ["zz"]}


@st.composite
def tokens(draw: st.DrawFn, token: Any) -> dict[str, Any]:
    """A pattern token that the doc's ``token`` meets more often than not."""
    names = draw(st.lists(st.sampled_from(["LOWER", "ORTH", "TEXT", "LEMMA"]), max_size=2,
                          unique=True))
    words = {"LOWER": token.lower_, "ORTH": token.text, "TEXT": token.text,
             "LEMMA": token.lemma_}
    # the Matcher reads keys in any case
    spec: dict[str, Any] = {draw(st.sampled_from([name, name.lower()])): value(draw, words[name])
                            for name in names}
    if draw(st.integers(0, 4)) == 0:
        flag = draw(st.sampled_from(["IS_TITLE", "LIKE_NUM", "IS_PUNCT", "is_title"]))
        spec[flag] = getattr(token, flag.lower()) != (draw(st.integers(0, 3)) == 0)
    if "TEXT" not in names and draw(st.integers(0, 12)) == 0:
        spec["TEXT"] = {"REGEX": draw(st.sampled_from([r"^\d+[BbMm]$", "^[A-Z]", "a"]))}
    # no "!": a window cut inside a range can end where a negated token would be
    operator = draw(st.sampled_from([None, None, None, "?", "?", "*", "+", "{2}", "{1,3}"]))
    if operator is not None:
        spec[draw(st.sampled_from(["OP", "op"]))] = operator
    return spec


@st.composite
def cases(draw: st.DrawFn) -> tuple[Doc, list[Pattern], list[tuple[int, int]]]:
    doc = make_doc(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30)))
    patterns = []
    for _ in range(draw(st.integers(1, 5))):  # each made from a stretch of the doc
        start = draw(st.integers(0, len(doc) - 1))
        size = draw(st.integers(1, 4))
        patterns.append([draw(tokens(doc[min(i, len(doc) - 1)]))
                         for i in range(start, start + size)])
    cuts = sorted(set(draw(st.lists(st.integers(0, len(doc)), min_size=1, max_size=7))))
    ranges = [(a, b) for a, b in pairwise(cuts) if draw(st.booleans())]
    return doc, patterns, ranges


@settings(max_examples=400, deadline=None)
@given(cases())
def test_every_pattern_finds_what_its_matcher_finds_inside_the_ranges(
        case: tuple[Doc, list[Pattern], list[tuple[int, int]]]) -> None:
    doc, patterns, ranges = case
    assert indexed(doc, patterns, ranges) == reference(doc, patterns, ranges)


def test_plain_and_other_patterns_are_found_as_the_matcher_finds_them() -> None:
    patterns: list[Pattern] = [
        [{"LOWER": "a"}, {"OP": "?"}, {"OP": "?"}, {"LEMMA": "see"}],  # plain
        [{"LOWER": {"IN": ["the", "a"]}}, {"LOWER": "-", "OP": "?"}, {"ORTH": "B"}],  # plain
        [{"IS_TITLE": True, "LOWER": {"NOT_IN": ["the"]}}, {"LEMMA": "a"}],  # flags
        [{"TEXT": {"REGEX": r"^\d+[BbMm]$"}}],  # a regex
        [{"LOWER": "a"}, {"OP": "*"}, {"LOWER": "x"}],  # unbounded
    ]
    words = ["a", "c", "see", "The", "-", "B", "Zed", "b", "7B", "a", "b", "the", "x", "A", "-",
             "B", "a", "x"]
    doc, ranges = make_doc(words), [(0, 9), (9, 16), (16, 18)]
    found = indexed(doc, patterns, ranges)
    assert found == reference(doc, patterns, ranges)
    keys = {NLP.vocab.strings[m] for m, _, _ in found}
    assert keys == {"k0", "k1", "k2", "k3", "k4"}


def test_a_plain_pattern_stands_for_each_of_its_sequences() -> None:
    fine, dash = ("LOWER", frozenset({"fine"}), False), ("LOWER", frozenset({"-"}), False)
    tune = ("LEMMA", frozenset({"tune", "tuning"}), False)
    pattern: Pattern = [{"LOWER": "fine"}, {"LOWER": "-", "OP": "?"},
                        {"LEMMA": {"IN": ["tune", "tuning"]}}]
    assert variants(pattern) == [((fine,), (tune,)), ((fine,), (dash,), (tune,))]
    # a token with nothing to meet is any token; the empty sequence is no match
    a = ("ORTH", frozenset({"a"}), False)
    assert variants([{"OP": "?"}, {"TEXT": "a"}]) == [((a,),), ((), (a,))]
    assert variants([{"LOWER": {"NOT_IN": ["b"]}, "LEMMA": "a"}]) == [
        ((("LOWER", frozenset({"b"}), True), ("LEMMA", frozenset({"a"}), False)),)]
    # the operator is read as the Matcher reads it, under "OP" or "op"
    assert variants([{"LOWER": "fine"}, {"LOWER": "-", "op": "?"}, {"LEMMA": {"IN": [
        "tune", "tuning"]}}]) == variants(pattern)


def test_matches_around_a_repeated_trigger_and_with_a_lower_case_operator() -> None:
    """What windows around a single trigger token used to miss: the Matcher over the doc
    finds ``zz zz`` as a match of ``zz+``, and reads ``op`` as it reads ``OP``."""
    doc = make_doc(["pre", "-", "train", "x", "zz", "zz", "zz", "x", "a", "a", "b"])
    patterns: list[Pattern] = [
        [{"LOWER": "pre"}, {"LOWER": "-", "op": "?"}, {"LOWER": "train"}],
        [{"LOWER": "zz", "OP": "+"}],
        [{"LOWER": "a", "OP": "{2}"}, {"LOWER": "b"}],
    ]
    ranges = [(0, len(doc))]
    found = indexed(doc, patterns, ranges)
    assert found == reference(doc, patterns, ranges)
    spans = {(NLP.vocab.strings[m], s, e) for m, s, e in found}
    assert {("k0", 0, 3), ("k1", 4, 7), ("k2", 8, 11)} <= spans


@pytest.mark.parametrize("pattern", [
    [{"TEXT": {"REGEX": "^a"}}],
    [{"LOWER": "a", "OP": "+"}],
    [{"LOWER": "a", "op": "*"}],
    [{"LOWER": "a", "OP": "!"}, {"LOWER": "b"}],
    [{"IS_TITLE": True}, {"LOWER": "b"}],
    [{"LOWER": {"IN": ["a"], "NOT_IN": ["b"]}}],
    [{"LOWER": {"IN": [1, 2]}}],
    [{"POS": "NOUN"}, {"LOWER": "b"}],
    [{"LOWER": "a"}, *[{"OP": "?"}] * 7],
])
def test_patterns_that_are_not_plain_go_to_their_matcher(pattern: Pattern) -> None:
    assert variants(pattern) is None


def test_flag_checks_keep_the_flags_of_tokens_every_match_holds() -> None:
    from spacy.attrs import IS_TITLE, LIKE_NUM

    pattern: Pattern = [{"IS_TITLE": True, "LOWER": "a"}, {"like_num": False},
                        {"IS_TITLE": True, "OP": "?"}, {"IS_TITLE": True, "op": "*"},
                        {"LEMMA": "b", "IS_PUNCT": 1}]
    assert flag_checks(pattern) == (((IS_TITLE, True),), ((LIKE_NUM, False),))


def test_a_missing_annotation_raises_as_the_matcher_does() -> None:
    doc = Doc(NLP.vocab, words=["a", "b"])  # no lemmas
    pattern: Pattern = [{"LEMMA": "a", "OP": "?"}, {"LOWER": "b"}]
    with pytest.raises(ValueError, match="E155") as raised:
        indexed(doc, [pattern], [(0, 2)])
    with pytest.raises(ValueError, match="E155") as expected:
        reference(doc, [pattern], [(0, 2)])
    assert str(raised.value) == str(expected.value)


def test_columns_the_caller_has_give_the_same_matches() -> None:
    index = PatternIndex(NLP.vocab)
    index.add("k", [{"LOWER": "the"}, {"LEMMA": "a", "OP": "?"}, {"ORTH": "x"}])
    doc = make_doc(["the", "b", "x", "The", "x", "the", "a"])
    columns: Mapping[str, Any] = {attr: doc.to_array(attr) for attr in index.attrs}
    assert index.attrs == ["LEMMA", "LOWER", "ORTH"]
    assert index(doc, [(0, 7)], columns) == index(doc, [(0, 7)]) == {
        (NLP.vocab.strings["k"], 0, 3), (NLP.vocab.strings["k"], 3, 5)}


def test_a_regex_tries_each_value_once_even_when_first_met_in_a_later_doc() -> None:
    index = PatternIndex(NLP.vocab)
    index.add("size", [{"TEXT": {"REGEX": r"^\d+B$"}}])
    assert index(make_doc(["a", "b"]), [(0, 2)]) == set()
    size = NLP.vocab.strings["size"]
    assert index(make_doc(["a", "70B", "b", "70B"]), [(0, 4)]) == {(size, 1, 2), (size, 3, 4)}


def test_the_value_table_finds_every_value_it_holds_and_no_other() -> None:
    rng = np.random.default_rng(7)
    values = np.unique(rng.integers(0, 2**63, 3000, dtype=np.int64).astype(np.uint64))
    values = np.concatenate((np.zeros(1, np.uint64), values[:1499], values[1500:]))  # 0 too
    keys = np.concatenate((np.zeros(1, np.uint64), values))  # row 0 stands for none
    table = Slots()
    for first in range(0, len(values), 700):  # added in steps: the table grows
        rows = np.arange(first + 1, min(first + 701, len(values) + 1))
        table.add(rows, keys)
    probe = np.concatenate((values, rng.integers(0, 2**63, 5000).astype(np.uint64)))
    rows, held = table.find(probe, keys)
    found = np.where(held, rows, 0)
    assert found[:len(values)].tolist() == list(range(1, len(values) + 1))
    assert not found[len(values):].any()

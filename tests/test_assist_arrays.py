"""Model predictions on arrays give, double for double, what the per-unit Python sums and
spaCy's own pipeline give."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from qualcode import nlp
from qualcode.assist import model, profiles
from qualcode.assist.analysis import Analysis, analyse_units
from qualcode.assist.units import Unit

TEXTS = ["Sovereign models for the state, the state and the state again.",
         "Volunteers cleaned data; volunteers labelled data.",
         "The state wants sovereign control of its compute.",
         "Nothing alike here.", "...", "Community volunteers trained a sovereign model.",
         "Data, data, data: cleaning it took volunteers a year."]
QUESTIONS = ["Why open the model?", "", "Who cleaned the data?", "Why?", "", "How big?", ""]
CODED = [{"public"}, {"community", "data"}, {"public"}, set(), set(), {"community"}, {"data"}]


def analysis(texts: list[str] = TEXTS) -> Analysis:
    units = [Unit("a", 0, len(text), 0, "P1", "participant", text, question)
             for text, question in zip(texts, QUESTIONS, strict=True)]
    return analyse_units(units, [])


def test_round5_is_pythons_round_also_next_to_halves() -> None:
    rng = np.random.default_rng(7)
    halves = (rng.integers(0, 200_000, 20_000) + 0.5) / 1e5
    values = np.concatenate([
        rng.random(50_000), rng.random(5_000) * 1e4, halves, np.nextafter(halves, 0),
        np.nextafter(halves, 1), [0.0, 5e-6, 1.5e-5, 2.5e-5, 0.125, 2.675, 1e-300, 2.0**60,
                                  math.inf]])
    found = profiles.round5(values).tolist()
    assert found == [round(v, 5) for v in values.tolist()]
    assert math.isnan(profiles.round5(np.array([math.nan]))[0])


def plain_similarity(stored: Mapping[str, Any], counts: Counter[str], code: str) -> float:
    """The cosine as a Python sum over the unit's lemmas, as profiles once computed it."""
    idf: Mapping[str, float] = stored["idf"]
    profile: Mapping[str, float] = stored["codes"][code]
    vector = profiles._vector(counts, idf, max(idf.values(), default=1.0))
    return float(round(sum(w * profile.get(lemma, 0.0) for lemma, w in vector.items()), 5))


def test_similarities_are_the_python_sums() -> None:
    training = analysis()
    stored = profiles.loads(profiles.dumps(profiles.build(training, CODED)))
    other = analysis([text.upper() if i % 2 else text[::-1] for i, text in enumerate(TEXTS)])
    for target in (training, other):
        units, questions = profiles.lemma_counts(target)
        found = profiles.similarities(stored, target)
        for i, row in enumerate(found):
            assert row == {
                **{profiles.NEAR + c: plain_similarity(stored["units"], units[i], c)
                   for c in stored["units"]["codes"]},
                **{profiles.ASKED + c: plain_similarity(stored["questions"], questions[i], c)
                   for c in stored["questions"]["codes"]}}
    assert found[3][profiles.NEAR + "public"] == 0.0
    assert any(v > 0 for row in found for v in row.values())


def test_predict_is_the_mean_of_the_pipelines_and_the_profiles() -> None:
    from spacy.tokens import Doc

    target = analysis()
    categories = {"public": "orgmodel", "community": "orgmodel", "data": "challenge"}
    labels = model.label_set(CODED, categories)
    params = model.TextcatParams(epochs=2, bags=3)
    trained = model.merge([model.train(target.subset(part), [CODED[i] for i in part], labels,
                                       categories, params) for part in ([0, 1, 2], [3, 5, 6])])
    found = model.predict(trained, labels, target, categories, params)
    parts = model.unpack(trained)
    textcats = [nlp.Textcat(p, labels, ngram_size=2, length=params.length)
                for p in parts if not p.startswith(model.PROFILES)]
    stored = [profiles.loads(p[len(model.PROFILES):]) for p in parts
              if p.startswith(model.PROFILES)]
    assert (len(textcats), len(stored)) == (6, 2)
    expected: list[dict[str, float]] = [dict.fromkeys(labels, 0.0) for _ in target.units]
    words = [model.unit_words(target, i, categories) for i in range(len(target.units))]
    for textcat in textcats:  # the pipeline's own predictions, set on each doc
        pipe: Any = textcat.nlp.get_pipe("textcat_multilabel")
        docs = pipe.pipe(Doc(textcat.nlp.vocab, words=w or ["-"]) for w in words)
        for sums, doc in zip(expected, docs, strict=True):
            for label, p in doc.cats.items():
                sums[label] += p / len(textcats)
    for one in stored:
        for sums, near in zip(expected, profiles.similarities(one, target), strict=True):
            for label, value in near.items():
                sums[label] = sums.get(label, 0.0) + value / len(stored)
    assert found == expected
    assert [list(row) for row in found] == [list(row) for row in expected]
    assert model.predict(trained, labels, target.subset([]), categories, params) == []


@pytest.mark.parametrize("size", [0, 1])
def test_few_units_and_no_lemmas(size: int) -> None:
    target = analysis().subset([4] * size)  # "...": no content lemmas at all
    stored = profiles.build(analysis(), CODED)
    assert profiles.similarities(stored, target) == \
        [dict.fromkeys(profiles.Scorer(stored).labels, 0.0)] * size

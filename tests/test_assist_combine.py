"""Features of the combination (method both): definitions, context, per-category terms."""

from __future__ import annotations

import pytest

from qualcode.assist.analysis import analyse_units
from qualcode.assist.combine import (
    FEATURES,
    Stacker,
    Structure,
    candidates,
    fit_stacker,
    recall_threshold,
)
from qualcode.assist.context import definition_words
from qualcode.assist.units import Unit
from qualcode.errors import UserError
from qualcode.models import Code

CODES = (
    Code("stage", "Lifecycle stage", kind="category", category="stage", stages=True),
    Code("stage.pre", "Pre-training", category="stage", cues=("pre-training",),
         definition="Building a base model."),
    Code("motivation", "Motivation", kind="category", category="motivation"),
    Code("motivation.sovereignty", "Sovereignty", category="motivation", cues=("national",),
         definition="Wanting national control over a model.", include="sovereignty"),
    Code("motivation.access", "Access", category="motivation", cues=("access", "everyone"),
         definition="Wanting everyone to use a model."),
)


def unit(document: str, text: str) -> Unit:
    return Unit(document, 0, len(text), 0, "P1", "participant", text)


@pytest.fixture(scope="module")
def found() -> dict[tuple[int, str], dict[str, float]]:
    units = [unit("a", "Sovereignty and national control matter, and access for everyone."),
             unit("a", "National pride, really."),
             unit("b", "National things.")]
    analysis = analyse_units(units, CODES)
    structure = Structure.of(CODES)
    names = structure.feature_names()
    pairs = candidates(analysis, None, structure, {})
    return {(c.unit, c.code): dict(zip(names, c.features, strict=True)) for c in pairs}


def test_definition_words_weigh_words_few_codes_use_more() -> None:
    words = definition_words([c for c in CODES if c.kind == "code"])
    sovereignty = words["motivation.sovereignty"]
    # "model" is in all three definitions, "sovereignty" only in one
    assert sovereignty["sovereignty"] > sovereignty["model"] > 0
    assert "over" not in sovereignty  # stop words are left out


def test_a_unit_using_a_definitions_words_scores_higher(found: dict) -> None:
    assert found[(0, "motivation.sovereignty")]["defined"] > found[(1, "motivation.sovereignty")][
        "defined"] > 0


def test_leading_ranks_codes_of_one_category_within_a_unit(found: dict) -> None:
    # unit 0 has evidence for both motivations: the stronger one leads
    ranks = sorted(found[(0, code)]["leading"] for code in
                   ("motivation.sovereignty", "motivation.access"))
    assert ranks == [0.5, 1.0]
    assert found[(1, "motivation.sovereignty")]["leading"] == 1.0


def test_nearby_looks_at_neighbours_in_the_same_document_only(found: dict) -> None:
    assert found[(1, "motivation.sovereignty")]["nearby"] == found[(0, "motivation.sovereignty")][
        "either"]
    assert found[(2, "motivation.sovereignty")]["nearby"] == 0.0  # unit 1 is in document a


def test_each_category_has_its_own_indicator(found: dict) -> None:
    features = found[(0, "motivation.access")]
    assert Structure.of(CODES).feature_names()[len(FEATURES):] == ("in:motivation", "in:stage")
    assert (features["in:motivation"], features["in:stage"]) == (1.0, 0.0)


def test_recall_threshold_is_the_highest_that_finds_enough() -> None:
    scores = [0.9, 0.8, 0.7, 0.2]
    hits = [True, False, True, False]
    # 4 reference positives: 0.9 finds 1/4, 0.7 finds 2/4; 3/4 is never reached
    assert recall_threshold(scores, hits, 4, 0.5) == 0.7
    assert recall_threshold(scores, hits, 4, 0.25) == 0.9
    assert recall_threshold(scores, hits, 4, 0.75) == 0.2
    assert recall_threshold([], [], 4, 0.5) == 1.0


def test_stacker_learns_and_round_trips_with_its_feature_names(found: dict) -> None:
    structure = Structure.of(CODES)
    units = [unit("a", "National control."), unit("a", "Access for everyone.")] * 3
    analysis = analyse_units(units, CODES)
    pairs = candidates(analysis, None, structure, {})
    truth = [c.code == "motivation.sovereignty" for c in pairs]
    stacker = fit_stacker(pairs, truth, structure.feature_names())
    again = Stacker.from_dict(stacker.as_dict())
    assert again == stacker
    assert again.names == structure.feature_names()
    scores = {c.code: stacker.score(c.features) for c in pairs}
    assert scores["motivation.sovereignty"] > 0.5 > scores["motivation.access"]


def test_a_stacker_of_another_shape_is_refused(found: dict) -> None:
    stacker = Stacker(("bias",), (0.0,), (0.0,), (1.0,))
    with pytest.raises(UserError) as info:
        stacker.score([1.0, 2.0])
    assert str(info.value) == ("the stored classifier was trained by an older qualcode or "
                               "another codebook (train a new one with `qualcode learn`)")

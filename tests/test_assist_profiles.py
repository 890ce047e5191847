"""Code profiles: similarity of a unit, and of its question, to those coded with each code."""

from __future__ import annotations

import pytest

from qualcode.assist.analysis import analyse_units
from qualcode.assist.profiles import ASKED, NEAR, build, dumps, loads, similarities
from qualcode.assist.units import Unit


def units(*texts: str, question: str = "") -> list[Unit]:
    return [Unit("a", 0, len(text), 0, "P1", "participant", text, question) for text in texts]


def test_a_unit_is_nearest_to_the_code_of_units_like_it() -> None:
    training = analyse_units(units("Sovereign models for the state.", "Volunteers cleaned data.",
                                   "The state wants sovereign control."), [])
    profiles = loads(dumps(build(training, [{"public"}, {"community"}, {"public"}])))
    assert sorted(profiles["units"]["codes"]) == ["community", "public"]
    found = similarities(profiles, analyse_units(units("A sovereign state model.",
                                                       "Volunteers again.", "Nothing alike."), []))
    assert found[0][NEAR + "public"] > found[0][NEAR + "community"] == 0.0
    assert found[1][NEAR + "community"] > found[1][NEAR + "public"] == 0.0
    assert (found[2][NEAR + "public"], found[2][NEAR + "community"]) == (0.0, 0.0)


def test_a_coded_unit_is_as_near_as_it_gets() -> None:
    training = analyse_units(units("Volunteers cleaned data."), [])
    found = similarities(build(training, [{"community"}]), training)
    assert found[0][NEAR + "community"] == pytest.approx(1.0, abs=1e-4)


def test_questions_have_profiles_too() -> None:
    training = analyse_units(units("We did.", question="Why did you open the model?"), [])
    profiles = build(training, [{"motivation"}])
    asked = analyse_units(units("Because.", question="Why open it?") +
                          units("Yes.", question="How big was the cluster?"), [])
    found = similarities(profiles, asked)
    # "Why ... open" is shared; "the" in the other question counts for little
    assert found[0][ASKED + "motivation"] > 2 * found[1][ASKED + "motivation"]

"""Evaluation against a reference coder, checked on examples computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.assist.combine import best_threshold
from qualcode.assist.evaluate import evaluate, write_evaluation
from qualcode.assist.fit import document_folds
from qualcode.assist.metrics import compare
from qualcode.coding import add_coding
from qualcode.errors import ExportError, UserError
from qualcode.store import Project


def test_compare_on_a_hand_computed_example() -> None:
    reference = [{"a", "b"}, {"a"}, set(), {"c"}]
    suggested = [{"a"}, {"a", "b"}, {"b"}, set()]
    per_code, micro, macro = compare(reference, suggested, ["a", "b", "c"])
    a, b, c = per_code
    assert (a.reference, a.suggested, a.correct, a.precision, a.recall) == (2, 2, 2, 1.0, 1.0)
    assert (b.reference, b.suggested, b.correct) == (1, 2, 0)
    assert (b.precision, b.recall, b.f1) == (0.0, 0.0, 0.0)
    assert (c.reference, c.suggested, c.correct, c.f1) == (1, 0, 0, 0.0)
    # micro: 2 correct of 4 suggested, of 4 in the reference
    assert (micro.reference, micro.suggested, micro.correct) == (4, 4, 2)
    assert (micro.precision, micro.recall, micro.f1) == (0.5, 0.5, 0.5)
    # macro: the mean over the three codes
    assert macro.precision == pytest.approx(1 / 3)
    assert macro.recall == pytest.approx(1 / 3)
    assert macro.f1 == pytest.approx(1 / 3)


def test_best_threshold_maximises_f_beta() -> None:
    scores = [0.9, 0.8, 0.7, 0.2]
    hits = [True, False, True, False]
    # F1 at 0.9: P 1, R 1/3 -> 0.5; at 0.7: P 2/3, R 2/3 -> 0.667; at 0.2: P 1/2, R 2/3 -> 0.571
    assert best_threshold(scores, hits, 3, beta=1.0) == 0.7


def test_document_folds_are_deterministic_and_cover_every_document() -> None:
    folds = document_folds(["d", "b", "a", "c", "e"], 2)
    assert folds == [["a", "c", "e"], ["b", "d"]]
    assert document_folds(["a"], 5) == [["a"]]


@pytest.fixture
def referenced(loaded: Project) -> Project:
    """interview-a coded by a reference coder (see the test below for the arithmetic)."""
    for code, quote in (("challenge.data-work", "Nobody wanted to clean the data, honestly."),
                        ("stage.pre", "Nobody wanted to clean the data, honestly."),
                        ("stage.release", "After the release people made fine-tunes"),
                        ("domain.compute", "We had compute from a public cluster")):
        add_coding(loaded, document="interview-a", code=code, coder="ref", quote=quote)
    return loaded


def test_evaluate_cues_by_sentence_by_hand(referenced: Project) -> None:
    # Participant sentences of interview-a (the only document "ref" coded): the cue
    # "clean the data" hits two sentences, which also get stage.pre (data work is fixed to
    # pre-training); "after the release" hits one. The compute sentence has no cue.
    result = evaluate(referenced, reference="ref", method="cues", unit="sentence")
    assert (result.documents, result.units, result.folds) == (1, 7, 0)
    rows = {s.code: (s.reference, s.suggested, s.correct) for s in result.codes}
    assert rows == {"stage.pre": (1, 2, 1), "stage.release": (1, 1, 1),
                    "challenge.data-work": (1, 2, 1), "domain.compute": (1, 0, 0)}
    assert (result.micro.precision, result.micro.recall) == (3 / 5, 3 / 4)
    assert result.micro.f1 == pytest.approx(2 / 3)
    assert result.macro.precision == pytest.approx((0.5 + 1 + 0.5 + 0) / 4)
    assert result.macro.recall == pytest.approx(0.75)
    assert result.macro.f1 == pytest.approx((2 / 3 + 1 + 2 / 3 + 0) / 4)
    assert result.suggestions == 5


def test_evaluate_cues_by_turn_by_hand(referenced: Project) -> None:
    # Two participant turns. "clean the data" is in both, so it is as common as it gets and
    # scores 0.7 * 0.35 = 0.245, under the default 0.35; "after the release" is in one turn.
    result = evaluate(referenced, reference="ref", method="cues", unit="turn")
    assert result.units == 2
    assert (result.micro.reference, result.micro.suggested, result.micro.correct) == (4, 1, 1)
    lower = evaluate(referenced, reference="ref", method="cues", unit="turn", min_score=0.2)
    assert (lower.micro.suggested, lower.micro.correct) == (5, 3)


def test_evaluate_errors(referenced: Project) -> None:
    with pytest.raises(UserError) as info:
        evaluate(referenced, reference="nobody", method="cues")
    assert str(info.value) == ("coder 'nobody' has no accepted codings to compare with "
                               "(see `qualcode agree` or `qualcode export segments` for coders)")
    with pytest.raises(UserError) as info:
        evaluate(referenced, reference="ref", method="model", folds=1)
    assert str(info.value) == "cross-validation needs at least 2 folds, not 1"
    with pytest.raises(UserError) as info:
        evaluate(referenced, reference="ref", method="rules")
    assert str(info.value) == "unknown method 'rules'; use one of cues, model, both"


def test_write_evaluation_csv_and_json(referenced: Project, tmp_path: Path) -> None:
    result = evaluate(referenced, reference="ref", method="cues")
    lines = write_evaluation(result, tmp_path / "e.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,reference,suggested,correct,precision,recall,f1"
    assert lines[-2] == "micro,4,5,3,0.6,0.75,0.6667"
    assert lines[-1] == "macro,,,,0.5,0.75,0.5833"
    data = json.loads(write_evaluation(result, tmp_path / "e.json").read_text(encoding="utf-8"))
    assert data["micro"]["precision"] == 0.6
    assert data["suggestions"] == 5
    with pytest.raises(ExportError) as info:
        write_evaluation(result, tmp_path / "e.xlsx")
    assert str(info.value) == f"{tmp_path / 'e.xlsx'}: cannot write .xlsx: use .csv or .json"

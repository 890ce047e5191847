"""The learned classifier: training, storage, versions, use by suggest; the sample study."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.assist.evaluate import evaluate
from qualcode.assist.learn import learn
from qualcode.assist.model import PROFILES, TextcatParams, pack, unpack
from qualcode.assist.runs import undo_run
from qualcode.assist.suggest import suggest
from qualcode.coding import import_codings
from qualcode.errors import ProjectError, UserError
from qualcode.store import Project, open_project
from qualcode.store import classifiers as store_classifiers
from qualcode.store import codings as store_codings
from tests.conftest import REPO, assert_invariants

FAST = TextcatParams(epochs=4, bags=1)


@pytest.fixture
def coded(loaded: Project, work: Path) -> Project:
    assert import_codings(loaded, work / "codings.csv").committed
    return loaded


def test_learn_stores_a_versioned_model_that_suggest_uses(coded: Project) -> None:
    first = learn(coded, coder="alice", folds=2, params=FAST)
    second = learn(coded, folds=2, params=FAST)
    assert (first.classifier, second.classifier) == (1, 2)
    assert (first.documents, first.units, first.coder) == (2, 10, "alice")
    assert first.codes == 6  # the six codes alice used
    with coded.read() as conn:
        stored = store_classifiers.list_classifiers(conn)
        latest = store_classifiers.latest_classifier(conn)
    assert [c.id for c in stored] == [1, 2]
    assert latest is not None
    assert latest.id == 2
    assert (latest.unit, latest.codebook_version, latest.coder) == ("sentence", 1, None)
    assert "category:stage" in latest.labels
    assert latest.params["textcat"]["epochs"] == 4
    assert set(latest.params["thresholds"]) == {"model", "both"}
    report = suggest(coded, method="model", min_score=0.0, dry_run=True)
    assert report.classifier == 2
    assert report.suggestions
    assert {s.origin for s in report.suggestions} == {"model"}
    assert all(s.rationale and s.rationale.startswith(("model p=", "implied by "))
               for s in report.suggestions)


def test_the_classifier_is_the_fold_classifiers_with_their_profiles(coded: Project) -> None:
    learn(coded, folds=2, params=FAST)
    with coded.read() as conn:
        latest = store_classifiers.latest_classifier(conn)
    assert latest is not None
    parts = unpack(latest.data)
    # two folds, each one textcat (FAST has one bag) and its code profiles
    assert len(parts) == 4
    assert sum(part.startswith(PROFILES) for part in parts) == 2
    names = latest.params["stacker"]["features"]
    assert names[-2:] == ["in:domain", "in:stage"]
    assert {"near", "closest", "asked_near", "defined", "leading", "nearby"} <= set(names)


def test_training_is_deterministic(coded: Project) -> None:
    learn(coded, folds=2, params=FAST)
    learn(coded, folds=2, params=FAST)
    with coded.read() as conn:
        one, two = store_classifiers.list_classifiers(conn)
    assert one.data == two.data
    assert one.params == two.params


def test_learn_and_model_errors(loaded: Project, coded: Project) -> None:
    with pytest.raises(UserError) as info:
        learn(coded, coder="nobody")
    assert str(info.value) == ("there are no accepted codings by 'nobody' to learn from "
                               "(code some passages, or accept suggestions, first)")
    learn(coded, folds=2, params=FAST)
    with pytest.raises(ProjectError) as info:
        suggest(coded, method="both", unit="turn")
    assert str(info.value) == ("the latest model was trained on sentences, not turns "
                               "(train one with `qualcode learn --unit turn`)")


def test_packed_models_round_trip_and_garbage_is_refused() -> None:
    assert unpack(pack([b"one", b"", b"three"])) == [b"one", b"", b"three"]
    import zlib

    with pytest.raises(UserError) as info:
        unpack(zlib.compress(b"something else"))
    assert str(info.value) == ("the stored classifier is not in a format this qualcode "
                               "understands (train a new one with `qualcode learn`)")


# The sample study: 14 interviews coded by "researcher". Built once for this module.

SAMPLE = REPO / "transcripts_sample"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook

    with open_project(tmp_path_factory.mktemp("assist") / "sample.db") as project:
        install_codebook(project, REPO / "codebooks" / "open-llm-collaboration.yaml")
        assert not ingest_paths(project, [SAMPLE], cases=SAMPLE / "cases.csv").failed
        assert import_codings(project, SAMPLE / "codings.csv").committed
        yield project


def test_cues_on_the_sample_find_most_coded_turns(sample: Project) -> None:
    result = evaluate(sample, reference="researcher", method="cues", unit="turn")
    assert (result.documents, result.units, result.micro.reference) == (14, 239, 488)
    assert result.micro.recall >= 0.7
    assert result.micro.precision >= 0.25


def test_both_methods_on_the_sample_and_undo(sample: Project) -> None:
    with sample.read() as conn:
        before = store_codings.find_codings(conn)
    learned = learn(sample, coder="researcher", unit="turn", folds=2, params=FAST)
    assert learned.metrics["folds"] == 2
    assert 0 < learned.metrics["both"]["recall"] <= 1
    report = suggest(sample, documents=["ai2-olmo"], method="both", unit="turn")
    assert report.added > 0
    assert {s.origin for s in report.suggestions} <= {"rule", "model"}
    assert all(0 <= (s.score or 0) <= 1 and "model p=" in (s.rationale or "")
               for s in report.suggestions if not (s.rationale or "").startswith("implied"))
    assert_invariants(sample)
    undo_run(sample, report.run_id or "")
    with sample.read() as conn:
        assert store_codings.find_codings(conn) == before


@pytest.mark.parametrize("method", ["model", "both"])
def test_model_suggestions_one_document_at_a_time_equal_the_whole_corpus_analysis(
        sample: Project, method: str) -> None:
    """suggest analyses one chosen document at a time with the project's cue rarity: the
    proposals are those of one analysis of every unit of the project."""
    from qualcode.assist.analysis import analyse_units
    from qualcode.assist.combine import Structure
    from qualcode.assist.propose import propose
    from qualcode.assist.stream import stored_sources
    from qualcode.assist.suggest import load_classifier
    from qualcode.assist.units import load_units
    from qualcode.store import codes as store_codes
    from qualcode.store import documents as store_documents

    learn(sample, coder="researcher", unit="sentence", folds=2, params=FAST)
    chosen = ["ai2-olmo", "eleutherai-pythia", "meta-llama"]
    progress: list[tuple[int, int, str]] = []
    report = suggest(sample, documents=chosen, method=method, dry_run=True,
                     progress=lambda *call: progress.append(call))
    with sample.read() as conn:
        codes = store_codes.list_codes(conn)
        _, fitted = load_classifier(conn, unit="sentence")
        units = load_units(conn)
        sources = stored_sources(conn, store_documents.document_names(conn))
        coded = {(c.document, c.start, c.end, c.code) for c in store_codings.find_codings(conn)}
    whole = analyse_units(units, codes, sources=sources)
    part = whole.subset([i for i, u in enumerate(units) if u.document in chosen])
    proposed = propose(part, Structure.of(codes), method=method, fitted=fitted)
    expected = [(u.document, u.start, p.code, p.score, p.rationale)
                for p, u in ((p, part.units[p.unit]) for p in proposed)
                if (u.document, u.start, u.end, p.code) not in coded]  # suggest skips those
    found = [(s.document, s.start, s.code, s.score, s.rationale) for s in report.suggestions]
    assert sorted(found) == sorted(expected)
    assert len(found) > 20
    assert report.units == len(part.units)
    assert [call[0] for call in progress][-1] == progress[-1][1] == len(part.units)
    assert [call[2].split(" ")[0] for call in progress] == chosen

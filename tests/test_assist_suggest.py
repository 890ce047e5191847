"""Suggestion runs, bulk accept and undo on the small test project."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.assist.runs import accept_suggestions, list_runs, undo_run
from qualcode.assist.suggest import suggest
from qualcode.coding import import_codings
from qualcode.errors import UserError
from qualcode.models import Coding
from qualcode.store import Project
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store.log import list_events
from tests.conftest import assert_invariants


def dump(project: Project) -> list[Coding]:
    """Every coding with every field: the whole coded state of the project."""
    with project.read() as conn:
        return store_codings.find_codings(conn)


def pending(project: Project) -> list[Coding]:
    return [c for c in dump(project) if c.status == "suggested"]


def test_suggest_writes_scored_suggestions_with_evidence(loaded: Project) -> None:
    report = suggest(loaded)
    found = pending(loaded)
    assert report.added == len(found) == 5
    assert {(c.code, c.quote) for c in found} == {
        ("challenge.data-work", "Nobody wanted to clean the data, honestly."),
        ("stage.pre", "Nobody wanted to clean the data, honestly."),
        ("challenge.data-work", "Nobody wanted to clean the data — that sentence again, on purpose."),
        ("stage.pre", "Nobody wanted to clean the data — that sentence again, on purpose."),
        ("stage.release", "After the release people made fine-tunes for Swahili and Yoruba."),
    }
    for coding in found:
        assert (coding.coder, coding.origin, coding.run_id) == ("assistant", "rule", report.run_id)
        assert coding.score is not None
        assert 0 < coding.score <= 1
    data_work = next(c for c in found if c.code == "challenge.data-work")
    assert data_work.rationale is not None
    assert data_work.rationale.startswith('"clean the data" (cue clean the data, ')
    stage = next(c for c in found if c.code == "stage.pre")
    assert stage.rationale is not None
    assert stage.rationale.startswith("implied by challenge.data-work (fixed to stage.pre): ")
    assert report.by_category == {"challenge": 2, "stage": 3}
    assert_invariants(loaded)


def test_every_run_is_recorded_and_logged(loaded: Project) -> None:
    report = suggest(loaded)
    [run] = list_runs(loaded)
    assert (run.id, run.kind, run.actor, run.status) == (report.run_id, "suggest", "assistant", "done")
    assert run.counts == {"added": 5}
    with loaded.read() as conn:
        [event] = list_events(conn, action="suggest.run")
    assert event.entity_id == report.run_id
    assert sorted(event.payload["codings"]) == sorted(c.id for c in pending(loaded))


def test_suggest_is_idempotent(loaded: Project) -> None:
    suggest(loaded)
    before = dump(loaded)
    again = suggest(loaded)
    assert (again.added, again.run_id) == (0, None)
    assert again.skipped == {"suggested": 5}
    assert dump(loaded) == before
    assert len(list_runs(loaded)) == 1  # nothing new: no second run


def test_decisions_are_never_overwritten_and_rejections_not_proposed_again(
    loaded: Project,
) -> None:
    suggest(loaded)
    first, second = sorted((c for c in pending(loaded) if c.code == "challenge.data-work"),
                           key=lambda c: c.start)
    with loaded.write() as conn:
        store_decisions.decide(conn, first.id or 0, status="accepted", coder="alice")
        store_decisions.decide(conn, second.id or 0, status="rejected", coder="alice")
    decided = [c for c in dump(loaded) if c.status != "suggested"]
    again = suggest(loaded)
    assert again.added == 0
    assert again.skipped == {"accepted": 1, "rejected": 1, "suggested": 3}
    assert [c for c in dump(loaded) if c.status != "suggested"] == decided


def test_interviewer_turns_are_skipped_unless_asked_for(loaded: Project) -> None:
    assert suggest(loaded, dry_run=True).units == 10
    report = suggest(loaded, dry_run=True, include_interviewer=True)
    assert report.units == 15  # four interviewer sentences and a heading (role other)
    assert ("stage.release", "And after the release?") in {(s.code, s.quote)
                                                          for s in report.suggestions}


def test_dry_run_writes_nothing(loaded: Project) -> None:
    before = dump(loaded)
    report = suggest(loaded, dry_run=True, code_prefixes=["stage"])
    assert (report.run_id, report.added) == (None, 3)
    assert dump(loaded) == before
    assert list_runs(loaded) == []


def test_code_prefixes_documents_and_turns(loaded: Project) -> None:
    report = suggest(loaded, documents=["interview-a"], code_prefixes=["challenge"], unit="turn",
                     min_score=0.1)
    assert {(c.code, c.document) for c in report.suggestions} == {
        ("challenge.data-work", "interview-a")}
    assert all(c.quote.startswith("It started") or c.quote.startswith("After the release")
               for c in report.suggestions)


def test_suggest_errors(loaded: Project) -> None:
    with pytest.raises(UserError) as info:
        suggest(loaded, code_prefixes=["motivation"])
    assert str(info.value) == "no code matches 'motivation' (see `qualcode codebook show`)"
    with pytest.raises(UserError) as info:
        suggest(loaded, documents=["interview-z"])
    assert str(info.value) == "no document named 'interview-z' (see `qualcode documents`)"
    with pytest.raises(UserError) as info:
        suggest(loaded, unit="paragraph")
    assert str(info.value) == "unknown unit 'paragraph'; use one of sentence, turn"
    with pytest.raises(UserError) as info:
        suggest(loaded, method="model")
    assert str(info.value) == ("the project has no trained model yet "
                               "(train one with `qualcode learn`, or use --method cues)")


def test_undo_a_suggest_run_restores_the_previous_state(loaded: Project, work: Path) -> None:
    import_codings(loaded, work / "codings.csv")
    before = dump(loaded)
    report = suggest(loaded)
    # alice coded the first "clean the data" sentence already: that one is skipped
    assert (report.added, report.skipped) == (4, {"accepted": 1})
    assert report.run_id is not None
    undone = undo_run(loaded, report.run_id)
    assert (undone.removed, undone.kept) == (4, 0)
    assert dump(loaded) == before
    [run] = list_runs(loaded, kind="suggest")
    assert run.status == "undone"
    assert run.counts == {"added": 4, "kept": 0, "removed": 4, "restored": 0}
    with pytest.raises(UserError) as info:
        undo_run(loaded, report.run_id)
    assert str(info.value) == f"run {report.run_id} was already undone (see `qualcode runs`)"


def test_undo_keeps_suggestions_decided_since(loaded: Project) -> None:
    report = suggest(loaded)
    decided = pending(loaded)[0]
    with loaded.write() as conn:
        store_decisions.decide(conn, decided.id or 0, status="rejected", coder="alice")
    undone = undo_run(loaded, report.run_id or "")
    assert (undone.removed, undone.kept) == (4, 1)
    [left] = dump(loaded)
    assert (left.id, left.status, left.coder) == (decided.id, "rejected", "alice")


def test_accept_is_a_dry_run_unless_applied_and_undo_reverses_it(loaded: Project) -> None:
    suggest(loaded)
    before = dump(loaded)
    preview = accept_suggestions(loaded, min_score=0.0, code_prefixes=["stage"])
    assert (preview.applied, preview.total, preview.by_code) == (False, 3, {"stage.pre": 2,
                                                                            "stage.release": 1})
    assert dump(loaded) == before
    applied = accept_suggestions(loaded, min_score=0.0, code_prefixes=["stage"], coder="alice",
                                 apply=True)
    accepted = [c for c in dump(loaded) if c.status == "accepted"]
    assert len(accepted) == 3
    assert {(c.coder, c.origin) for c in accepted} == {("alice", "rule")}
    assert applied.run_id is not None
    undone = undo_run(loaded, applied.run_id)
    assert (undone.restored, undone.kept) == (3, 0)
    assert dump(loaded) == before


def test_accept_filters_and_errors(loaded: Project) -> None:
    suggest(loaded)
    scores = sorted(c.score or 0 for c in pending(loaded))
    report = accept_suggestions(loaded, min_score=scores[-1])
    assert report.total == sum(1 for s in scores if s >= scores[-1])
    assert accept_suggestions(loaded, min_score=0.0, method="model").total == 0
    assert accept_suggestions(loaded, min_score=0.0, document="interview-b").total == 0
    with pytest.raises(UserError) as info:
        accept_suggestions(loaded, min_score=0.5, apply=True)
    assert str(info.value) == ("a coder is needed to accept suggestions: who takes the decision "
                               "(pass --coder NAME)")
    with pytest.raises(UserError) as info:
        accept_suggestions(loaded, min_score=0.5, document="nope")
    assert str(info.value) == "no document named 'nope' (see `qualcode documents`)"


def test_undo_an_import_run(loaded: Project, work: Path) -> None:
    before = dump(loaded)
    imported = import_codings(loaded, work / "codings.csv")
    assert imported.run_id is not None
    assert imported.added == 6
    undone = undo_run(loaded, imported.run_id, actor="bob")
    assert (undone.kind, undone.removed) == ("import", 6)
    assert dump(loaded) == before
    with loaded.read() as conn:
        removed = list_events(conn, action="coding.remove")
    assert len(removed) == 6  # each one can be brought back with `qualcode restore`


def test_suggest_needs_a_codebook(project: Project, work: Path) -> None:
    from qualcode.corpus import ingest_paths

    ingest_paths(project, [work / "interview-a.txt"])
    with pytest.raises(UserError) as info:
        suggest(project)
    assert str(info.value) == ("the project has no codebook yet "
                               "(load one with `qualcode codebook load FILE`)")


def test_undo_errors(loaded: Project) -> None:
    with pytest.raises(UserError) as info:
        undo_run(loaded, "suggest-nothing")
    assert str(info.value) == "no run 'suggest-nothing' (see `qualcode runs`)"


def test_progress_reports_documents_and_units(loaded: Project) -> None:
    calls: list[tuple[int, int, str]] = []
    suggest(loaded, dry_run=True, progress=lambda done, total, item: calls.append((done, total, item)))
    assert calls == [(1, 2, "interview-a (7 units)"), (2, 2, "interview-b (10 units)")]

"""How a suggestion run writes: in batches of documents, with the same guarantees.

A run checks the codings already there and inserts its suggestions for many documents at
a time. Whatever the batch size, it writes the same suggestions, skips the same spans,
and ``undo`` removes exactly what it added.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.assist.propose import Proposal
from qualcode.assist.runs import list_runs, undo_run
from qualcode.assist.suggest import SuggestReport, _Run, suggest
from qualcode.assist.units import Unit
from qualcode.errors import CodingError
from qualcode.models import Coding
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store.log import list_events
from qualcode.store.runs import start_run
from tests.conftest import REPO, assert_invariants

SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "open-llm-collaboration.yaml"

Key = tuple[str, int, int, str]


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample (codebook, 14 interviews, 600 codings by ``researcher``), built once."""
    from qualcode.coding import import_codings
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook

    path = tmp_path_factory.mktemp("sample") / "sample.db"
    with open_project(path) as project:
        install_codebook(project, CODEBOOK)
        assert not ingest_paths(project, [SAMPLE], cases=SAMPLE / "cases.csv").failed
        assert import_codings(project, SAMPLE / "codings.csv").committed
    return path


@pytest.fixture
def sample(sample_file: Path, tmp_path: Path) -> Iterator[Project]:
    copy = tmp_path / "sample.db"
    shutil.copy(sample_file, copy)
    with open_project(copy) as project:
        yield project


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document in a batch of its own, and a batch for every two proposals."""
    monkeypatch.setattr(_Run, "BATCH_DOCUMENTS", 1)
    monkeypatch.setattr(_Run, "BATCH_PROPOSALS", 2)


def codings(project: Project) -> list[Coding]:
    with project.read() as conn:
        return store_codings.find_codings(conn)


def content(found: list[Coding]) -> list[tuple[object, ...]]:
    """What a coding says, without its id, time stamp and run."""
    return sorted((c.document, c.start, c.end, c.code, c.quote, c.coder, c.origin, c.status,
                   c.score, c.rationale) for c in found)


def key(coding: Coding) -> Key:
    return coding.document, coding.start, coding.end, coding.code


def test_batches_of_any_size_write_the_same_suggestions(
    sample: Project, sample_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = suggest(sample)
    other = tmp_path / "other.db"
    shutil.copy(sample_file, other)
    monkeypatch.setattr(_Run, "BATCH_DOCUMENTS", 3)
    monkeypatch.setattr(_Run, "BATCH_PROPOSALS", 7)
    with open_project(other) as project:
        batched = suggest(project)
        assert content(codings(project)) == content(codings(sample))
    assert whole.added > 1000
    assert (batched.added, batched.skipped, batched.by_code, batched.by_category) == (
        whole.added, whole.skipped, whole.by_code, whole.by_category)
    assert content(batched.suggestions) == content(whole.suggestions)


@pytest.mark.usefixtures("small_batches")
def test_a_run_over_many_documents_skips_the_spans_decided_in_each(
    sample_file: Path, tmp_path: Path
) -> None:
    # what the cues propose when nothing is coded yet
    shutil.copy(sample_file, tmp_path / "bare.db")
    with open_project(tmp_path / "bare.db") as bare:
        with bare.write() as conn:
            conn.exec_driver_sql("DELETE FROM codings")
        proposed = {key(c) for c in suggest(bare, dry_run=True).suggestions}
    shutil.copy(sample_file, tmp_path / "coded.db")
    with open_project(tmp_path / "coded.db") as coded:
        accepted = {key(c) for c in codings(coded)}
        report = suggest(coded)
        found = codings(coded)
    in_the_way = proposed & accepted
    by_document = Counter(document for document, *_ in in_the_way)
    assert len(by_document) >= 5  # several documents have decided spans the cues propose
    assert report.skipped == {"accepted": len(in_the_way)}
    added = {key(c) for c in found if c.status == "suggested"}
    assert added == proposed - accepted
    assert report.added == len(added)
    assert len(found) == len({key(c) for c in found})  # no key twice


def test_a_run_after_an_undone_one_records_exactly_its_codings(sample: Project) -> None:
    first = suggest(sample, code_prefixes=["stage"])
    assert first.run_id is not None
    undo_run(sample, first.run_id)  # the highest ids are free again
    again = suggest(sample, code_prefixes=["stage", "challenge"])
    ids = sorted(c.id or 0 for c in codings(sample) if c.run_id == again.run_id)
    with sample.read() as conn:
        events = list_events(conn, action="suggest.run")
    [event] = [e for e in events if e.entity_id == again.run_id]
    assert event.payload["codings"] == ids
    assert len(ids) == again.added > first.added
    undo_run(sample, again.run_id or "")


@pytest.mark.usefixtures("small_batches")
def test_undo_after_a_batched_run_removes_exactly_its_codings(sample: Project) -> None:
    before = codings(sample)
    report = suggest(sample, code_prefixes=["stage"])
    assert report.run_id is not None
    after = codings(sample)
    added = [c for c in after if c.run_id == report.run_id]
    assert len(added) == report.added == len(after) - len(before)
    with sample.read() as conn:
        [event] = list_events(conn, action="suggest.run")
    assert event.payload["codings"] == sorted(c.id or 0 for c in added)
    assert_invariants(sample)
    undone = undo_run(sample, report.run_id)
    assert (undone.removed, undone.kept) == (report.added, 0)
    assert codings(sample) == before


@pytest.mark.usefixtures("small_batches")
def test_a_second_batched_run_adds_nothing_and_records_no_run(sample: Project) -> None:
    first = suggest(sample)
    state = codings(sample)
    again = suggest(sample)
    assert (again.added, again.run_id) == (0, None)
    assert again.skipped == {"accepted": first.skipped["accepted"], "suggested": first.added}
    assert codings(sample) == state
    assert len(list_runs(sample, kind="suggest")) == 1


def test_a_document_met_twice_in_one_run_is_suggested_once(loaded: Project) -> None:
    sentence = "Nobody wanted to clean the data, honestly."
    with loaded.read() as conn:
        text = conn.exec_driver_sql(
            "SELECT text FROM documents WHERE name = 'interview-a'").scalar_one()
    start = text.index(sentence)
    unit = Unit("interview-a", start, start + len(sentence), 1, "P01", "participant", sentence)
    proposal = Proposal(0, "challenge.data-work", 0.5, "cues", "why")
    report = SuggestReport("cues", "sentence", dry_run=False)
    run = _Run(report, {"interview-a"}, {"challenge.data-work"}, True, {})
    with loaded.write() as conn:
        # the same proposal twice in one group is written twice (as before batching); in a
        # later group it is in the way of itself
        found = iter([([unit], [proposal]), ([unit], [proposal])])
        run.write(conn, found, categories={"challenge.data-work": "challenge"})
    assert (report.added, report.skipped) == (1, {"suggested": 1})
    [coding] = [c for c in codings(loaded) if c.status == "suggested"]
    assert (coding.quote, coding.origin, coding.run_id) == (sentence, "rule", report.run_id)
    assert report.suggestions == [Coding(
        "interview-a", unit.start, unit.end, sentence, "challenge.data-work", "assistant",
        "rule", "suggested", 0.5, "why", run_id=report.run_id)]


def test_insert_suggestions_refuses_a_bad_quote_and_writes_nothing(loaded: Project) -> None:
    with loaded.read() as conn:
        text = conn.exec_driver_sql(
            "SELECT text FROM documents WHERE name = 'interview-a'").scalar_one()
    good = ("interview-a", 0, 2, text[0:2], "challenge.data-work", "rule", 0.5, "why")
    rest = good[4:]
    cases = {
        "interview-a: quote does not match the text at 2-4": ("interview-a", 2, 4, "zz", *rest),
        f"interview-a: span 0-{len(text) + 1} is outside the document (0-{len(text)})":
            ("interview-a", 0, len(text) + 1, text + "x", *rest),
        "no document named 'interview-z'": ("interview-z", *good[1:]),
    }

    def insert(bad: store_decisions.Suggestion) -> None:
        with loaded.write() as conn:
            run_id = start_run(conn, kind="suggest", actor="assistant", params={})
            store_decisions.insert_suggestions(conn, [good, bad], coder="assistant",
                                               run_id=run_id)

    for message, bad in cases.items():
        with pytest.raises(CodingError) as info:
            insert(bad)
        assert str(info.value) == message
    assert codings(loaded) == []
    assert list_runs(loaded) == []

"""Ingesting into a project: batches, failures, re-ingest, replace and cases."""

from __future__ import annotations

from pathlib import Path

from qualcode.coding import add_coding, import_codings
from qualcode.corpus import ingest_paths
from qualcode.project import list_cases, list_documents
from qualcode.store import Project
from qualcode.store import codings as store_codings
from qualcode.store.log import list_events
from tests.conftest import assert_invariants, file_digest


def test_batch_ingest_with_cases(loaded: Project) -> None:
    docs = {d.name: d for d in list_documents(loaded)}
    assert set(docs) == {"interview-a", "interview-b"}
    assert docs["interview-a"].case == "Community A"
    assert docs["interview-a"].participants == 1
    assert docs["interview-a"].turns == 4
    cases = {name: attrs for name, _, attrs in list_cases(loaded)}
    assert cases["Community A"] == {"organisation": "Volunteer collective", "region": "Africa"}
    # front matter travels with the document into its case
    assert cases["Lab B"]["interview_date"] == "2025-03-14"
    assert "interview-a" not in cases  # the automatic per-document cases are gone
    assert "interview-b" not in cases
    assert_invariants(loaded)


def test_reingesting_the_same_file_is_a_no_op(loaded: Project, work: Path) -> None:
    assert loaded.path is not None
    before = file_digest(loaded.path)
    report = ingest_paths(loaded, [work / "interview-a.txt"])
    assert [o.action for o in report.outcomes] == ["unchanged"]
    assert file_digest(loaded.path) == before


def test_failing_file_leaves_the_project_unchanged(loaded: Project, work: Path) -> None:
    assert loaded.path is not None
    (work / "empty.txt").write_text("", encoding="utf-8")
    (work / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    before = file_digest(loaded.path)
    report = ingest_paths(loaded, [work / "empty.txt", work / "binary.txt"])
    assert [o.action for o in report.outcomes] == ["failed", "failed"]
    assert all(o.message and str(work) in o.message for o in report.outcomes)
    assert file_digest(loaded.path) == before


def test_good_files_of_a_batch_go_in_when_one_fails(project: Project, work: Path) -> None:
    (work / "empty.txt").write_text("  \n", encoding="utf-8")
    report = ingest_paths(project, [work])
    actions = {Path(o.path).name: o.action for o in report.outcomes}
    assert actions == {"empty.txt": "failed", "interview-a.txt": "added", "interview-b.md": "added"}


def test_changed_text_with_codings_is_refused_without_replace(loaded: Project, work: Path) -> None:
    import_codings(loaded, work / "codings.csv")
    path = work / "interview-a.txt"
    path.write_text("Preface line.\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest_paths(loaded, [path])
    (outcome,) = report.outcomes
    assert outcome.action == "refused"
    assert outcome.message == (f"{path}: the text of 'interview-a' changed and it has 5 coding(s); "
                               "pass --replace to re-anchor them by their quotes")


def test_replace_reanchors_and_reports_lost_codings(loaded: Project, work: Path) -> None:
    import_codings(loaded, work / "codings.csv")
    add_coding(loaded, document="interview-a", code="domain.models", coder="bob",
               quote="The café near the office had good coffee ☕ too.")
    path = work / "interview-a.txt"
    changed = path.read_text(encoding="utf-8").replace(
        "The café near the office had good coffee ☕ too.", "")
    path.write_text("Preface line.\n" + changed, encoding="utf-8")
    report = ingest_paths(loaded, [path], replace=True)
    (outcome,) = report.outcomes
    assert outcome.action == "replaced"
    assert outcome.moved == 5
    assert [c.quote for c in outcome.lost] == ["The café near the office had good coffee ☕ too."]
    with loaded.read() as conn:
        assert len(store_codings.find_codings(conn, document="interview-a")) == 5
        assert [e.action for e in list_events(conn, action="coding.lost")] == ["coding.lost"]
    assert_invariants(loaded)


def test_unknown_names_in_cases_file_are_reported(project: Project, work: Path) -> None:
    cases = work / "cases.csv"
    cases.write_text(cases.read_text(encoding="utf-8") + "interview-z,Z,Nobody,Europe\n", encoding="utf-8")
    report = ingest_paths(project, [work / "interview-a.txt"], cases=cases)
    assert report.unknown_cases == [
        f"{cases}:3: 'interview-b' matches no document or case",
        f"{cases}:4: 'interview-z' matches no document or case",
    ]

"""Ingesting into a project: batches, failures, re-ingest, replace and cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.coding import add_coding, import_codings
from qualcode.corpus import ingest_paths
from qualcode.ingest import ReadOptions
from qualcode.project import list_cases, list_documents
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from qualcode.store.log import list_events
from tests.conftest import DATA, assert_invariants, file_digest


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


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table that ingest writes, without the times of day."""
    import sqlite3

    queries = {
        "documents": "SELECT d.name, source_path, source_sha256, format, text, text_sha256, "
                     "c.name, attributes FROM documents d LEFT JOIN cases c ON c.id = d.case_id "
                     "ORDER BY d.id",
        "turns": "SELECT document_id, idx, speaker, role, start, \"end\", media_start, media_end "
                 "FROM turns ORDER BY id",
        "segments": "SELECT document_id, turn_idx, kind, start, \"end\" FROM segments ORDER BY id",
        "cases": "SELECT c.name, key, value FROM cases c LEFT JOIN case_attributes a "
                 "ON a.case_id = c.id ORDER BY c.id, key",
        "events": "SELECT actor, action, entity, entity_id, payload FROM events ORDER BY id",
    }
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(sql).fetchall() for table, sql in queries.items()}
    finally:
        connection.close()


SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"


def test_two_processes_give_the_same_project_as_one(tmp_path: Path, work: Path) -> None:
    (work / "empty.txt").write_text("  \n", encoding="utf-8")
    paths = [SAMPLE, work / "empty.txt", work / "missing.txt", work / "interview-a.txt",
             DATA / "ingest" / "answers.csv"]
    options = ReadOptions(text_column="answer", id_column="id")
    reports, contents = [], []
    for processes in (1, 2):
        path = tmp_path / f"p{processes}.db"
        with open_project(path) as project:
            reports.append(ingest_paths(project, paths, options=options, processes=processes,
                                        cases=SAMPLE / "cases.csv"))
        contents.append(_contents(path))
    assert reports[0] == reports[1]
    assert contents[0] == contents[1]
    failed = [Path(o.path).name for o in reports[0].outcomes if o.action == "failed"]
    # the sample folder's tables are read as answer tables too (--text-column) and fail
    assert failed == ["cases.csv", "codings-coder2.csv", "codings.csv", "empty.txt", "missing.txt"]
    assert [o.action for o in reports[0].outcomes].count("added") == 14 + 1 + 3
    assert len(contents[0]["segments"]) > 1000


def _count_writes(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list that counts the project's write transactions from now on."""
    count = [0]
    write = project.write

    def counted() -> object:
        count[0] += 1
        return write()

    monkeypatch.setattr(project, "write", counted)
    return count


def test_documents_are_written_in_batches(project: Project, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode import corpus

    monkeypatch.setattr(corpus, "BATCH_DOCUMENTS", 5)
    monkeypatch.setattr(corpus, "BATCH_SECONDS", 1e9)  # a slow machine would cut batches sooner
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(12):
        (folder / f"i{number:02d}.txt").write_text(f"A: Answer {number}. Yes.\n", encoding="utf-8")
    transactions = _count_writes(project, monkeypatch)
    report = ingest_paths(project, [folder])
    assert [o.action for o in report.outcomes] == ["added"] * 12
    assert transactions == [3]  # 5 + 5 + 2 documents
    assert [o.sentences for o in report.outcomes[:2]] == [2, 2]
    assert_invariants(project)


def test_a_busy_project_fails_the_documents_of_the_batch(project: Project, work: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.errors import ProjectError

    def busy() -> object:
        raise ProjectError("the project is busy", path="p.db")

    monkeypatch.setattr(project, "write", busy)
    report = ingest_paths(project, [work / "interview-a.txt", work / "interview-b.md"])
    assert [(o.action, o.message) for o in report.outcomes] == [
        ("failed", "p.db: the project is busy")] * 2
    assert list_documents(project) == []


def test_a_document_that_fails_to_store_leaves_no_trace(project: Project, work: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode import corpus
    from qualcode.errors import UserError

    add = corpus._add

    def fail_on_b(conn: object, item: corpus.PreparedDocument, *args: object,
                  **kwargs: object) -> object:
        result = add(conn, item, *args, **kwargs)  # type: ignore[arg-type]
        if item.doc.name == "interview-b":
            raise UserError("cannot store it")
        return result

    monkeypatch.setattr(corpus, "_add", fail_on_b)
    report = ingest_paths(project, [work / "interview-a.txt", work / "interview-b.md"])
    assert [(o.action, o.message) for o in report.outcomes] == [
        ("added", None), ("failed", "cannot store it")]
    assert [d.name for d in list_documents(project)] == ["interview-a"]
    with project.read() as conn:
        assert [e.action for e in list_events(conn)] == ["document.add"]
    assert_invariants(project)


def test_cli_ingest_with_two_processes(invoke: Callable[..., Result]) -> None:
    result = invoke("ingest", "interview-a.txt", "interview-b.md", "--processes", "2",
                    "--project", "p2.db")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines()[-1] == "2 added; 0 case row(s) applied"
    bad = invoke("ingest", "interview-a.txt", "--processes", "0", "--project", "p2.db")
    assert bad.exit_code == 2
    assert "Invalid value for '--processes': 0 is not in the range x>=1." in bad.stderr


def test_a_table_of_answers_is_written_in_several_batches(project: Project, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode import corpus

    monkeypatch.setattr(corpus, "BATCH_DOCUMENTS", 4)
    monkeypatch.setattr(corpus, "BATCH_SECONDS", 1e9)
    table = tmp_path / "answers.csv"
    table.write_text("id,answer\n" + "".join(f"R{n},Answer {n}. Fine.\n" for n in range(10)),
                     encoding="utf-8")
    transactions = _count_writes(project, monkeypatch)
    report = ingest_paths(project, [table], options=ReadOptions(text_column="answer",
                                                                id_column="id"))
    assert [o.document for o in report.outcomes] == [f"R{n}" for n in range(10)]
    assert {o.action for o in report.outcomes} == {"added"}
    assert transactions == [3]  # 4 + 4 + 2 answers

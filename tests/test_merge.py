"""Merging projects: the union of codes, cases, documents and codings, idempotently."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from qualcode.coding import import_codings
from qualcode.corpus import ingest_paths
from qualcode.errors import UserError
from qualcode.merge import MergeConflicts, merge_project
from qualcode.project import install_codebook
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store import open_project
from qualcode.store.log import list_events
from tests.conftest import assert_invariants, file_digest

DATA = Path(__file__).parent / "data"
PROJECT = DATA / "project"
AGREEMENT = DATA / "agreement"
SAMPLE = Path(__file__).parents[1] / "transcripts_sample"
CODEBOOK = Path(__file__).parents[1] / "codebooks" / "open-llm-collaboration.yaml"
Invoke = Callable[..., Result]


def _project(path: Path, files: list[Path], codings: list[Path], *,
             codebook: Path = PROJECT / "codebook.yaml", cases: Path | None = PROJECT / "cases.csv") -> Path:
    with open_project(path) as project:
        install_codebook(project, codebook)
        report = ingest_paths(project, files, cases=cases)
        assert not report.failed
        for sheet in codings:
            assert import_codings(project, sheet, skip_bad=True).committed
    return path


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    """interview-a coded by alice."""
    return _project(tmp_path / "ours.db", [PROJECT / "interview-a.txt"], [AGREEMENT / "alice.csv"])


@pytest.fixture
def theirs(tmp_path: Path) -> Path:
    """Both interviews coded by bob."""
    return _project(tmp_path / "theirs.db", [PROJECT / "interview-a.txt", PROJECT / "interview-b.md"],
                    [AGREEMENT / "bob.csv"])


def _codings(path: Path) -> list[tuple[str, int, int, str, str]]:
    with open_project(path, create=False) as project, project.read() as conn:
        return sorted((c.document, c.start, c.end, c.code, c.coder)
                      for c in store_codings.find_codings(conn))


def test_merge_brings_in_documents_and_codings_and_is_idempotent(ours: Path, theirs: Path) -> None:
    before = file_digest(theirs)
    expected = sorted(_codings(ours) + _codings(theirs))
    with open_project(ours) as project:
        report = merge_project(project, theirs)
        assert report.documents_copied == ["interview-b"]
        assert report.documents_matched == ["interview-a"]
        assert report.cases_added == ["Lab B"]
        assert (report.codings_added, report.codings_present) == (5, 0)
        again = merge_project(project, theirs)
        assert (again.codings_added, again.codings_present, again.documents_copied) == (0, 5, [])
        assert_invariants(project)
        with project.read() as conn:
            copied = store_documents.find_document(conn, "interview-b")
            assert copied is not None
            assert copied.case == "Lab B"
            assert len(store_documents.document_segments(conn, copied.id, "sentence")) == 5
            assert len(store_documents.document_turns(conn, copied.id)) == 3
            assert [e.action for e in list_events(conn, limit=2)] == ["project.merge", "project.merge"]
    assert _codings(ours) == expected
    assert file_digest(theirs) == before
    assert not Path(f"{theirs}-wal").exists()


def test_merging_the_other_way_gives_the_same_union(ours: Path, theirs: Path) -> None:
    expected = sorted(_codings(ours) + _codings(theirs))
    with open_project(theirs) as project:
        report = merge_project(project, ours)
    assert (report.documents_copied, report.codings_added) == ([], 4)
    assert _codings(theirs) == expected


def test_coder_map_renames_their_coders(ours: Path, theirs: Path) -> None:
    with open_project(ours) as project:
        report = merge_project(project, theirs, coder_map={"bob": "bob-2"})
        assert report.coders == {"bob": "bob-2"}
        with pytest.raises(UserError) as caught:
            merge_project(project, theirs, coder_map={"zed": "z"})
    assert {c[4] for c in _codings(ours)} == {"alice", "bob-2"}
    assert str(caught.value) == f"{theirs}: no coder 'zed' in the other project; its coders: bob"


def test_codings_on_a_changed_text_are_placed_by_quote_or_reported(tmp_path: Path, ours: Path) -> None:
    text = (PROJECT / "interview-a.txt").read_text(encoding="utf-8")
    changed = tmp_path / "changed" / "interview-a.txt"
    changed.parent.mkdir()
    changed.write_text("Interviewer: A new first line.\n\n" + text.replace("honestly", "frankly"),
                       encoding="utf-8")
    sheet = tmp_path / "codings.csv"
    sheet.write_text("document,code,quote,coder\n"
                     "interview-a,challenge.data-work,\"Nobody wanted to clean the data, frankly.\",carol\n"
                     "interview-a,domain.compute,We had compute from a public cluster,carol\n"
                     "interview-a,stage.release,After the release,carol\n", encoding="utf-8")
    other = _project(tmp_path / "changed.db", [changed], [sheet], cases=None)
    with open_project(ours) as project:
        report = merge_project(project, other)
        assert_invariants(project)
    assert report.documents_reanchored == ["interview-a"]
    assert (report.codings_moved, report.codings_added) == (2, 2)
    assert report.conflicts == []
    assert report.codings_lost == [
        ("interview-a: challenge.data-work by carol: quote not found here: 'Nobody wanted to clean "
         "the data, frankly.'")]
    assert sorted(c[3] for c in _codings(ours) if c[4] == "carol") == ["domain.compute",
                                                                        "stage.release"]


def _conflicting_codebook(tmp_path: Path) -> Path:
    text = (PROJECT / "codebook.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "codebook.yaml"
    changed.write_text(text.replace("Nobody wants to do data work.", "Data work gets no credit.")
                       + "      - id: domain.evaluation\n        name: Evaluation\n", encoding="utf-8")
    return changed


def test_conflicts_stop_the_merge_unless_a_rule_is_chosen(tmp_path: Path, ours: Path) -> None:
    other = _project(tmp_path / "other.db", [PROJECT / "interview-b.md"], [AGREEMENT / "bob.csv"],
                     codebook=_conflicting_codebook(tmp_path))
    before = file_digest(ours)
    with open_project(ours) as project, pytest.raises(MergeConflicts) as caught:
        merge_project(project, other)
    assert caught.value.lines() == [
        f"{other}: code 'challenge.data-work' has another definition in the other project",
        f"{other}: nothing was merged; choose with --on-conflict keep (ours) or --on-conflict theirs",
    ]
    assert file_digest(ours) == before
    with open_project(ours) as project:
        kept = merge_project(project, other, on_conflict="keep")
        with project.read() as conn:
            codes = {c.id: c for c in store_codes.list_codes(conn)}
        assert codes["challenge.data-work"].definition == "Nobody wants to do data work."
        assert kept.codes_added == ["domain.evaluation"]
        taken = merge_project(project, other, on_conflict="theirs")
        with project.read() as conn:
            codes = {c.id: c for c in store_codes.list_codes(conn)}
            replaced = list_events(conn, action="code.replace")
        assert taken.codes_replaced == ["challenge.data-work"]
        assert codes["challenge.data-work"].definition == "Data work gets no credit."
        assert replaced[0].payload["old"]["definition"] == "Nobody wants to do data work."
        assert merge_project(project, other).conflicts == []


def test_case_attribute_conflicts(tmp_path: Path, ours: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("document,case,organisation,region\ninterview-a,Community A,Volunteer collective,"
                     "Europe\n", encoding="utf-8")
    other = _project(tmp_path / "other.db", [PROJECT / "interview-a.txt"], [AGREEMENT / "bob.csv"],
                     cases=cases)
    with open_project(ours) as project:
        with pytest.raises(MergeConflicts) as caught:
            merge_project(project, other)
        merge_project(project, other, on_conflict="keep")
        with project.read() as conn:
            (case,) = [c for c in store_cases.list_cases(conn) if c.name == "Community A"]
    assert caught.value.lines()[0] == (f"{other}: case 'Community A': region is 'Africa' here and "
                                       "'Europe' in the other project")
    assert case.attributes["region"] == "Africa"


def test_merge_refuses_itself_and_missing_projects(tmp_path: Path, ours: Path) -> None:
    with open_project(ours) as project:
        with pytest.raises(UserError) as itself:
            merge_project(project, ours)
        with pytest.raises(UserError) as missing:
            merge_project(project, tmp_path / "nowhere.db")
        with pytest.raises(UserError) as rule:
            merge_project(project, ours, on_conflict="mine")
    assert str(itself.value) == f"{ours}: cannot merge a project into itself"
    assert str(missing.value) == (f"{tmp_path / 'nowhere.db'}: no project here (give the path of the "
                                  "other project file)")
    assert str(rule.value) == "unknown conflict rule 'mine'; use one of fail, keep, theirs"


def test_merge_command(invoke: Invoke, theirs: Path) -> None:
    assert invoke("codebook", "load", "codebook.yaml").exit_code == 0
    assert invoke("ingest", "interview-a.txt").exit_code == 0
    result = invoke("merge", str(theirs), "--coder-map", "bob=bobby")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"merged {theirs}: 0 code(s), 2 case(s), 1 document(s) copied, 1 "
                                    "matched, 0 with another text; 5 coding(s) added, 0 already here")
    again = invoke("merge", str(theirs), "--coder-map", "bob=bobby", "--json")
    assert '"codings_added": 0' in again.stdout
    bad = invoke("merge", str(theirs), "--coder-map", "bob")
    assert bad.exit_code == 2
    assert "Invalid value for '--coder-map': 'bob' is not OLD=NEW" in bad.stderr


# -- the sample: the researcher's project and the second coder's project ------------------

@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pair")
    docs = [SAMPLE / n for n in ("ai2-olmo.md", "eleutherai-pythia.txt", "masakhane.md",
                                 "opengpt-x-teuken.txt")]
    base = _project(folder / "base.db", docs, [], codebook=CODEBOOK, cases=SAMPLE / "cases.csv")
    assert not Path(f"{base}-wal").exists()
    researcher, second = folder / "researcher.db", folder / "second.db"
    shutil.copy(base, researcher)
    shutil.copy(base, second)
    with open_project(researcher) as project:
        assert import_codings(project, SAMPLE / "codings.csv", skip_bad=True).added == 170
    with open_project(second) as project:
        ingest_paths(project, [SAMPLE / "meta-llama.txt"], cases=SAMPLE / "cases.csv")
        assert import_codings(project, SAMPLE / "codings-coder2.csv").added == 207
    return researcher, second


def test_sample_merge_gives_the_union_idempotently(sample_pair: tuple[Path, Path]) -> None:
    researcher, second = sample_pair
    expected = sorted(_codings(researcher) + _codings(second))
    before = file_digest(second)
    with open_project(researcher) as project:
        first = merge_project(project, second)
        again = merge_project(project, second)
        assert_invariants(project)
        with project.read() as conn:
            names = store_documents.document_names(conn)
    assert (first.codings_added, first.documents_copied, first.conflicts) == (207, ["meta-llama"], [])
    assert (again.codings_added, again.codings_present) == (0, 207)
    assert _codings(researcher) == expected
    assert len(names) == 5
    assert file_digest(second) == before

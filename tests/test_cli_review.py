"""`qualcode review` driven through stdin, and the spreadsheet round trip from the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import Workbook, load_workbook

from qualcode.cli import review as cli_review
from qualcode.corpus import ingest_paths
from qualcode.models import Coding
from qualcode.project import install_codebook
from qualcode.review import apply_decision
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from tests.conftest import assert_invariants
from tests.test_review import COMPUTE, DATA, RELEASE, add_suggestions, fill, row_of

Invoke = Callable[..., Result]


@pytest.fixture
def ids(work: Path) -> dict[str, int]:
    """qualcode.db in the work folder: the test codebook, both interviews, four suggestions."""
    with open_project(work / "qualcode.db") as project:
        install_codebook(project, work / "codebook.yaml")
        ingest_paths(project, [work / "interview-a.txt", work / "interview-b.md"],
                     cases=work / "cases.csv")
        return add_suggestions(project)


@pytest.fixture
def proj(work: Path) -> Iterator[Project]:
    with open_project(work / "qualcode.db", create=False) as opened:
        yield opened


def state(project: Project) -> dict[int, Coding]:
    with project.read() as conn:
        return {c.id or 0: c for c in store_codings.find_codings(conn)}


def statuses(project: Project, ids: dict[str, int]) -> dict[str, tuple[str, str]]:
    found = state(project)
    return {name: (found[i].status, found[i].coder) for name, i in ids.items()}


PENDING = ("suggested", "assistant")


def test_each_key_is_saved_and_quitting_keeps_them(invoke: Invoke, ids: dict[str, int],
                                                   proj: Project) -> None:
    result = invoke("review", "--coder", "alice", input="a\nr\nq\n")
    assert result.exit_code == 0
    assert result.stderr == ("accepted 1, rejected 1, changed 0, skipped 0 (widened 0, "
                             "narrowed 0, memos 0); 2 not seen\n")
    assert "suggestion 1 of 4" in result.stdout
    assert "▶ We had compute from a public cluster, which was a gift." in result.stdout
    assert "Evidence  cue \"compute\" matched; cue \"public cluster\"" in result.stdout
    assert f"accept: coding {ids['compute']}" in result.stdout
    assert statuses(proj, ids) == {"compute": ("accepted", "alice"),
                                      "data": ("rejected", "alice"),
                                      "release": PENDING, "secret": PENDING}
    assert_invariants(proj)


def test_end_of_input_ends_the_review(invoke: Invoke, ids: dict[str, int],
                                      proj: Project) -> None:
    result = invoke("review", "--coder", "alice", "--code", "stage", input="a\n")
    assert result.exit_code == 0
    assert "No suggestion left in this review." in result.stdout
    assert statuses(proj, ids)["release"] == ("accepted", "alice")


def test_a_crash_mid_way_loses_no_decision(invoke: Invoke, ids: dict[str, int], proj: Project,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    keys = iter(["a", "s", "r"])

    def key(self: cli_review.Keys) -> str:
        try:
            return next(keys)
        except StopIteration:
            raise RuntimeError("the terminal went away") from None

    monkeypatch.setattr(cli_review.Keys, "key", key)
    with pytest.raises(RuntimeError):
        invoke("review", "--coder", "alice")
    assert statuses(proj, ids) == {"compute": ("accepted", "alice"), "data": PENDING,
                                      "release": ("rejected", "alice"), "secret": PENDING}


def test_ctrl_c_keeps_decisions_and_exits_130(invoke: Invoke, ids: dict[str, int],
                                              proj: Project,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    keys = iter(["r"])

    def key(self: cli_review.Keys) -> str:
        try:
            return next(keys)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(cli_review.Keys, "key", key)
    result = invoke("review", "--coder", "alice")
    assert result.exit_code == 130
    assert result.stderr == ("accepted 0, rejected 1, changed 0, skipped 0 (widened 0, "
                             "narrowed 0, memos 0); 3 not seen\n"
                             "Interrupted; every decision so far is saved.\n")
    assert statuses(proj, ids)["compute"] == ("rejected", "alice")


def test_undo_restores_the_suggestion_exactly(invoke: Invoke, ids: dict[str, int],
                                              proj: Project) -> None:
    before = state(proj)
    result = invoke("review", "--coder", "alice", input="c\n1\nw\nm\nsee P01\nu\nu\nu\nu\nq\n")
    assert result.exit_code == 0
    assert "undid memo of coding" in result.stdout
    assert "undid change of coding" in result.stdout
    assert "nothing to undo" in result.stdout
    assert state(proj) == before


def test_change_code_by_number_name_and_a_bad_answer(invoke: Invoke, ids: dict[str, int],
                                                     proj: Project) -> None:
    result = invoke("review", "--coder", "alice",
                    input="c\nnope\nc\n\nc\n1\nc\nPre-training\nq\n")
    assert result.exit_code == 0
    assert "  1  domain.models  Models" in result.stdout
    assert "Error: unknown code 'nope' (see `qualcode codebook show`)" in result.stdout
    assert "change cancelled" in result.stdout
    assert f"changed coding {ids['compute']} to domain.models" in result.stdout
    assert f"changed coding {ids['data']} to stage.pre" in result.stdout
    accepted = sorted((c.quote, c.code) for c in state(proj).values()
                      if c.status == "accepted" and c.origin == "human")
    assert accepted == sorted([(COMPUTE, "domain.models"), (DATA, "stage.pre")])
    assert statuses(proj, ids)["compute"] == ("rejected", "alice")


def test_widen_narrow_and_memo_keys(invoke: Invoke, ids: dict[str, int],
                                    proj: Project) -> None:
    result = invoke("review", "--coder", "alice", "--doc", "interview-a", "--order", "document",
                    input="w\nw\nm\nturn about the start\na\nn\nq\n")
    assert result.exit_code == 0
    assert (f"Error: suggestion {ids['data']} already covers its whole turn"
            in result.stdout)
    found = state(proj)
    widened = found[ids["data"]]
    assert widened.quote.startswith("It started with a handful")
    assert (widened.status, widened.memo) == ("accepted", "turn about the start")
    assert found[ids["compute"]].quote == COMPUTE  # narrowing a sentence changes nothing
    assert "Error: suggestion" in result.stdout
    assert "already covers one sentence" in result.stdout
    assert_invariants(proj)


def test_help_and_unknown_keys(invoke: Invoke, ids: dict[str, int]) -> None:
    result = invoke("review", "--coder", "alice", input="?\nx\nq\n")
    assert "u  undo the last step (decisions are put back exactly)" in result.stdout
    assert "unknown key 'x': press ? for help" in result.stdout


def test_review_without_suggestions_or_coder(invoke: Invoke, ids: dict[str, int]) -> None:
    result = invoke("review", "--coder", "alice", "--doc", "nobody")
    assert (result.exit_code, result.stderr) == (0, "no pending suggestions to review\n")
    result = invoke("review")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: --coder is required: who takes the decisions"
    result = invoke("review", "--export", "a.xlsx", "--import", "b.xlsx")
    assert result.stderr.splitlines()[-1] == "Error: give --export or --import, not both"


def test_sheet_round_trip_reports_stale_rows(invoke: Invoke, ids: dict[str, int],
                                             proj: Project) -> None:
    result = invoke("review", "--export", "review.xlsx", "--code", "domain")
    assert (result.exit_code, result.stderr) == (0, "wrote 2 suggestion(s) to review.xlsx\n")
    sheet = Path("review.xlsx")
    assert [r[0] for r in load_workbook(sheet)["review"].iter_rows(values_only=True)][1:] == [
        ids["compute"], ids["secret"]]
    fill(sheet, {row_of(sheet, ids["compute"]): ("accept",),
                 row_of(sheet, ids["secret"]): ("reject", None, "-not about models")})
    apply_decision(proj, ids["compute"], "reject", coder="bob")  # meanwhile, in the terminal
    result = invoke("review", "--import", "review.xlsx", "--coder", "carol", "--dry-run")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: review.xlsx:2: suggestion {ids['compute']} was rejected by bob since the export\n"
        "review.xlsx: would apply: accepted 0, rejected 1, changed 0; 0 blank, 0 already "
        "applied, 1 row(s) not applied\n")
    assert statuses(proj, ids)["secret"] == PENDING
    result = invoke("review", "--import", "review.xlsx", "--coder", "carol")
    assert result.exit_code == 3
    assert state(proj)[ids["secret"]].memo == "-not about models"
    result = invoke("review", "--import", "review.xlsx", "--coder", "carol", "--json")
    assert '"already": 1' in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "review.xlsx: applied: accepted 0, rejected 0, changed 0; 0 blank, 1 already applied, "
        "1 row(s) not applied")


def test_sheet_import_errors_are_one_line(invoke: Invoke, ids: dict[str, int]) -> None:
    result = invoke("review", "--import", "missing.xlsx", "--coder", "carol")
    assert (result.exit_code, result.stderr) == (1, "Error: missing.xlsx: file not found\n")
    Workbook().save("other.xlsx")
    result = invoke("review", "--import", "other.xlsx", "--coder", "carol")
    assert (result.exit_code, result.stderr) == (
        1, ("Error: other.xlsx: not a qualcode review sheet (no qualcode-key sheet) "
           "(export one with `qualcode review --export FILE`)\n"))
    result = invoke("review", "--export", "review.csv")
    assert (result.exit_code, result.stderr) == (
        1, "Error: review.csv: a review sheet must be an .xlsx file\n")


def test_release_suggestion_shows_the_interviewer_question(invoke: Invoke,
                                                           ids: dict[str, int]) -> None:
    result = invoke("review", "--coder", "alice", "--code", "stage", input="q\n")
    assert "Interviewer: And after the release?" in result.stdout
    assert f"▶ {RELEASE}" in result.stdout

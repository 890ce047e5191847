"""The assisted-tagging commands: suggest, learn, evaluate, accept, runs, undo."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Invoke = Callable[..., Result]


@pytest.fixture
def ready(invoke: Invoke) -> Invoke:
    """The test project with its codebook, both interviews and alice's codings."""
    assert invoke("codebook", "load", "codebook.yaml").exit_code == 0
    assert invoke("ingest", ".", "--cases", "cases.csv").exit_code == 0
    assert invoke("import-codings", "codings.csv").exit_code == 0
    return invoke


def test_suggest_json_and_idempotence(ready: Invoke) -> None:
    result = ready("suggest", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["added"], data["dry_run"], data["method"], data["unit"]) == (4, False, "cues",
                                                                               "sentence")
    assert data["by_category"] == {"challenge": 1, "stage": 3}
    assert data["skipped"] == {"accepted": 1}
    assert data["run_id"].startswith("suggest-")
    again = json.loads(ready("suggest", "--json").stdout)
    assert again["added"] == 0
    assert again["skipped"] == {"accepted": 1, "suggested": 4}


def test_suggest_messages_and_dry_run(ready: Invoke) -> None:
    result = ready("suggest", "interview-a", "--codes", "stage", "--dry-run")
    assert result.exit_code == 0
    assert "Would suggest" in result.stdout
    assert result.stderr == ("1 document(s), 7 sentence(s): would add 3 suggestion(s); "
                             "skipped as already coded: none\n")
    assert json.loads(ready("runs", "--json").stdout)[0]["kind"] == "import"


def test_suggest_errors(ready: Invoke) -> None:
    result = ready("suggest", "nowhere")
    assert result.exit_code == 1
    assert result.stderr == "Error: no document named 'nowhere' (see `qualcode documents`)\n"
    result = ready("suggest", "--method", "model")
    assert result.exit_code == 1
    assert result.stderr == ("Error: the project has no trained model yet (train one with "
                             "`qualcode learn`, or use --method cues)\n")
    result = ready("suggest", "--method", "magic")
    assert result.exit_code == 2
    result = ready("suggest", "--min-score", "2")
    assert result.exit_code == 2


def test_suggest_without_a_project(invoke: Invoke) -> None:
    result = invoke("suggest")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: qualcode.db: no project here yet")


def test_runs_and_undo(ready: Invoke) -> None:
    run_id = json.loads(ready("suggest", "--json").stdout)["run_id"]
    runs = json.loads(ready("runs", "--json").stdout)
    assert [(r["kind"], r["status"], r["counts"]) for r in runs] == [
        ("suggest", "done", {"added": 4}), ("import", "done", {"added": 6})]
    table = ready("runs", "--kind", "suggest")
    assert run_id in table.stdout
    assert "import" not in table.stdout
    result = ready("undo", run_id)
    assert result.exit_code == 0
    assert result.stderr == (f"undid suggest run {run_id}: 4 coding(s) removed, 0 restored, "
                             "0 kept (decided since)\n")
    result = ready("undo", run_id)
    assert result.exit_code == 1
    assert result.stderr == f"Error: run {run_id} was already undone (see `qualcode runs`)\n"
    result = ready("undo", "nothing-here", "--json")
    assert result.exit_code == 1
    assert result.stderr == "Error: no run 'nothing-here' (see `qualcode runs`)\n"


def test_accept_dry_run_then_yes_then_undo(ready: Invoke) -> None:
    ready("suggest")
    preview = ready("accept", "--min-score", "0", "--code", "stage")
    assert preview.exit_code == 0
    assert preview.stderr == ("dry run: 3 suggestion(s) would be accepted; "
                              "apply with --coder NAME --yes\n")
    result = ready("accept", "--min-score", "0", "--code", "stage", "--yes")
    assert result.exit_code == 1
    assert result.stderr == ("Error: a coder is needed to accept suggestions: who takes the "
                             "decision (pass --coder NAME)\n")
    data = json.loads(ready("accept", "--min-score", "0", "--code", "stage", "--coder", "bob",
                            "--yes", "--json").stdout)
    assert (data["applied"], data["accepted"]) == (True, 3)
    undone = json.loads(ready("undo", data["run_id"], "--json").stdout)
    assert (undone["kind"], undone["restored"], undone["kept"]) == ("accept", 3, 0)
    again = json.loads(ready("accept", "--min-score", "0", "--json").stdout)
    assert again["would_accept"] == 4


def test_learn_then_suggest_with_the_model(ready: Invoke) -> None:
    result = ready("learn", "--folds", "2", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["classifier"], data["unit"], data["documents"]) == (1, "sentence", 2)
    assert set(data["metrics"]) == {"folds", "units", "positives", "model", "both"}
    result = ready("suggest", "--method", "both", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["classifier"] == 1
    table = ready("learn", "--folds", "2")
    assert table.stderr.startswith("model 2: 6 code(s) learned from")
    assert "Cross-validated by document (2 folds)" in table.stdout


def test_evaluate_table_json_and_file(ready: Invoke) -> None:
    result = ready("evaluate", "--reference", "alice", "--method", "cues", "-o", "eval.csv")
    assert result.exit_code == 0, result.stderr
    assert "cues vs alice: 10 sentence(s) in 2 document(s)" in result.stdout
    assert result.stderr == "wrote eval.csv\n"
    assert Path("eval.csv").read_text(encoding="utf-8").startswith(
        "code,reference,suggested,correct,precision,recall,f1\n")
    data = json.loads(ready("evaluate", "--reference", "alice", "--method", "cues",
                            "--json").stdout)
    assert (data["method"], data["unit"], data["folds"]) == ("cues", "sentence", 0)
    assert set(data["micro"]) == {"code", "reference", "suggested", "correct", "precision",
                                  "recall", "f1"}
    result = ready("evaluate", "--reference", "nobody", "--method", "cues")
    assert result.exit_code == 1
    assert result.stderr == ("Error: coder 'nobody' has no accepted codings to compare with "
                             "(see `qualcode agree` or `qualcode export segments` for coders)\n")
    result = ready("evaluate", "--reference", "alice", "--method", "model", "--folds", "2",
                   "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["folds"] == 2

"""The main job on the shipped sample, through the CLI, as the README runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli import cli

REPO = Path(__file__).parents[1]
GOLDEN = REPO / "tests" / "golden" / "tables"
ARGS = ["run", "transcripts_sample", "--codebook", "codebooks/open-llm-collaboration.yaml",
        "--cases", "transcripts_sample/cases.csv", "--codings", "transcripts_sample/codings.csv",
        "-o", "results", "--json"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, Result]:
    work = tmp_path_factory.mktemp("run")
    shutil.copytree(REPO / "transcripts_sample", work / "transcripts_sample")
    shutil.copytree(REPO / "codebooks", work / "codebooks")
    runner = CliRunner(env={"QUALCODE_PROJECT": None, "NO_COLOR": "1"})
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        first = runner.invoke(cli, ARGS, catch_exceptions=False)
        second = runner.invoke(cli, ARGS, catch_exceptions=False)
    return work, first, second


def test_first_run_builds_everything(runs: tuple[Path, Result, Result]) -> None:
    work, first, _ = runs
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["documents"]["added"] == 14
    assert summary["codings_added"] == 600
    assert summary["suggestions_added"] > 0
    assert (work / "qualcode.db").exists()
    names = {p.name for p in (work / "results").iterdir()}
    assert {"segments.csv", "tables.xlsx", "02-stage-boards.md", "02-stage-boards.tex",
            "06-stage-frequencies.csv"} <= names


def test_second_run_changes_nothing(runs: tuple[Path, Result, Result]) -> None:
    _, _, second = runs
    assert second.exit_code == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["documents"]["unchanged"] == 14
    assert (summary["codings_added"], summary["suggestions_added"]) == (0, 0)


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.md")))
def test_run_writes_the_golden_tables(runs: tuple[Path, Result, Result], name: str) -> None:
    work, _, _ = runs
    assert (work / "results" / name).read_text(encoding="utf-8") == (GOLDEN / name).read_text(
        encoding="utf-8")

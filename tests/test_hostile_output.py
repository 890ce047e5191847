"""Hostile text in a project never turns into live content in what qualcode writes:
no spreadsheet cell of any CSV or XLSX output can run as a formula, and the HTML report
shows markup as text. Every command that writes a table is run on one hostile project.

The protections themselves live in qualcode.export (formats.defuse_formula, the workbook
writers) and qualcode.report; this test holds every writer to them at once.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import cli

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCRIPT = "<script>alert(1)</script>"
CODEBOOK = """\
name: Risky
version: "1"
categories:
  - id: stage
    name: Stage
    stages: true
    codes:
      - id: stage.pre
        name: "=Pre-training"
  - id: topic
    name: "@Topic"
    codes:
      - id: topic.formula
        name: "+Formula talk"
        stage: stage.pre
      - id: topic.other
        name: "-Other"
"""
TRANSCRIPT = (f"Interviewer: What did she type?\n\nP01: =SUM(A1:A9) is what she typed, then {SCRIPT}.\n"
              "\nInterviewer: And then?\n\nP01: -2 points, honestly.\n")
DOCUMENT = '=HYPERLINK("evil.example","click")'
CODINGS = [
    ("topic.formula", "=SUM(A1:A9) is what she typed", "alice", "=cmd|' /C calc'!A0"),
    ("topic.other", "-2 points", "alice", "@memo"),
    ("topic.formula", "-2 points", "bob", "+memo"),
    ("topic.other", "=SUM(A1:A9) is what she typed", "bob", f"\ttab {SCRIPT}"),
    ("topic.other", f"then {SCRIPT}", "alice", ""),
]
COMMANDS = [
    ("export", "segments", "-o", "out/segments.csv"),
    ("export", "segments", "-o", "out/segments.xlsx"),
    ("export", "frequencies", "-o", "out/frequencies.csv"),
    ("export", "frequencies", "-o", "out/frequencies.xlsx"),
    ("export", "matrix", "-o", "out/matrix.csv"),
    ("export", "matrix", "-o", "out/matrix.xlsx"),
    ("export", "cooccurrence", "-o", "out/cooccurrence.csv"),
    ("export", "cooccurrence", "-o", "out/cooccurrence.xlsx"),
    ("tables", "--format", "csv", "--format", "xlsx", "-o", "out/tables"),
    ("agree", "--coders", "alice", "bob", "-o", "out/agree.xlsx"),
    ("agree", "--coders", "alice", "bob", "-o", "out/agree.csv"),
    ("disagreements", "--coders", "alice", "bob", "-o", "out/disagreements.xlsx"),
    ("review", "--export", "out/review.xlsx", "--coder", "alice"),
    ("report", "-o", "out/report.html"),
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("risky")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / f"{DOCUMENT}.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with (folder / "cases.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["document", "case", "region"], [DOCUMENT, "+Case", "=1+1"]])
    with (folder / "codings.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "code", "quote", "coder", "memo"])
        writer.writerows([DOCUMENT, *row] for row in CODINGS)
    runner = CliRunner(env={"QUALCODE_PROJECT": str(folder / "risky.db"), "NO_COLOR": "1"})
    (folder / "out").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for args in [("codebook", "load", "codebook.yaml"),
                     ("ingest", f"{DOCUMENT}.txt", "--cases", "cases.csv"),
                     ("import-codings", "codings.csv"), *COMMANDS]:
            result = runner.invoke(cli, list(args), catch_exceptions=False)
            assert result.exit_code == 0, (args, result.stderr)
    return folder / "out"


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_no_csv_cell_can_run_as_a_formula(outputs: Path) -> None:
    files = sorted(outputs.rglob("*.csv"))
    assert len(files) >= 10
    cells = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            cells.extend((path.name, value) for row in csv.reader(handle) for value in row)
    risky = [(name, value) for name, value in cells
             if value.startswith(FORMULA_STARTS) and not _numeric(value)]
    assert risky == []
    assert ("segments.csv", "'=SUM(A1:A9) is what she typed") in cells  # the text is kept


def test_no_xlsx_cell_is_a_formula(outputs: Path) -> None:
    from openpyxl import load_workbook

    files = sorted(outputs.rglob("*.xlsx"))
    assert len(files) >= 8
    texts = []
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
    assert "=SUM(A1:A9) is what she typed" in texts  # stored as text, shown as typed


def test_the_report_shows_markup_as_text(outputs: Path) -> None:
    html = (outputs / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = "x\x1b[31mred\u202etxt.exe"  # a colour code and a right-to-left override
    (tmp_path / f"{name}.txt").write_text(
        "Interviewer: Tell me about it, please, in a few words.\n"
        "P01: Sure \x1b]0;new title\x07 and \x1b[2J then \x9b31m done.\n", encoding="utf-8")
    runner = CliRunner(env={"QUALCODE_PROJECT": str(tmp_path / "p.db"), "NO_COLOR": "1"})
    outputs = []
    for args in (["ingest", "."], ["documents"], ["show", "x[31mredtxt.exe"],
                 ["check-privacy"], ["verify"]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append(result.stdout + result.stderr)
    for output in outputs:
        assert "\x1b" not in output
        assert "\x9b" not in output
        assert "\u202e" not in output
    assert "Sure \ufffd]0;new title\ufffd and \ufffd[2J then \ufffd31m done." in outputs[2]

"""`qualcode agree`, `disagreements` and `adjudicate` on projects built through the CLI."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook

from qualcode.disagreements import Disagreement
from qualcode.export.agreement import write_disagreements

AGREEMENT = Path(__file__).parent / "data" / "agreement"
Invoke = Callable[..., Result]


def _build(invoke: Invoke, *coders: str) -> None:
    assert invoke("codebook", "load", "codebook.yaml").exit_code == 0
    assert invoke("ingest", ".", "--cases", "cases.csv").exit_code == 0
    for coder in coders:
        result = invoke("import-codings", str(AGREEMENT / f"{coder}.csv"))
        assert result.exit_code == 0, result.stderr


def _table(stdout: str) -> dict[str, list[str]]:
    """The rows of the printed table, by code, split at white space."""
    rows = {}
    for line in stdout.splitlines():
        cells = line.split()
        if cells and (("." in cells[0] and cells[0][0].isalpha()) or cells[0] == "(pooled)"):
            rows[cells[0]] = cells[1:]
    return rows


def _rows(result: Result) -> dict[str, dict[str, object]]:
    data = json.loads(result.stdout)
    return {row["code"]: row for row in (*data["codes"], data["pooled"])}


def test_two_coders_table(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("agree", "--coders", "alice", "bob")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert " ".join(result.stdout.split()[:16]) == (
        "Agreement of alice, bob by sentence: 15 unit(s) every coder coded, in 2 document(s): "
        "interview-a, interview-b")
    assert lines[3].split() == ["code", "both", "only", "alice", "only", "bob", "neither", "agree",
                                "Cohen", "κ", "α", "reading"]
    rows = _table(result.stdout)
    assert rows["challenge.data-work"] == ["1", "0", "1", "13", "0.933", "0.634", "0.642", "<", ".667"]
    assert rows["domain.compute"] == ["1", "0", "0", "14", "1.000", "1.000", "1.000"]
    assert rows["(pooled)"][:4] == ["4", "1", "2", "68"]
    assert "stage.pre" not in rows
    assert "1 code(s) no coder used are not shown (--all-codes lists them)." in lines
    assert "How it is computed:" in lines
    assert any(line.startswith("  - unit: a stored sentence") for line in lines)
    assert any("Cohen's kappa = (p_o - p_e) / (1 - p_e)" in line for line in lines)


def test_two_coders_json(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("agree", "--coders", "alice", "bob", "--json")
    rows = _rows(result)
    work = rows["challenge.data-work"]
    assert work["counts"] == {"both": 1, "only alice": 0, "only bob": 1, "neither": 13}
    assert work["kappa"]["value"] == pytest.approx(26 / 41)  # type: ignore[index]
    assert rows["stage.pre"]["alpha"]["value"] is None  # type: ignore[index]
    assert rows["stage.pre"]["alpha"]["reason"] == "no coder gave this code to any unit compared"  # type: ignore[index]
    assert rows["(pooled)"]["kappa"]["value"] == pytest.approx(108 / 153)  # type: ignore[index]


def test_three_coders_by_repeated_option(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob", "carol")
    result = invoke("agree", "--coders", "alice", "--coders", "bob", "carol", "--codes",
                    "challenge", "--json")
    data = json.loads(result.stdout)
    assert data["coders"] == ["alice", "bob", "carol"]
    assert data["kappa_name"] == "Fleiss' kappa"
    assert data["missing"] == {"alice": [], "bob": [], "carol": ["interview-b"]}
    work = {r["code"]: r for r in data["codes"]}["challenge.data-work"]
    assert work["counts"] == {"all": 1, "some": 1, "none": 8}
    assert work["kappa"]["value"] == pytest.approx(0.76)
    assert work["alpha"]["value"] == pytest.approx(272 / 350)
    table = invoke("agree", "--coders", "alice", "bob", "carol").stdout
    assert "carol did not code 1 document(s): interview-b (missing there, not absent)" in table
    assert "Fleiss κ" in table


def test_character_unit_prints_unitizing_alpha(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("agree", "--coders", "alice", "bob", "--unit", "character", "--docs",
                    "interview-a", "--codes", "domain.compute")
    assert result.exit_code == 0
    assert any(line.split()[-2:] == ["uα", "reading"] for line in result.stdout.splitlines())
    compute = _table(result.stdout)["domain.compute"]
    assert compute[:4] == ["36", "0", "19", "422"]
    assert compute[4:6] == ["0.960", "0.770"]  # percent agreement, Cohen's kappa
    assert compute[-2:] == ["<", ".800"]  # after alpha and unitizing alpha
    assert "unitizing alpha (Krippendorff 2004)" in result.stdout


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_agree_writes_files(invoke: Invoke, suffix: str) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("agree", "--coders", "alice", "bob", "-o", f"agreement.{suffix}")
    assert result.exit_code == 0
    assert result.stderr == f"wrote agreement.{suffix}\n"
    path = Path(f"agreement.{suffix}")
    if suffix == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["code"] for r in rows][-1] == "(pooled)"
        work = next(r for r in rows if r["code"] == "challenge.data-work")
        assert (work["only bob"], work["reading"], work["unit"]) == ("1", "low", "sentence")
    elif suffix == "xlsx":
        book = load_workbook(path)
        assert book.sheetnames == ["agreement", "about"]
        header = [c.value for c in book["agreement"][1]]
        assert header[:8] == ["code", "name", "unit", "units", "both", "only alice", "only bob",
                              "neither"]
        about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
        assert about["coders"] == "alice, bob"
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["unit"] == "sentence"
        assert len(data["formulas"]) >= 6


@pytest.mark.parametrize(("args", "message"), [
    (["--coders", "alice"], ("Error: agreement needs at least two coders; got 1: alice (name them "
                             "with --coders A B)")),
    (["--coders", "alice", "zed"], ("Error: no codings by 'zed'; coders with codings: alice, bob "
                                    "(the assistant's suggestions are the coder 'assistant')")),
    (["--coders", "alice", "bob", "-o", "agreement.txt"],
     "Error: agreement.txt: cannot write .txt files; use one of: .csv, .xlsx, .json"),
])
def test_agree_errors(invoke: Invoke, args: list[str], message: str) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("agree", *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]


def _decide(path: Path, decisions: dict[int, tuple[str, str]]) -> None:
    """Fill the decision and consensus codes of sheet rows (row 2 is the first unit)."""
    book = load_workbook(path)
    sheet = book["disagreements"]
    header = [c.value for c in sheet[1]]
    for number, (decision, codes) in decisions.items():
        sheet.cell(number, header.index("decision") + 1, decision or None)
        sheet.cell(number, header.index("consensus codes") + 1, codes or None)
    book.save(path)


def test_disagreements_and_adjudication_round_trip(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("disagreements", "--coders", "alice", "bob", "-o", "review.xlsx")
    assert result.exit_code == 0
    assert result.stderr == ("wrote 3 disagreement(s) by sentence in 2 document(s) coded by alice, bob "
                             "to review.xlsx\n")
    book = load_workbook("review.xlsx")
    assert book.sheetnames == ["disagreements"]
    sheet = book["disagreements"]
    header = [c.value for c in sheet[1]]
    assert header == ["document", "case", "unit", "start", "end", "speaker", "before", "text", "after",
                      "codes alice", "codes bob", "disputed", "decision", "consensus codes", "memo",
                      "text_sha256"]
    second = dict(zip(header, [c.value for c in sheet[3]], strict=True))
    assert second["text"] == "After the release people made fine-tunes for Swahili and Yoruba."
    assert (second["codes alice"], second["codes bob"]) == ("domain.models; stage.release",
                                                            "stage.release")
    assert sheet.data_validations.dataValidation[0].formula1 == '"alice,bob,both,neither"'
    assert sheet.cell(1, header.index("decision") + 1).comment.text.startswith(
        "Each row is a unit on which alice, bob gave different codes.")

    _decide(Path("review.xlsx"), {2: ("neither", ""), 3: ("alice", ""),
                                  4: ("", "challenge.data-work")})
    result = invoke("adjudicate", "review.xlsx", "--as", "consensus")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("review.xlsx: 3 decision(s) applied, 0 row(s) undecided, 0 cannot "
                                    "be applied; 3 coding(s) added for consensus, 0 already present")
    exported = invoke("export", "segments", "-o", "segments.csv", "--coder", "consensus")
    assert exported.exit_code == 0
    with Path("segments.csv").open(encoding="utf-8", newline="") as handle:
        made = sorted((r["code"], r["text"]) for r in csv.DictReader(handle))
    assert made == [
        ("challenge.data-work", "Nobody wanted to clean the data — that sentence again"),  # bob's span
        ("domain.models", "people made fine-tunes"),  # alice's span
        ("stage.release", "After the release people made fine-tunes for Swahili and Yoruba."),
    ]
    again = invoke("adjudicate", "review.xlsx", "--as", "consensus")
    assert "0 coding(s) added for consensus, 3 already present" in again.stderr
    kept = invoke("agree", "--coders", "alice", "bob", "--json")
    assert _rows(kept)["challenge.data-work"]["counts"] == {"both": 1, "only alice": 0, "only bob": 1,
                                                            "neither": 13}


def test_adjudication_reports_rows_it_cannot_apply(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    invoke("disagreements", "--coders", "alice", "bob", "-o", "review.xlsx")
    _decide(Path("review.xlsx"), {2: ("carol", ""), 3: ("both", "stage.pre"),
                                  4: ("", "no.such-code")})
    result = invoke("adjudicate", "review.xlsx")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[:3] == [
        "Error: review.xlsx:2: unknown decision 'carol'; use one of alice, bob, both, all, neither, none",
        "Error: review.xlsx:3: give either a decision or consensus codes, not both",
        "Error: review.xlsx:4: unknown code 'no.such-code' (see `qualcode codebook show`)",
    ]
    assert "0 decision(s) applied, 0 row(s) undecided, 3 cannot be applied" in result.stderr


def test_adjudication_refuses_a_compared_coder_and_other_sheets(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    invoke("disagreements", "--coders", "alice", "bob", "-o", "review.csv")
    result = invoke("adjudicate", "review.csv", "--as", "alice")
    assert result.exit_code == 1
    assert result.stderr == ("Error: the consensus coder must differ from the coders compared "
                             "(alice, bob) (name another with --as)\n")
    result = invoke("adjudicate", "codings.csv")
    assert result.stderr == ("Error: codings.csv:1: not a disagreements sheet: missing column(s) start, "
                             "end, decision, consensus codes, 'codes <coder>' for two or more coders "
                             "(write one with `qualcode disagreements`)\n")


def test_adjudication_finds_a_unit_again_after_the_text_changed(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    invoke("disagreements", "--coders", "alice", "bob", "-o", "review.csv")
    with Path("review.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[2]["consensus codes"] = "challenge.data-work"
    rows[0]["decision"] = "bob"
    rows[0]["text_sha256"] = "0" * 64  # as if the document had changed since
    rows[0]["start"], rows[0]["end"] = "0", "5"
    with Path("review.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = invoke("adjudicate", "review.csv", "--json")
    report = json.loads(result.stdout)
    assert (report["applied"], report["undecided"], report["added"]) == (2, 1, 2)


def test_review_sheet_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    item = Disagreement("doc", None, "sentence 1", 0, 9, "P01", "", "=SUM(A1)", "@cmd",
                        (("a",), ()), "f" * 64)
    path = write_disagreements(["x", "y"], [item], tmp_path / "review.xlsx")
    cell = load_workbook(path)["disagreements"]["H2"]
    assert (cell.value, cell.data_type) == ("=SUM(A1)", "s")


def test_disagreements_needs_an_output(invoke: Invoke) -> None:
    _build(invoke, "alice", "bob")
    result = invoke("disagreements", "--coders", "alice", "bob")
    assert result.exit_code == 2
    assert "Missing option '-o' / '--output'" in result.stderr

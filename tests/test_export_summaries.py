"""Frequencies, matrices and co-occurrence: exact frames on the hand-made dataset of
test_thematic (counted by hand in the comments), golden CSV files on the sample study
and Excel workbooks read back with openpyxl.

Regenerate the golden files with ``QUALCODE_REGEN=1 pytest tests/test_export_summaries.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qualcode import tables
from qualcode.cli import cli
from qualcode.dataset import Dataset
from qualcode.errors import ExportError
from qualcode.store import Project, open_project
from tests.exports_sample import check_golden, sample_path
from tests.test_thematic import make_dataset


@pytest.fixture
def ds() -> Dataset:
    return make_dataset()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with open_project(sample_path(tmp_path_factory), create=False) as project:
        yield project


def rows(frame: object) -> list[list[object]]:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    return [list(row) for row in frame.itertuples(index=False, name=None)]


# -- builders on the hand-made dataset ------------------------------------------------------

def test_frequencies_by_stage_count_codings_per_stage(ds: Dataset) -> None:
    frame = tables.frequencies(ds, by="stage")
    assert list(frame.columns) == ["code", "name", "category", "Pre-training", "Post-release",
                                   "unstaged", "total"]
    by_code = {row[0]: row[3:] for row in rows(frame)}
    assert by_code["challenge.a"] == [2, 0, 0, 2]  # both codings fixed to stage.pre
    # "Data was shared." overlaps the pre-training coding, "people built on it" the
    # post-release one, doc3 has no stage
    assert by_code["domain.d"] == [1, 1, 1, 3]
    assert by_code["orgmodel.y"] == [1, 0, 0, 1]  # "the lab" sits inside the stage.pre span
    assert by_code["m.s1"] == [0, 0, 2, 2]
    assert by_code["onramp.a"] == [0, 0, 0, 0]  # every code of the codebook has a row


def test_frequencies_by_case_count_cases(ds: Dataset) -> None:
    frame = tables.frequencies(ds, by="case", count="cases")
    # cases with a document, by name ignoring case; doc5 has no case and stands for itself
    assert list(frame.columns)[3:] == ["alpha", "Beta", "doc5", "gamma", "total"]
    by_code = {row[0]: row[3:] for row in rows(frame)}
    assert by_code["m.s1"] == [1, 0, 0, 1, 2]
    assert by_code["domain.d"] == [0, 1, 0, 0, 1]  # three codings, all in case Beta


def test_frequencies_count_words_of_the_quotes(ds: Dataset) -> None:
    by_code = {row[0]: row[3:] for row in rows(tables.frequencies(ds, by="coder", count="words"))}
    assert by_code["stage.pre"] == [15, 15]  # "We kept ... Data was shared." has 15 words
    assert by_code["challenge.a"] == [14, 14]  # 12 + "Secret recipe." 2


def test_frequencies_by_attribute_put_cases_without_it_under_none(ds: Dataset) -> None:
    frame = tables.frequencies(ds, by="attribute:region")
    assert list(frame.columns)[3:] == ["Europe", "(none)", "total"]
    by_code = {row[0]: row[3:] for row in rows(frame)}
    assert by_code["challenge.a"] == [1, 1, 2]
    assert by_code["domain.d"] == [3, 0, 3]


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: tables.frequencies(d, by="weekday"),
     "unknown grouping 'weekday'; use one of stage, case, coder, attribute:NAME"),
    (lambda d: tables.frequencies(d, by="attribute:"),
     "unknown grouping 'attribute:'; use one of stage, case, coder, attribute:NAME"),
    (lambda d: tables.frequencies(d, count="lines"),
     "unknown count 'lines'; use one of segments, cases, words"),
    (lambda d: tables.frequencies(d, by="attribute:age"),
     ("no case has the attribute 'age' (attributes: country, interviewer, licence, llm, "
     "organisation, organisation_type, orgmodel, region)")),
    (lambda d: tables.cooccurrence(d, scope="line"),
     "unknown scope 'line'; use one of segment, turn, document"),
])
def test_bad_summary_arguments(ds: Dataset, call: Callable[[Dataset], object], message: str) -> None:
    with pytest.raises(ExportError) as info:
        call(ds)
    assert str(info.value) == message


def test_matrix_counts_or_marks_presence(ds: Dataset) -> None:
    counts = tables.code_matrix(ds, cols="case")
    assert list(counts.columns) == ["code", "name", "alpha", "Beta", "doc5", "gamma"]
    assert {row[0]: row[2:] for row in rows(counts)}["domain.d"] == [0, 3, 0, 0]
    binary = tables.code_matrix(ds, cols="case", binary=True)
    assert {row[0]: row[2:] for row in rows(binary)}["domain.d"] == [0, 1, 0, 0]
    by_stage = tables.code_matrix(ds, cols="stage")
    assert list(by_stage.columns) == ["code", "name", "Pre-training", "Post-release", "unstaged"]


def test_stage_summary_counts_codings_per_stage_and_category(ds: Dataset) -> None:
    frame = tables.stage_summary(ds)
    assert list(frame.columns) == ["stage", "Challenge", "On-ramp", "Motivation",
                                   "Organisational model", "Domain"]
    assert rows(frame) == [
        ["Pre-training", 2, 0, 0, 1, 1],
        ["Post-release", 0, 0, 0, 0, 1],
        ["unstaged", 0, 0, 4, 0, 1],
    ]


def test_cooccurrence_by_overlapping_codings(ds: Dataset) -> None:
    frame = tables.cooccurrence(ds, scope="segment")
    used = ["stage.pre", "stage.release", "challenge.a", "m.s1", "m.s2", "m.e1", "orgmodel.y",
            "domain.d"]
    assert list(frame.columns) == ["code", "name", *used]
    matrix = {row[0]: dict(zip(used, row[2:], strict=True)) for row in rows(frame)}
    assert matrix["domain.d"]["domain.d"] == 3  # the diagonal counts a code's codings
    assert matrix["stage.pre"]["challenge.a"] == matrix["challenge.a"]["stage.pre"] == 1
    assert matrix["stage.pre"]["domain.d"] == 1  # "Data was shared." inside the span
    assert matrix["m.e1"]["domain.d"] == 1  # the same sentence of doc3
    assert matrix["m.s1"]["m.s2"] == 0  # same turn, but the spans do not overlap


def test_cooccurrence_by_turn_and_document(ds: Dataset) -> None:
    turn = {row[0]: row[2:] for row in rows(tables.cooccurrence(ds, scope="turn"))}
    used = list(tables.cooccurrence(ds, scope="turn").columns[2:])
    assert dict(zip(used, turn["m.s1"], strict=True))["m.s2"] == 1  # doc2's only turn
    assert dict(zip(used, turn["domain.d"], strict=True))["domain.d"] == 3  # three turns
    document = {row[0]: row[2:] for row in rows(tables.cooccurrence(ds, scope="document"))}
    assert dict(zip(used, document["stage.pre"], strict=True))["stage.release"] == 1
    assert dict(zip(used, document["domain.d"], strict=True))["domain.d"] == 2  # doc1, doc3


def test_a_case_named_total_does_not_hide_the_total(ds: Dataset) -> None:
    ds.cases["Beta"]["region"] = "total"
    frame = tables.frequencies(ds, by="attribute:region")
    assert list(frame.columns)[3:] == ["total (2)", "(none)", "total"]


# -- files from the sample study ------------------------------------------------------------

GOLDEN_CASES = [
    ("frequencies-stage.csv", ["frequencies", "--by", "stage"]),
    ("frequencies-region-cases.csv",
     ["frequencies", "--by", "attribute:region", "--count", "cases"]),
    ("matrix-case-binary.csv", ["matrix", "--rows", "code", "--cols", "case", "--binary"]),
    ("cooccurrence-turn.csv", ["cooccurrence", "--scope", "turn"]),
]


@pytest.mark.parametrize(("name", "args"), GOLDEN_CASES)
def test_summary_csv_golden(sample: Project, tmp_path: Path, name: str, args: list[str]) -> None:
    target = tmp_path / name
    result = CliRunner().invoke(cli, ["export", *args, "-o", str(target),
                                      "--project", sample.target])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("wrote ")
    check_golden(name, target.read_text(encoding="utf-8"))


def test_frequencies_workbook_has_a_stacked_stage_chart(sample: Project, tmp_path: Path) -> None:
    from qualcode.export.summaries import export_frequencies

    result = export_frequencies(sample, tmp_path / "f.xlsx", by="stage")
    assert (result.rows, result.format, result.warnings) == (56, "xlsx", [])
    book = load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["frequencies", "stage chart", "provenance"]
    sheet = book["frequencies"]
    assert [c.value for c in sheet[1]] == ["code", "name", "category", "Pre-training",
                                           "Post-training", "Post-release", "unstaged", "total"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H57"
    chart_sheet = book["stage chart"]
    assert [c.value for c in chart_sheet["A"][:5]] == ["stage", "Pre-training", "Post-training",
                                                       "Post-release", "unstaged"]
    (chart,) = chart_sheet._charts
    assert (chart.tagname, chart.grouping, chart.overlap) == ("barChart", "stacked", 100)
    assert len(chart.series) == 5  # one per category that is not the stages


def test_matrix_workbook_has_a_colour_scale(sample: Project, tmp_path: Path) -> None:
    from qualcode.export.summaries import export_matrix

    export_matrix(sample, tmp_path / "m.xlsx", cols="case")
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == ["matrix", "provenance"]
    sheet = book["matrix"]
    (formatting,) = list(sheet.conditional_formatting)
    assert str(formatting.sqref) == "C2:P57"  # 14 cases x 56 codes
    (rule,) = formatting.rules
    assert rule.type == "colorScale"
    provenance = dict(row for row in book["provenance"].iter_rows(values_only=True))
    assert provenance["cols"] == "case"
    assert provenance["binary"] == "no"
    assert provenance["rows"] == 56


def test_cooccurrence_json_has_provenance_and_rows(sample: Project, tmp_path: Path) -> None:
    from qualcode.export.summaries import export_cooccurrence

    export_cooccurrence(sample, tmp_path / "c.json", scope="document")
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["provenance"]["scope"] == "document"
    assert len(data["rows"]) == 55  # the codes in use
    first = data["rows"][0]
    assert (first["code"], first["stage.pre"]) == ("stage.pre", 14)  # every interview


def test_summary_errors_are_one_line(sample: Project, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "matrix", "--cols", "attribute:age", "-o",
                                 str(tmp_path / "m.csv"), "--project", sample.target])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no case has the attribute 'age' (attributes: country, interview_date, "
        "interviewer, licence, llm, mode, organisation, organisation_type, orgmodel, region)\n")
    result = runner.invoke(cli, ["export", "frequencies", "-o", str(tmp_path / "f.txt"),
                                 "--project", sample.target])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'f.txt'}: cannot write .txt files; use one of: "
                             ".csv, .xlsx, .json\n")

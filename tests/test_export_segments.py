"""The coded segment table: columns, context, filters, and the CSV, Excel and JSON files,
with spreadsheet formula injection and Excel's limits.

Regenerate the golden files with ``QUALCODE_REGEN=1 pytest tests/test_export_segments.py``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qualcode import tables
from qualcode.cli import cli
from qualcode.coding import add_coding
from qualcode.errors import ExportError
from qualcode.export import excel
from qualcode.export.segments import export_segments
from qualcode.store import Project, open_project
from tests.exports_sample import check_golden, sample_path
from tests.test_thematic import make_dataset

RISKY = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tx", "\rx", '=HYPERLINK("http://x")']


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with open_project(sample_path(tmp_path_factory), create=False) as project:
        yield project


@pytest.fixture
def risky(loaded: Project) -> Project:
    """The test project with one coding per formula-like memo."""
    for memo in RISKY:
        add_coding(loaded, document="interview-a", code="domain.compute", coder="alice",
                   quote="We had compute from a public cluster", memo=memo)
    return loaded


# -- the table ------------------------------------------------------------------------------

def test_segment_table_adds_path_levels_case_attributes_and_context() -> None:
    ds = make_dataset()
    sentences = {"doc1": [(13, 43), (48, 114), (115, 131), (136, 173)]}
    frame = tables.segment_table(ds, sentences=sentences)
    assert list(frame.columns) == [
        *tables.SEGMENT_COLUMNS, "code_path_1", "code_path_2", "case_country",
        "case_interviewer", "case_licence", "case_llm", "case_organisation",
        "case_organisation_type", "case_orgmodel", "case_region", "context_before",
        "context_after"]
    first = frame.iloc[3]  # "Data was shared." in doc1 (case Beta)
    assert (first["code_path_1"], first["code_path_2"]) == ("Domain", "Data")
    assert (first["case_region"], first["case_orgmodel"]) == ("Europe", "orgmodel.x")
    assert first["context_before"] == ("We kept the recipe secret from everyone outside the lab "
                                       "for years.")
    assert first["context_after"] == "After the release people built on it."
    last_of_doc1 = frame.iloc[4]
    assert (last_of_doc1["context_before"], last_of_doc1["context_after"]) == (
        "Data was shared.", "")
    assert frame.iloc[6]["context_before"] == ""  # doc2: no sentences given
    assert "context_before" not in tables.segment_table(ds).columns


def test_filters_combine() -> None:
    frame = tables.segment_table(make_dataset())
    assert tables.filter_segments(frame, codes=["m."])["code"].tolist() == ["m.s1", "m.s2",
                                                                            "m.e1", "m.s1"]
    assert tables.filter_segments(frame, stages=["stage.release"])["coding_id"].tolist() == [5, 6]
    assert tables.filter_segments(frame, documents=["doc3"], codes=["domain"])[
        "coding_id"].tolist() == [11]
    in_europe = tables.filter_segments(frame, attributes={"region": ["Europe", "Asia"]})
    assert set(in_europe["document"]) == {"doc1", "doc3"}
    assert tables.filter_segments(frame, attributes={"region": ["Europe"], "llm": ["none"]}).empty
    assert len(tables.filter_segments(frame)) == len(frame)


# -- files ------------------------------------------------------------------------------------

def test_segments_csv_golden(sample: Project, tmp_path: Path) -> None:
    target = tmp_path / "segments.csv"
    result = CliRunner().invoke(cli, ["export", "segments", "-o", str(target), "--doc",
                                      "ai2-olmo", "--context", "--project", sample.target])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 45 coding(s) to {target}\n"
    check_golden("segments-ai2-olmo.csv", target.read_text(encoding="utf-8"))


def test_rows_follow_the_documents_not_the_order_of_coding(sample: Project,
                                                           tmp_path: Path) -> None:
    export_segments(sample, tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as handle:
        found = [(row["document"], int(row["start"])) for row in csv.DictReader(handle)]
    assert len(found) == 600
    assert found == sorted(found)


def test_segments_workbook(sample: Project, tmp_path: Path) -> None:
    result = export_segments(sample, tmp_path / "s.xlsx", codes=["challenge"],
                             attributes=["region=Europe", "region=Asia"])
    assert (result.rows, result.warnings) == (48, [])
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["segments", "codebook", "cases", "provenance"]
    sheet = book["segments"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["coding_id", "document", "case"]
    assert header[-12:] == ["code_path_1", "code_path_2", "case_country", "case_interview_date",
                            "case_interviewer", "case_licence", "case_llm", "case_mode",
                            "case_organisation", "case_organisation_type", "case_orgmodel",
                            "case_region"]
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:AF49")
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["I"].width == excel.MAX_WIDTH  # the quotes wrap
    assert sheet["I2"].alignment.wrap_text
    regions = {row[header.index("case_region")] for row in sheet.iter_rows(2, values_only=True)}
    assert regions == {"Europe", "Asia"}
    codebook = book["codebook"]
    assert [c.value for c in codebook[1]] == ["id", "name", "kind", "path", "stage", "definition",
                                              "include", "exclude"]
    assert codebook.max_row == 63  # 62 codes and categories
    assert book["cases"].max_row == 15
    provenance = dict(row for row in book["provenance"].iter_rows(2, values_only=True))
    assert provenance["codebook version"] == "1.0"
    assert len(provenance["codebook sha256"]) == 64
    assert (provenance["codes"], provenance["attributes"]) == ("challenge",
                                                              "region=Europe, region=Asia")
    assert (provenance["status"], provenance["rows"]) == ("accepted", 48)
    assert provenance["qualcode version"] == "0.1.0"


def test_segments_json_keeps_text_as_it_is(risky: Project, tmp_path: Path) -> None:
    export_segments(risky, tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert data["provenance"]["rows"] == len(data["rows"]) == len(RISKY)
    assert [row["memo"] for row in data["rows"]] == RISKY
    assert data["rows"][0]["score"] is None


def test_csv_never_lets_a_spreadsheet_run_a_formula(risky: Project, tmp_path: Path) -> None:
    export_segments(risky, tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as handle:
        memos = [row["memo"] for row in csv.DictReader(handle)]
    assert memos == ["'" + memo for memo in RISKY]


def test_xlsx_never_lets_a_spreadsheet_run_a_formula(risky: Project, tmp_path: Path) -> None:
    export_segments(risky, tmp_path / "s.xlsx")
    sheet = load_workbook(tmp_path / "s.xlsx")["segments"]
    column = [c.value for c in sheet[1]].index("memo") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, len(RISKY) + 2)]
    assert [c.value for c in cells] == RISKY
    assert {c.data_type for c in cells} == {"s"}
    with zipfile.ZipFile(tmp_path / "s.xlsx") as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert "<f " not in xml


def test_long_text_is_cut_at_excels_cell_limit(loaded: Project, tmp_path: Path) -> None:
    memo = "word " * 8000  # 40,000 characters
    add_coding(loaded, document="interview-a", code="domain.compute", coder="alice",
               quote="We had compute from a public cluster", memo=memo)
    result = export_segments(loaded, tmp_path / "s.xlsx")
    sheet = load_workbook(tmp_path / "s.xlsx")["segments"]
    column = [c.value for c in sheet[1]].index("memo") + 1
    value = sheet.cell(row=2, column=column).value
    assert len(value) == excel.MAX_CELL
    assert value.endswith(" [… cut: 7,297 more characters; Excel cells hold at most 32,767]")
    assert value.startswith("word word")
    assert result.warnings == [
        "sheet 'segments' cell S2: text cut to Excel's limit of 32,767 characters"]
    export_segments(loaded, tmp_path / "s.csv")  # the CSV keeps everything
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.DictReader(handle))["memo"] == memo


def test_rows_beyond_a_sheet_continue_on_the_next(sample: Project, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 250)
    result = export_segments(sample, tmp_path / "s.xlsx")
    assert result.warnings == [
        ("600 rows are more than an Excel sheet holds (250); they continue over the sheets "
        "'segments', 'segments (2)', 'segments (3)'")]
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames[:3] == ["segments", "segments (2)", "segments (3)"]
    assert [book[name].max_row for name in book.sheetnames[:3]] == [251, 251, 101]
    assert book["segments (3)"]["A1"].value == "coding_id"  # every part has the header
    ids = [row[0] for name in book.sheetnames[:3]
           for row in book[name].iter_rows(2, values_only=True)]
    assert len(ids) == len(set(ids)) == 600


def test_cli_prints_warnings_and_json(loaded: Project, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 1)
    for quote in ("We had compute from a public cluster", "Nobody wanted to clean the data"):
        add_coding(loaded, document="interview-a", code="domain.compute", coder="alice",
                   quote=quote, occurrence=1)
    result = CliRunner().invoke(cli, ["export", "segments", "-o", str(tmp_path / "s.xlsx"),
                                      "--project", loaded.target, "--json"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        ("Warning: 2 rows are more than an Excel sheet holds (1); they continue over the sheets "
        "'segments', 'segments (2)'"),
        "Warning: 9 rows are more than an Excel sheet holds (1); they continue over the sheets "
        + ", ".join(["'codebook'", *(f"'codebook ({n})'" for n in range(2, 10))]),
        ("Warning: 2 rows are more than an Excel sheet holds (1); they continue over the sheets "
        "'cases', 'cases (2)'")]
    assert json.loads(result.stdout)["rows"] == 2


@pytest.mark.parametrize(("options", "message"), [
    ({"codes": ["nope"]}, "no code id starts with 'nope' (see `qualcode codebook show`)"),
    ({"stages": ["stage.late"]},
     "unknown stage 'stage.late'; use one of stage.pre, stage.release, unstaged"),
    ({"documents": ["interview-z"]}, "no document named 'interview-z' (see `qualcode documents`)"),
    ({"attributes": ["age=40"]},
     "no case has the attribute 'age' (attributes: interview_date, organisation, region)"),
    ({"attributes": ["region"]}, "an attribute filter must look like KEY=VALUE, not 'region'"),
    ({"status": "maybe"}, "unknown status 'maybe'; use all, suggested, accepted, rejected"),
])
def test_bad_filters_are_refused(loaded: Project, tmp_path: Path, options: dict[str, object],
                                 message: str) -> None:
    with pytest.raises(ExportError) as info:
        export_segments(loaded, tmp_path / "s.csv", **options)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert not (tmp_path / "s.csv").exists()


def test_csv_of_the_test_project_is_readable(loaded: Project, tmp_path: Path) -> None:
    add_coding(loaded, document="interview-b", code="challenge.copyright", coder="alice",
               quote="版权 was a worry")
    export_segments(loaded, tmp_path / "s.csv", context=True)
    text = (tmp_path / "s.csv").read_text(encoding="utf-8")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["text"], row["case"], row["case_region"]) == ("版权 was a worry", "Lab B", "Asia")
    # the sentence after the coding's end: the coding stops inside its own sentence
    assert row["context_after"] == "Ünïcödé names in the corpus, and مرحبا too."
    assert row["context_before"] == "What was hard?"

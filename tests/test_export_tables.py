"""Writing tables as Markdown, LaTeX, CSV and Excel.

Regenerate the golden workbook dump with ``QUALCODE_REGEN=1 pytest tests/test_export_tables.py``.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from qualcode.dataset import Dataset
from qualcode.errors import ExportError
from qualcode.export.tables import latex_escape, sheet_name, write_tables
from qualcode.thematic import thematic_tables
from tests.test_thematic import check_golden, sample  # noqa: F401  (a fixture)


def small() -> dict[str, tuple[str, pd.DataFrame]]:
    frame = pd.DataFrame({
        "code": ["a|b", "c\nd"],
        "n": [3, 12],
        "share": [0.5, math.nan],
        "tick": ["✓", None],
    })
    return {"01-small": ("A & B: 50% “done”…", frame)}


def test_markdown_escapes_pipes_joins_lines_and_right_aligns_numbers(tmp_path: Path) -> None:
    paths = write_tables(small(), tmp_path, fmt="md")
    assert paths == [tmp_path / "01-small.md"]
    assert paths[0].read_text(encoding="utf-8") == (
        "### A & B: 50% “done”…\n"
        "\n"
        "| code | n | share | tick |\n"
        "|---|---:|---:|---|\n"
        "| a\\|b | 3 | 0.50 | ✓ |\n"
        "| c d | 12 |  |  |\n"
    )


def test_latex_is_a_booktabs_tabular_with_escapes(tmp_path: Path) -> None:
    tables = small()
    tables["01-small"][1].loc[0, "code"] = "x_1 {50%} #2 $3 ~^\\"
    write_tables(tables, tmp_path, fmt="tex")
    assert (tmp_path / "01-small.tex").read_text(encoding="utf-8") == (
        "% 01-small: A & B: 50% “done”…\n"
        "% qualcode table; needs \\usepackage{booktabs} (and amssymb for \\checkmark)\n"
        "\\begin{tabular}{lrrl}\n"
        "\\toprule\n"
        "code & n & share & tick \\\\\n"
        "\\midrule\n"
        "x\\_1 \\{50\\%\\} \\#2 \\$3 \\textasciitilde{}\\textasciicircum{}\\textbackslash{} & 3 & "
        "0.50 & \\checkmark{} \\\\\n"
        "c d & 12 &  &  \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
    )


def test_latex_escape_maps_typographic_marks() -> None:
    assert latex_escape("“a” ‘b’ c… 1–2 — ✓ & <x>") == (
        "``a'' `b' c\\ldots{} 1--2 --- \\checkmark{} \\& \\textless{}x\\textgreater{}")


def test_latex_gives_long_text_a_paragraph_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"quote": ["word " * 20], "label": ["x" * 45], "short": ["x" * 30],
                          "n": [1]})
    write_tables({"q": ("Q", frame)}, tmp_path, fmt="tex")
    text = (tmp_path / "q.tex").read_text(encoding="utf-8")
    assert "\\begin{tabular}{p{5.0cm}p{3.0cm}lr}\n" in text


def test_csv_is_utf8_with_newlines(tmp_path: Path) -> None:
    write_tables(small(), tmp_path, fmt="csv")
    assert (tmp_path / "01-small.csv").read_bytes() == (
        'code,n,share,tick\na|b,3,0.5,✓\n"c\nd",12,,\n'.encode())


def test_an_empty_table_keeps_its_header(tmp_path: Path) -> None:
    tables = {"e": ("Empty", pd.DataFrame(columns=["code", "n_cases"]))}
    write_tables(tables, tmp_path, fmt="md")
    assert (tmp_path / "e.md").read_text(encoding="utf-8") == (
        "### Empty\n\n| code | n_cases |\n|---|---|\n")
    write_tables(tables, tmp_path, fmt="xlsx")
    sheet = load_workbook(tmp_path / "tables.xlsx")["e"]
    assert [c.value for c in sheet[1]] == ["code", "n_cases"]
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:B1"


def test_xlsx_never_turns_text_into_formulas(tmp_path: Path) -> None:
    risky = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]
    frame = pd.DataFrame({"=head": risky, "n": range(len(risky))})
    write_tables({"risky": ("Risky", frame)}, tmp_path, fmt="xlsx")
    sheet = load_workbook(tmp_path / "tables.xlsx")["risky"]
    cells = [sheet.cell(row=r, column=1) for r in range(1, len(risky) + 2)]
    assert [c.value for c in cells] == ["=head", *risky]
    assert {c.data_type for c in cells} == {"s"}
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert "<f " not in xml


def test_xlsx_layout(tmp_path: Path) -> None:
    frame = pd.DataFrame({"code": ["x", "y"], "quote": ["long " * 30, "short"], "n": [1, 2]})
    tables = {"a-very-long-table-key-for-a-sheet-name": ("A & B", frame)}
    assert write_tables(tables, tmp_path, fmt="xlsx") == [tmp_path / "tables.xlsx"]
    book = load_workbook(tmp_path / "tables.xlsx")
    assert book.sheetnames == ["a-very-long-table-key-for-a-she"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb == "00DDE4EE"
    assert sheet.column_dimensions["A"].width == 8
    assert sheet.column_dimensions["B"].width == 60
    assert sheet["B2"].alignment.wrap_text
    assert sheet["B2"].value == "long " * 30
    assert sheet["C2"].value == 1
    assert sheet.oddHeader.center.text == "A && B"


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    assert sheet_name("a/b:c", used) == "a-b-c"
    assert sheet_name("A/B:C", used) == "A-B-C~2"
    assert sheet_name("x" * 40, used) == "x" * 31
    assert sheet_name("x" * 40, used) == "x" * 29 + "~2"


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as caught:
        write_tables(small(), tmp_path, fmt="html")
    assert str(caught.value) == "unknown table format 'html'; use one of md, tex, csv, xlsx"


def test_output_folder_is_created_when_its_parent_exists(tmp_path: Path) -> None:
    paths = write_tables(small(), tmp_path / "tables", fmt="csv")
    assert paths == [tmp_path / "tables" / "01-small.csv"]
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == ["01-small.csv"]


def test_missing_parent_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "no" / "tables"
    with pytest.raises(ExportError) as caught:
        write_tables(small(), target, fmt="md")
    assert str(caught.value) == (f"{target}: the folder cannot be created because its parent "
                                 "does not exist (create the parent folder first)")


def test_a_file_is_not_an_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "file.md"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ExportError) as caught:
        write_tables(small(), target, fmt="md")
    assert str(caught.value) == f"{target}: not a folder (give a folder for the tables)"


def test_a_key_must_be_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as caught:
        write_tables({"../x": ("X", pd.DataFrame())}, tmp_path, fmt="md")
    assert str(caught.value) == "table key '../x' cannot be used as a file name"
    assert list(tmp_path.iterdir()) == []


def _dump(path: Path) -> str:
    """Every sheet's cell values as JSON, one row per line."""
    sheets = []
    for sheet in load_workbook(path).worksheets:
        rows = [json.dumps([cell.value for cell in row], ensure_ascii=False)
                for row in sheet.iter_rows()]
        sheets.append(f" {json.dumps(sheet.title)}: [\n  " + ",\n  ".join(rows) + "\n ]")
    return "{\n" + ",\n".join(sheets) + "\n}\n"


def test_sample_workbook_matches_golden_dump(sample: Dataset, tmp_path: Path) -> None:  # noqa: F811
    tables = thematic_tables(sample)
    [path] = write_tables(tables, tmp_path, fmt="xlsx")
    dump = _dump(path)
    assert list(json.loads(dump)) == list(tables)
    check_golden("tables.xlsx.json", dump)
    book = load_workbook(path)
    assert book.sheetnames == list(tables)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
            f"{sheet.max_row}"
        assert all(cell.font.b for cell in sheet[1])


def test_sample_writes_every_format(sample: Dataset, tmp_path: Path) -> None:  # noqa: F811
    tables = thematic_tables(sample)
    for fmt in ("md", "tex", "csv"):
        paths = write_tables(tables, tmp_path / fmt, fmt=fmt)
        assert [p.name for p in paths] == [f"{key}.{fmt}" for key in tables]
    board = pd.read_csv(tmp_path / "csv" / "02-stage-boards.csv", keep_default_na=False)
    assert board.equals(tables["02-stage-boards"][1])
    assert list(tmp_path.glob("*/.*.tmp")) == []

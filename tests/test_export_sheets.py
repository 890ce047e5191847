"""Streamed Excel sheets and CSV rows: the same cells, formats and text as the sheets and
files built in memory, whatever the values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from qualcode.export import excel, sheets
from qualcode.export.formats import write_csv, write_csv_rows

TRICKY: list[Any] = [
    "plain", "=1+1", "+SUM(A1:A2)", "@cmd", "\tx", "\rx", "a\rb", "a\r\nb", "two\nlines",
    " padded ", "&amp; <b> > &#13;", "bell\x07 and escape\x1b", "x" * 40_000, "", None,
    0.25, float("nan"), float("inf"), True, np.int64(7), 12_345_678_901_234_567, -3,
    "café 🙂 数据",
]


def _frame(rows: int = 3) -> pd.DataFrame:
    values = [TRICKY[(i + r) % len(TRICKY)] for r in range(rows) for i in range(len(TRICKY))]
    columns = [f"c{i}" for i in range(len(TRICKY))] + ["late"]
    records = [values[r * len(TRICKY):(r + 1) * len(TRICKY)] for r in range(rows)]
    for number, record in enumerate(records):
        # short at first, then wider than a column may be: its earlier cells must wrap too
        record.append("y" * 70 if number == rows - 1 else ("" if number % 2 else "short"))
    return pd.DataFrame(records, columns=columns, dtype=object)


def _dump(path: Path) -> list[Any]:
    found: list[Any] = []
    for sheet in load_workbook(path).worksheets:
        found.append((sheet.title, sheet.freeze_panes, sheet.auto_filter.ref, sheet.max_row,
                      sheet.max_column, sheet.oddHeader.center.text))
        found.append(sorted((k, v.width) for k, v in sheet.column_dimensions.items()))
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                found.append((cell.coordinate, cell.value, cell.data_type, cell.font.b,
                              cell.fill.fgColor.rgb, cell.alignment.wrap_text,
                              cell.alignment.vertical))
    return found


def _both(tmp_path: Path, frame: pd.DataFrame) -> tuple[list[Any], list[Any], list[str], list[str]]:
    """The frame as a sheet built in memory and as a streamed one: dumps and warnings."""
    dumps, warned = [], []
    for write_only in (False, True):
        book = excel.new_workbook(write_only=write_only)
        warnings: list[str] = []
        excel.add_table(book, "data & more", "Data & more", frame, set(), warnings)
        target = tmp_path / f"{write_only}.xlsx"
        excel.save_workbook(book, target)
        dumps.append(_dump(target))
        warned.append(warnings)
    return dumps[0], dumps[1], warned[0], warned[1]


def test_a_streamed_sheet_equals_the_sheet_built_in_memory(tmp_path: Path) -> None:
    in_memory, streamed, warned, streamed_warnings = _both(tmp_path, _frame(40))
    assert streamed == in_memory
    assert streamed_warnings == warned
    assert warned[0].startswith("sheet 'data & more' cell ")
    late = [cell for cell in streamed if isinstance(cell, tuple) and str(cell[0]).startswith("X")]
    assert len(late) == 41
    assert all(cell[5] for cell in late[1:])  # every data cell of the column wraps


def test_restyling_works_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "CHUNK", 300)
    in_memory, streamed, _, _ = _both(tmp_path, _frame(60))
    assert streamed == in_memory


def test_rows_past_a_sheet_continue_on_more_sheets(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 4)
    in_memory, streamed, warned, streamed_warnings = _both(tmp_path, _frame(9))
    assert streamed == in_memory
    assert streamed_warnings == warned
    assert warned[-1] == ("9 rows are more than an Excel sheet holds (4); they continue over the "
                          "sheets 'data & more', 'data & more (2)', 'data & more (3)'")


def test_an_empty_table_and_a_table_without_columns(tmp_path: Path) -> None:
    for frame in (pd.DataFrame(columns=["a", "b"]), pd.DataFrame()):
        in_memory, streamed, _, _ = _both(tmp_path, frame)
        assert streamed == in_memory


def test_streamed_csv_rows_equal_the_csv_of_a_frame(tmp_path: Path) -> None:
    frame = _frame(5)
    write_csv(frame, tmp_path / "frame.csv")
    rows = (tuple(row) for row in frame.itertuples(index=False, name=None))
    count = write_csv_rows(list(frame.columns), rows, tmp_path / "rows.csv")
    assert count == 5
    text = (tmp_path / "rows.csv").read_bytes()
    assert text == (tmp_path / "frame.csv").read_bytes()
    assert b'"a\rb"' in text
    assert b"'=1+1" in text


def test_csv_cells_are_quoted_when_they_hold_line_breaks(tmp_path: Path) -> None:
    target = tmp_path / "s.csv"
    write_csv_rows(["a", "b"], [("x\ry", None), ("=1", 2.5), ("two\nlines", "")], target)
    assert target.read_bytes() == b"a,b\n\"x\ry\",\n'=1,2.5\n\"two\nlines\",\n"


def test_an_interrupted_streamed_workbook_keeps_the_previous_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl.writer.excel import ExcelWriter

    def broken(writer: ExcelWriter) -> None:
        writer._archive.writestr("half", b"x" * 100)
        raise KeyboardInterrupt

    monkeypatch.setattr(ExcelWriter, "save", broken)
    target = tmp_path / "s.xlsx"
    target.write_bytes(b"previous")
    book = excel.new_workbook(write_only=True)
    excel.add_table(book, "data", "Data", _frame(3), set())
    with pytest.raises(KeyboardInterrupt):
        excel.save_workbook(book, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]

"""CSV/XLSX tables: read_rows edge cases and answer tables as documents."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest import ReadOptions, read_documents
from qualcode.ingest.tables import read_rows

DATA = Path(__file__).parent / "data" / "ingest"


def rows_error(name: str) -> str:
    with pytest.raises(InputError) as caught:
        read_rows(DATA / name)
    return str(caught.value)


def test_read_rows_numbers_rows_as_a_spreadsheet_does() -> None:
    columns, rows = read_rows(DATA / "answers.csv")
    assert columns == ["id", "age", "Stage", "answer", "speaker"]
    assert [(number, values["id"], values["answer"]) for number, values in rows] == [
        (2, "R1", "I liked it, mostly."),
        (3, "R2", "Two lines\nin one answer"),
        (4, "R3", ""),
        (6, "R4", "Fine."),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("answers_semicolon.csv", [(2, "A1", "Hola, qué tal"), (3, "A2", "Bien; gracias")]),
        ("answers_tab.csv", [(2, "T1", "Tabbed, with a comma")]),
        ("answers_bom.csv", [(2, "U1", "Ünïcödé")]),
        ("answers_cp1252.csv", [(2, "W1", "déjà vu – twice")]),
        ("formula.csv", [(2, "F1", "=SUM(A1:A3)"), (3, "F2", "@cmd")]),
        ("trailing_comma.csv", [(2, "1", "x"), (3, "2", "y")]),
        ("blank_first_row.xlsx", [(3, "B1", "text")]),
        # a formula gives its stored value; text that looks like a formula stays text
        ("formula.xlsx", [(2, "F1", "2"), (3, "F2", "=SUM(A1:A3)")]),
    ],
)
def test_read_rows_delimiters_encodings_and_formulas(
    name: str, expected: list[tuple[int, str, str]]
) -> None:
    columns, rows = read_rows(DATA / name)
    assert columns == ["id", "answer"]
    assert [(n, values["id"], values["answer"]) for n, values in rows] == expected


def test_read_rows_xlsx_values_as_text() -> None:
    columns, rows = read_rows(DATA / "answers.xlsx")
    assert columns == ["id", "age", "answer", "when"]
    assert rows == [
        (2, {"id": "X1", "age": "34", "answer": "Quite good.", "when": "2024-03-01"}),
        (4, {"id": "X2", "age": "41", "answer": "Not bad.\nReally.", "when": ""}),
        (5, {"id": "X3", "age": "2.5", "answer": "true", "when": ""}),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("duplicate_header.csv", "1: duplicate column 'id' (columns 1 and 3)"),
        ("unnamed_column.csv", "1: column 2 has values but no name in the header"),
        ("extra_values.csv", ("3: row has 3 values but the header has 2 (put values that contain "
                              "the delimiter in double quotes, or name the extra columns)")),
        ("empty.txt", " file is empty (leave it out, or check that it is the file you meant)"),
        ("whitespace.txt", " file contains only whitespace (leave it out, or check that it is the file you meant)"),
        ("empty.xlsx", " file is empty (leave it out, or check that it is the file you meant)"),
        ("html.xlsx", (" not a valid .xlsx file (not a zip archive)"
         " (open it in Excel and save it in the .xlsx format)")),
        ("document.xlsx", (" not a valid .xlsx file (no workbook inside)"
         " (open it in Excel and save it as an .xlsx workbook)")),
        ("photo.txt", (" is a PNG image, not a table"
         " (give the file its real suffix, or save the table as a UTF-8 CSV file)")),
    ],
)
def test_read_rows_errors(name: str, message: str) -> None:
    assert rows_error(name) == f"{DATA / name}:{message}"


def test_read_rows_forced_encoding() -> None:
    _, rows = read_rows(DATA / "answers_cp1252.csv", encoding="latin-1")
    assert rows[0][1]["answer"] == "déjà vu \ufffd twice"


ANSWERS = ReadOptions(text_column="answer", id_column="id")


def test_answer_table_gives_one_document_per_row() -> None:
    path = DATA / "answers.csv"
    documents = read_documents(path, options=ANSWERS)
    assert [d.name for d in documents] == ["R1", "R2", "R4"]
    first, second, _ = documents
    assert first.text == "I liked it, mostly."
    assert first.format == "csv"
    assert first.source_path == str(path)
    assert first.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dict(first.attributes) == {"age": "34", "stage": "early"}
    assert [(t.speaker, t.role, t.start, t.end) for t in first.turns] == [
        ("R1", "participant", 0, 19)
    ]
    assert first.warnings == ("skipped row 4: no text in column 'answer'",)
    assert second.turns[0].speaker == "Respondent Two"
    assert second.text == "Two lines\nin one answer"
    assert second.warnings == ()


def test_answer_table_without_id_column_and_any_case_of_column_names() -> None:
    documents = read_documents(DATA / "answers.xlsx", options=ReadOptions(text_column="ANSWER"))
    assert [(d.name, d.format, d.text) for d in documents] == [
        ("answers-2", "xlsx", "Quite good."),
        ("answers-4", "xlsx", "Not bad.\nReally."),
        ("answers-5", "xlsx", "true"),
    ]
    assert dict(documents[0].attributes) == {"id": "X1", "age": "34", "when": "2024-03-01"}


def test_answer_table_keeps_the_encoding_warning() -> None:
    [document] = read_documents(DATA / "answers_cp1252.csv", options=ANSWERS)
    assert document.warnings == ("decoded as cp1252; pass --encoding to choose",)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        (
            "answers.csv",
            ReadOptions(),
            " is a table: give --text-column (and --id-column) to ingest one document per row",
        ),
        (
            "answers.xlsx",
            ReadOptions(id_column="id"),
            " is a table: give --text-column (and --id-column) to ingest one document per row",
        ),
        (
            "answers.csv",
            ReadOptions(text_column="response"),
            " no column 'response' for --text-column (columns: id, age, Stage, answer, speaker)",
        ),
        (
            "answers.csv",
            ReadOptions(text_column="answer", id_column="key"),
            " no column 'key' for --id-column (columns: id, age, Stage, answer, speaker)",
        ),
        ("duplicate_ids.csv", ANSWERS, "4: duplicate id 'R1' (also on row 2)"),
        ("no_text.csv", ANSWERS, " no row has text in column 'answer'"),
        ("header_only.csv", ANSWERS, " no row has text in column 'answer'"),
    ],
)
def test_answer_table_errors(name: str, options: ReadOptions, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_documents(DATA / name, options=options)
    assert str(caught.value) == f"{DATA / name}:{message}"


def test_answer_table_with_an_empty_id(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id,answer\nA,yes\n,no\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_documents(path, options=ANSWERS)
    assert str(caught.value) == f"{path}:3: no value in column 'id'"

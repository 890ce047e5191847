"""Cases files: documents or cases with their attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest.cases import CaseRow, read_cases

DATA = Path(__file__).parent / "data" / "ingest"


def test_cases_keyed_by_document() -> None:
    assert read_cases(DATA / "cases.csv") == [
        CaseRow(2, "int-01", "P01", {"lifecycle_stage": "early", "age_group": "30-39"}),
        CaseRow(
            3,
            "int-02",
            "P01",
            {"lifecycle_stage": "early", "age_group": "30-39", "notes": "second interview"},
        ),
        CaseRow(4, "int-03", "int-03", {"lifecycle_stage": "late", "age_group": "40-49"}),
    ]


def test_cases_keyed_by_case() -> None:
    assert read_cases(DATA / "cases_by_case.csv") == [
        CaseRow(2, "P01", "P01", {"stage": "early"}),
        CaseRow(3, "P02", "P02", {"stage": "late"}),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cases_duplicate.csv", "4: duplicate document 'int-01' (also on row 2)"),
        ("cases_no_key.csv", " needs a 'document' or a 'case' column (columns: name, stage)"),
        ("cases_collision.csv", " columns 'Age' and 'age' both become the attribute 'age'"),
        ("cases_empty_key.csv", "3: no value in column 'document'"),
        ("duplicate_header.csv", "1: duplicate column 'id' (columns 1 and 3)"),
        ("empty.txt", " file is empty (leave it out, or check that it is the file you meant)"),
    ],
)
def test_cases_errors(name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_cases(DATA / name)
    assert str(caught.value) == f"{DATA / name}:{message}"

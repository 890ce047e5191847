"""Word .docx transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest import read_documents

DATA = Path(__file__).parent / "data" / "ingest"


def test_docx_paragraphs_tables_and_line_breaks() -> None:
    [document] = read_documents(DATA / "interview.docx")
    assert document.format == "docx"
    assert document.name == "interview"
    assert document.text == (
        "Interview 4\n"
        "Interviewer: Tell me about the project.\n"
        "P04: It began in 2019.\nThen it grew.\n"
        "Interviewer:\tAnd now?\n"
        "P04: Now it is stable 🙂."
    )
    spans = [(t.speaker, t.role, document.text[t.start : t.end]) for t in document.turns]
    assert spans == [
        ("", "other", "Interview 4"),
        ("Interviewer", "interviewer", "Tell me about the project."),
        ("P04", "participant", "It began in 2019.\nThen it grew."),
        ("Interviewer", "interviewer", "And now?"),
        ("P04", "participant", "Now it is stable 🙂."),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("corrupt.docx", "not a valid .docx file (damaged zip archive) (save it again from Word)"),
        ("html.docx", ("not a valid .docx file (not a zip archive)"
         " (open it in Word and save it in the .docx format)")),
        ("spreadsheet.docx", ("not a valid .docx file (no Word document inside)"
         " (open it in Word and save it again as a .docx file)")),
        ("empty.docx", "document has no text"),
    ],
)
def test_unreadable_docx(name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_documents(DATA / name)
    assert str(caught.value) == f"{DATA / name}: {message}"

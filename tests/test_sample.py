"""The shipped sample: transcripts, cases and the reference coding."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from qualcode.anchor import find_quote
from qualcode.codebook import load_codebook
from qualcode.ingest import read_documents

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "open-llm-collaboration.yaml"
TRANSCRIPT_SUFFIXES = {".txt", ".md", ".docx", ".vtt", ".srt"}

ORGANISATION_TYPES = {"grassroots", "nonprofit", "research_institute", "public_body", "startup_sme", "big_tech"}
LICENCES = {"permissive", "restrictive", "mixed"}
CASE_COLUMNS = ["document", "case", "organisation", "llm", "organisation_type", "region", "country",
                "licence", "orgmodel"]

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|io|ai|edu)(?:/\S*)?\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w.])\+?\d(?:[ .\-()]{0,2}\d){6,}(?![\w.])")


def _transcripts() -> list[Path]:
    return sorted(p for p in SAMPLE.iterdir() if p.suffix in TRANSCRIPT_SUFFIXES)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    found = {}
    for path in _transcripts():
        (doc,) = read_documents(path)
        found[doc.name] = doc.text
    return found


def _rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fourteen_transcripts_in_several_formats(texts: dict[str, str]) -> None:
    paths = _transcripts()
    assert len(paths) == 14
    suffixes = Counter(p.suffix for p in paths)
    assert suffixes[".docx"] >= 1
    assert suffixes[".vtt"] >= 1
    assert suffixes[".txt"] + suffixes[".md"] >= 10
    raw = {p.name: p.read_bytes() for p in paths if p.suffix in (".txt", ".md")}
    assert any(b"\r\n" in data for data in raw.values()), "one transcript has CRLF line endings"
    assert any(re.search(rb"^\[\d\d:\d\d:\d\d\] ", data, re.MULTILINE) for data in raw.values())
    for name, text in texts.items():
        assert 1200 <= len(text.split()) <= 2600, name


def test_cases_file_has_one_row_per_transcript(texts: dict[str, str]) -> None:
    rows = _rows("cases.csv")
    assert list(rows[0]) == CASE_COLUMNS
    assert sorted(r["document"] for r in rows) == sorted(texts)
    orgmodels = {c.id for c in load_codebook(CODEBOOK).codes if c.id.startswith("orgmodel.")}
    for row in rows:
        assert row["organisation_type"] in ORGANISATION_TYPES, row
        assert row["licence"] in LICENCES, row
        assert row["orgmodel"] in orgmodels, row
        assert all(row[column] for column in CASE_COLUMNS), row


def test_every_reference_quote_occurs_once_in_its_transcript(texts: dict[str, str]) -> None:
    ids = set(load_codebook(CODEBOOK).ids())
    rows = _rows("codings.csv")
    assert len(rows) >= 14 * 25
    for number, row in enumerate(rows, start=2):
        where = f"codings.csv:{number}"
        assert row["code"] in ids, where
        assert len(find_quote(texts[row["document"]], row["quote"])) == 1, where


def test_sample_has_no_contact_details(texts: dict[str, str]) -> None:
    sources = dict(texts)
    for name in ("cases.csv", "codings.csv"):
        sources[name] = (SAMPLE / name).read_text(encoding="utf-8")
    for name, text in sources.items():
        assert EMAIL.findall(text) == [], name
        assert URL.findall(text) == [], name
        assert PHONE.findall(text) == [], name


def test_contact_detail_patterns_do_find_such_details() -> None:
    text = "mail jane.doe@example.org or call +47 22 33 44 55, see https://example.org/x and www.site.net"
    assert EMAIL.findall(text) == ["jane.doe@example.org"]
    assert len(URL.findall(text)) >= 2
    assert PHONE.findall(text)

"""Property-based tests: any Unicode transcript reads without a crash, and every turn,
segment and coding points exactly at its text (``text[start:end] == quote``)."""

from __future__ import annotations

import csv
import itertools
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.coding import add_coding, import_codings
from qualcode.corpus import ingest_paths
from qualcode.errors import QualcodeError
from qualcode.ingest import read_documents
from qualcode.ingest.normalise import normalise_text
from qualcode.models import ParsedDocument
from qualcode.project import install_codebook
from qualcode.segment import segment_document
from qualcode.store import Project, open_project
from qualcode.store import documents as store_documents
from tests.conftest import PROJECT_DATA, assert_invariants

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
STORED = settings(SETTINGS, max_examples=50)  # each example writes to a project
NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\u2029", "\n\n", "\r\n\r\n"])
# any character but surrogates; weighted towards the hard cases
HARD = st.sampled_from(["\U0001F469\u200d\U0001F52C", "\U00020000", "e\u0301", "\u0301",
                        "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u202e",
                        "\u200f", "\ufeff", "\t", " ", ":", "**", "[00:01:02]", "\u00a0",
                        "\u3000", "\uff1a", "#"])
CHARS = st.one_of(st.characters(exclude_categories=["Cs"]), HARD)
UTTERANCE = st.lists(CHARS, max_size=60).map("".join)
LABEL = st.one_of(
    st.sampled_from(["Interviewer", "P01", "Anna Schmidt", "INT", "Speaker 2", "\u91c7\u8bbf\u8005",
                     "\u0645\u0631\u064a\u0645", "Dr. Meyer", "Q", "**P02**", "[00:00:05] P03"]),
    st.text(st.characters(categories=["Lu", "Ll", "Lo", "Mn", "Nd"]), min_size=1, max_size=12),
)
TRANSCRIPT = st.lists(st.tuples(LABEL, UTTERANCE, NEWLINES), max_size=12).map(
    lambda turns: "".join(f"{label}: {said}{newline}" for label, said, newline in turns))


@pytest.fixture
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _read(folder: Path, text: str, suffix: str, name: str = "t") -> ParsedDocument | None:
    path = folder / f"{name}{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        (doc,) = read_documents(path)
    except QualcodeError:
        return None  # a clear error (empty, binary, bad front matter) is a fine answer
    return doc


def _check_document(doc: ParsedDocument) -> None:
    text = doc.text
    assert normalise_text(text) == text
    assert unicodedata.is_normalized("NFC", text)
    previous_end = 0
    for turn in doc.turns:
        piece = text[turn.start : turn.end]
        assert previous_end <= turn.start < turn.end <= len(text)
        assert piece == piece.strip()
        previous_end = turn.end
    for segment in segment_document(text, doc.turns):
        turn = doc.turns[segment.turn]
        piece = text[segment.start : segment.end]
        assert turn.start <= segment.start < segment.end <= turn.end
        assert piece
        assert piece == piece.strip()


@SETTINGS
@given(text=TRANSCRIPT, suffix=st.sampled_from([".txt", ".md"]))
def test_any_transcript_reads_and_its_spans_hold(folder: Path, text: str, suffix: str) -> None:
    doc = _read(folder, text, suffix)
    if doc is not None:
        _check_document(doc)


@SETTINGS
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=300))
def test_any_text_at_all_reads_or_fails_clearly(folder: Path, text: str) -> None:
    doc = _read(folder, text, ".txt")
    if doc is not None:
        _check_document(doc)


CUE_TEXT = st.lists(st.one_of(st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), HARD),
                   min_size=1, max_size=40).map("".join)
CUES = st.lists(st.tuples(LABEL, CUE_TEXT, st.booleans()), min_size=1, max_size=8)


@SETTINGS
@given(cues=CUES, suffix=st.sampled_from([".vtt", ".srt"]))
def test_any_captions_read_and_their_spans_hold(folder: Path, cues: list[tuple[str, str, bool]],
                                                suffix: str) -> None:
    blocks = []
    for number, (label, said, voice) in enumerate(cues, start=1):
        stamp = f"00:00:{number:02d}{'.' if suffix == '.vtt' else ','}000"
        end = f"00:00:{number:02d}{'.' if suffix == '.vtt' else ','}900"
        payload = f"<v {label}>{said}" if voice and suffix == ".vtt" else f"{label}: {said}"
        blocks.append(f"{number}\n{stamp} --> {end}\n{payload}\n")
    head = "WEBVTT\n\n" if suffix == ".vtt" else ""
    doc = _read(folder, head + "\n".join(blocks), suffix)
    if doc is not None:
        _check_document(doc)


@pytest.fixture
def coded_project(tmp_path: Path) -> Iterator[Project]:
    with open_project(tmp_path / "p.db") as project:
        install_codebook(project, PROJECT_DATA / "codebook.yaml")
        yield project


_names = itertools.count()


def _ingest(project: Project, folder: Path, text: str) -> tuple[str, str] | None:
    """Ingest ``text`` as a new document; its name and stored text (None if refused)."""
    name = f"doc-{next(_names)}"
    path = folder / f"{name}.txt"
    path.write_bytes(text.encode("utf-8"))
    report = ingest_paths(project, [path], privacy="off")
    if report.failed:
        return None
    with project.read() as conn:
        stored = store_documents.find_document(conn, name)
    assert stored is not None
    return name, stored.text


SPANS = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=5)


def _spans(text: str, fractions: list[tuple[float, float]]) -> list[tuple[int, int]]:
    spans = []
    for a, b in fractions:
        start, end = sorted((int(a * len(text)), int(b * len(text))))
        if start < end:
            spans.append((start, end))
    return spans


@STORED
@given(text=TRANSCRIPT, fractions=SPANS)
def test_codings_added_at_any_span_keep_their_quote(coded_project: Project, folder: Path,
                                                   text: str, fractions: list[tuple[float, float]]) -> None:
    stored = _ingest(coded_project, folder, text)
    if stored is None:
        return
    name, doc_text = stored
    for start, end in _spans(doc_text, fractions):
        coding = add_coding(coded_project, document=name, code="domain.compute", coder="prop",
                            start=start, end=end)
        assert (coding.start, coding.end) == (start, end)
        assert coding.quote == doc_text[start:end]
    assert_invariants(coded_project)


@STORED
@given(text=TRANSCRIPT, fractions=SPANS, by_offsets=st.booleans())
def test_imported_codings_keep_their_quote(coded_project: Project, folder: Path, text: str,
                                           fractions: list[tuple[float, float]],
                                           by_offsets: bool) -> None:
    stored = _ingest(coded_project, folder, text)
    if stored is None:
        return
    name, doc_text = stored
    sheet = folder / f"{name}-codings.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "code", "coder", "quote", "start", "end"])
        for start, end in _spans(doc_text, fractions):
            offsets = (start, end) if by_offsets else ("", "")
            writer.writerow([name, "domain.models", "prop", doc_text[start:end], *offsets])
    report = import_codings(coded_project, sheet, skip_bad=True)
    assert report.committed
    assert report.added + report.duplicates + len(report.problems) == report.rows
    assert_invariants(coded_project)

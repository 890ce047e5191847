"""Small documents are matched many to a doc (``group_doc``, ``match_group``), and worker
processes read chunks of documents themselves (``qualcode.assist.chunks``): the tokens, the
hits, the suggestions and the progress reported are those of one document at a time in
one process."""

from __future__ import annotations

import csv
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qualcode.assist.chunks
import qualcode.assist.stream
from qualcode import nlp
from qualcode.assist.chunks import chunked
from qualcode.assist.stream import group_doc, match_document, match_group
from qualcode.assist.suggest import suggest
from qualcode.assist.units import Unit, load_units
from qualcode.corpus import ingest_paths
from qualcode.ingest import ReadOptions
from qualcode.nlp.tokens import encode, joined_units_doc
from qualcode.project import install_codebook
from qualcode.store import Project, open_project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.engine import backup_to

from .conftest import REPO
from .test_token_cache import same_tokens

CODEBOOK = REPO / "codebooks" / "open-llm-collaboration.yaml"
TEXTS = [
    "We don't know; let's see. I'm sure it's 9 a.m. :) U.S.A.",
    "(a b) [laughs]x \n  don't.yes it's",
    "Emoji 😀 and 中文字符，还有标点。 then \u00a0no-break space",
    "The base model was released with open weights.",
]
SPANS = [[(0, 25), (26, 56)], [(1, 4), (6, 13), (21, 23)], [(0, 5)], [(4, 14), (19, 46)]]


def kept(text: str) -> bytes:
    return encode(nlp.pipeline().tokenizer(text))


def test_the_spans_of_several_texts_make_the_doc_of_their_text_joined() -> None:
    doc, joined = joined_units_doc([(t, kept(t), s) for t, s in zip(TEXTS, SPANS, strict=True)])
    assert joined == " ".join(t[a:b] for t, s in zip(TEXTS, SPANS, strict=True) for a, b in s)
    same_tokens(doc, next(nlp.tokenise([joined])))


def test_texts_without_spans_add_nothing() -> None:
    parts = [(TEXTS[0], kept(TEXTS[0]), []), (TEXTS[3], kept(TEXTS[3]), SPANS[3]),
             (TEXTS[1], kept(TEXTS[1]), [])]
    doc, joined = joined_units_doc(parts)
    assert joined == "base model released with open weights."
    same_tokens(doc, next(nlp.tokenise([joined])))
    empty, nothing = joined_units_doc([(TEXTS[0], kept(TEXTS[0]), [])])
    assert (len(empty), nothing) == (0, "")


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """Every answer of the sample's plain-text interviews as a survey answer of its own."""
    folder = tmp_path_factory.mktemp("groups")
    answers = [line.split(":", 1)[1].strip()
               for path in sorted((REPO / "transcripts_sample").glob("*.txt"))
               for line in path.read_text(encoding="utf-8").splitlines()
               if re.match(r"P\d+:", line)]
    table = folder / "answers.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer"])
        writer.writerows([f"R{number:03d}", text] for number, text in enumerate(answers, 1))
    with open_project(folder / "survey.qualcode") as project:
        install_codebook(project, CODEBOOK)
        options = ReadOptions(text_column="answer", id_column="id")
        assert not ingest_paths(project, [table], options=options).failed
        yield project


def units_by_document(project: Project) -> dict[str, list[Unit]]:
    with project.read() as conn:
        found: dict[str, list[Unit]] = {}
        for u in load_units(conn):
            found.setdefault(u.document, []).append(u)
    return found


def hit_rows(matched: Any) -> list[tuple[Any, ...]]:
    """Each hit by its unit's place in the text, cue key and span: comparable across groups."""
    found = matched.found
    return sorted((found.units[row[0]].document, found.units[row[0]].start, found.keys[row[1]],
                   *row[4:]) for row in found.hits.tolist())


def test_a_group_finds_what_its_documents_find_one_by_one(survey: Project) -> None:
    with survey.read() as conn:
        codes = store_codes.list_codes(conn)
        texts = {d.name: (d.text, t.data) for d, t in store_documents.iter_documents_tokens(
            conn, store_documents.document_names(conn)) if t is not None}
    units = units_by_document(survey)
    assert len(units) > 20
    names = sorted(units)
    for sources in (True, False):
        parts = [(units[n], texts[n] if sources else None) for n in names]
        together = match_group(parts, True, codes)
        alone = [match_document(units[n], True, codes, texts[n] if sources else None)
                 for n in names]
        assert together.units == sum(m.units for m in alone)
        assert together.counts == sum((m.counts for m in alone), Counter())
        assert hit_rows(together) == sorted(r for m in alone for r in hit_rows(m))
        assert len(hit_rows(together)) > 20


def test_a_group_of_small_documents_is_tokenised_and_a_large_one_rebuilt(
        survey: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = nlp.tokenise
    monkeypatch.setattr(nlp, "tokenise", lambda texts: calls.append("tokenise") or original(texts))
    with survey.read() as conn:
        first = store_documents.document_names(conn)[:5]
        items = list(store_documents.iter_documents_tokens(conn, first))
    units = units_by_document(survey)
    parts = [(units[d.name], (d.text, t.data)) for d, t in items if t is not None]
    doc, text, spans = group_doc(parts)
    same_tokens(doc, next(original([text])))
    assert calls == ["tokenise"]
    monkeypatch.setattr(qualcode.assist.stream, "REBUILT", 0)
    rebuilt, again, _ = group_doc(parts)
    assert again == text
    assert calls == ["tokenise"]
    same_tokens(rebuilt, doc)
    assert [text[a:b] for a, b in spans] == [u.text for part, _ in parts for u in part]


def test_suggestions_are_the_same_one_document_at_a_time(
        survey: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    grouped = suggest(survey, dry_run=True).suggestions
    in_workers = suggest(survey, dry_run=True, processes=2).suggestions
    monkeypatch.setattr(qualcode.assist.stream, "GROUP_CHARACTERS", 0)
    one_by_one = suggest(survey, dry_run=True).suggestions
    assert grouped == one_by_one == in_workers
    assert len(grouped) > 30
    assert len({s.document for s in grouped}) > 10


def test_progress_names_every_document_of_a_group(survey: Project) -> None:
    calls: list[tuple[int, int, str]] = []
    suggest(survey, dry_run=True, progress=lambda *call: calls.append(call))
    units = units_by_document(survey)
    with survey.read() as conn:
        names = store_documents.document_names(conn)
    running = 0
    expected = []
    for number, name in enumerate(names, 1):
        running += len(units.get(name, []))
        expected.append((number, len(names), f"{name} ({running} units)"))
    assert calls == expected


def test_chosen_documents_are_not_grouped_with_the_others(survey: Project) -> None:
    with survey.read() as conn:
        names = store_documents.document_names(conn)
    chosen = names[3:6]
    report = suggest(survey, dry_run=True, documents=chosen)
    every = suggest(survey, dry_run=True).suggestions
    assert report.suggestions == [s for s in every if s.document in chosen]
    units = units_by_document(survey)
    assert report.units == sum(len(units.get(n, [])) for n in chosen)


def test_chunks_hold_every_name_once_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [(f"d{i}", size) for i, size in enumerate([5, 30, 1, 1, 60, 2, 2, 2])]
    monkeypatch.setattr(qualcode.assist.chunks, "CHUNK_CHARACTERS", 30)
    assert chunked(sizes) == [["d0", "d1"], ["d2", "d3", "d4"], ["d5", "d6", "d7"]]
    monkeypatch.setattr(qualcode.assist.chunks, "CHUNK_DOCUMENTS", 2)
    assert chunked(sizes) == [["d0", "d1"], ["d2", "d3"], ["d4"], ["d5", "d6"], ["d7"]]
    assert chunked([]) == []


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Chunks of a few answers, so the workers share the work; temporary files in tmp_path."""
    monkeypatch.setattr(qualcode.assist.chunks, "CHUNK_CHARACTERS", 3_000)
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_workers_reading_chunks_suggest_what_one_process_suggests(
        survey: Project, small_chunks: Path) -> None:
    here: list[tuple[int, int, str]] = []
    there: list[tuple[int, int, str]] = []
    alone = suggest(survey, dry_run=True, progress=lambda *call: here.append(call))
    workers = suggest(survey, dry_run=True, processes=2,
                      progress=lambda *call: there.append(call))
    assert workers.suggestions == alone.suggestions
    assert (workers.units, workers.by_code) == (alone.units, alone.by_code)
    assert there == here
    assert len(here) > 100
    assert list(small_chunks.iterdir()) == []  # the workers' files are gone


def test_workers_suggest_for_the_chosen_documents_only(survey: Project,
                                                       small_chunks: Path) -> None:
    with survey.read() as conn:
        names = store_documents.document_names(conn)
    chosen = names[10:14] + names[200:203]
    alone = suggest(survey, dry_run=True, documents=chosen)
    workers = suggest(survey, dry_run=True, documents=chosen, processes=2)
    assert workers.suggestions == alone.suggestions
    assert workers.units == alone.units > 0
    assert {s.document for s in workers.suggestions} <= set(chosen)


def test_workers_write_the_run_one_process_writes(survey: Project, small_chunks: Path,
                                                  tmp_path: Path) -> None:
    written = []
    for processes in (1, 2):
        target = tmp_path / f"copy{processes}.qualcode"
        backup_to(survey.engine, target)
        with open_project(target) as project:
            report = suggest(project, processes=processes, keep_suggestions=False)
            with project.read() as conn:
                stored = [(c.document, c.start, c.end, c.code, c.score, c.rationale)
                          for c in store_codings.find_codings(conn)]
        written.append((report.added, report.by_code, stored))
    assert written[0] == written[1]
    assert written[0][0] > 30

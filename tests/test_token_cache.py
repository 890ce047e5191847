"""Token boundaries kept at ingest (qualcode.nlp.tokens, the document_tokens table) and
their use by suggest and the model analysis: the same docs, the same suggestions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

import qualcode.assist.stream
import qualcode.nlp
from qualcode import nlp
from qualcode.assist.analysis import analyse_units
from qualcode.assist.stream import joined_doc, stored_sources, usable_source
from qualcode.assist.suggest import suggest
from qualcode.assist.units import load_units
from qualcode.corpus import ingest_paths
from qualcode.nlp.tokens import decode, encode, stored_doc, tokenizer_fingerprint, units_doc
from qualcode.project import install_codebook
from qualcode.store import Project, open_project, schema
from qualcode.store import codes as store_codes
from qualcode.store import documents as store_documents
from qualcode.store.engine import backup_to

from .conftest import DATA, REPO

SAMPLE = REPO / "transcripts_sample"
TRICKY = [
    "Hello  world,\n\n\tand tabs\there. ",
    "Emoji 😀 and 中文字符，还有标点。 then \u00a0no-break space",
    "We don't know; let's see. I'm sure it's 9 a.m. :) U.S.A.",
    "  starts with spaces\r\nand a CRLF line\n",
    "ends in whitespace \n\t ",
    "(a b) [laughs]x and.joined,words",
    "",
    "   ",
]
ATTRS = ["ORTH", "LOWER", "NORM", "LEMMA", "IDX", "LENGTH", "SPACY", "IS_SPACE", "IS_PUNCT",
         "IS_STOP", "LIKE_NUM", "LIKE_URL", "SHAPE", "PREFIX", "SUFFIX", "IS_ALPHA"]


def same_tokens(one: Any, other: Any) -> None:
    from spacy import attrs

    assert one.text == other.text
    ids = [getattr(attrs, name) for name in ATTRS]
    assert np.array_equal(one.to_array(ids), other.to_array(ids))
    assert [t.lemma_ for t in one] == [t.lemma_ for t in other]
    assert [t.norm_ for t in one] == [t.norm_ for t in other]


def kept(text_: str) -> bytes:
    """What ingest keeps for a text: its tokens from the ingest pipeline's tokenizer."""
    return encode(nlp.pipeline().tokenizer(text_))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with open_project(tmp_path_factory.mktemp("tokens") / "sample.db") as project:
        install_codebook(project, REPO / "codebooks" / "open-llm-collaboration.yaml")
        assert not ingest_paths(project, [SAMPLE]).failed
        yield project


@pytest.fixture
def copy(sample: Project, tmp_path: Path) -> Iterator[Project]:
    target = tmp_path / "copy.db"
    backup_to(sample.engine, target)
    with open_project(target) as project:
        yield project


@pytest.fixture
def tokenised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the documents suggest tokenises again (rather than rebuilding them)."""
    calls = [0]
    original = qualcode.nlp.tokenise

    def counting(texts: Any, **options: Any) -> Any:
        calls[0] += 1
        return original(texts, **options)

    monkeypatch.setattr(qualcode.nlp, "tokenise", counting)
    return calls


def texts_of(project: Project) -> dict[str, str]:
    with project.read() as conn:
        return {d.name: d.text for d in store_documents.all_documents(conn)}


def dry_run(project: Project) -> list[Any]:
    return suggest(project, dry_run=True).suggestions


def drop_rows(project: Project) -> None:
    with project.write() as conn:
        conn.execute(schema.document_tokens.delete())


# The encoding


@pytest.mark.parametrize("text_", TRICKY)
def test_decode_gives_back_the_tokenizers_boundaries(text_: str) -> None:
    doc = nlp.pipeline().tokenizer(text_)
    found = decode(encode(doc), text_)
    assert found.starts.tolist() == [t.idx for t in doc]
    assert found.ends.tolist() == [t.idx + len(t) for t in doc]
    assert found.spaces.tolist() == [t.whitespace_ == " " for t in doc]


@pytest.mark.parametrize("tokens", [0, 1, 7, 64, 128, 129, 300])
def test_short_and_long_texts_are_encoded_the_same_way(
        sample: Project, tokens: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import qualcode.nlp.tokens as module

    texts = [*texts_of(sample).values(), *TRICKY]
    docs = [nlp.pipeline().tokenizer(text_) for text_ in texts]
    pieces = [doc[:tokens].as_doc() for doc in docs] + docs[-len(TRICKY):]
    monkeypatch.setattr(module, "SMALL", -1)  # numpy arrays, whatever the size
    with_arrays = [encode(piece) for piece in pieces]
    monkeypatch.setattr(module, "SMALL", 10**9)  # plain lists, whatever the size
    assert [encode(piece) for piece in pieces] == with_arrays


def test_decode_round_trip_on_every_sample_document(sample: Project) -> None:
    for text_ in texts_of(sample).values():
        doc = nlp.pipeline().tokenizer(text_)
        found = decode(encode(doc), text_)
        assert found.starts.tolist() == doc.to_array("IDX").tolist()
        assert (found.ends - found.starts).tolist() == doc.to_array("LENGTH").tolist()


@pytest.mark.parametrize("text_", TRICKY)
def test_stored_doc_has_the_tokens_of_tokenise(text_: str) -> None:
    same_tokens(stored_doc(text_, kept(text_)), next(nlp.tokenise([text_])))


def test_stored_doc_on_the_sample_and_test_files(sample: Project) -> None:
    files = [DATA / "ingest" / name for name in ("crlf.txt", "cr.txt", "controls.txt")]
    for text_ in [*texts_of(sample).values(), *(f.read_text() for f in files)]:
        same_tokens(stored_doc(text_, kept(text_)), next(nlp.tokenise([text_])))


def test_units_doc_is_the_doc_of_the_units_joined(sample: Project) -> None:
    with sample.read() as conn:
        texts = texts_of(sample)
        for unit in ("sentence", "turn"):
            units = load_units(conn, unit=unit, include_interviewer=True)
            for name, text_ in texts.items():
                spans = [(u.start, u.end) for u in units if u.document == name]
                doc, joined = units_doc(text_, kept(text_), spans)
                assert joined == " ".join(text_[a:b] for a, b in spans)
                same_tokens(doc, next(nlp.tokenise([joined])))


@pytest.mark.parametrize("spans", [
    [(1, 4)], [(1, 9), (10, 12)], [(0, 5), (6, 13)], [(3, 4), (6, 13), (21, 23)],
    [(14, 32)], [(24, 30)], [(0, 32)], [(19, 33)], [],
])
def test_units_doc_tokenises_units_cut_inside_words_on_their_own(
        spans: list[tuple[int, int]]) -> None:
    text_ = "(a b) [laughs]x \n  don't.yes it's"
    doc, joined = units_doc(text_, kept(text_), spans)
    same_tokens(doc, next(nlp.tokenise([joined])))


@pytest.mark.parametrize("other", ["Some text there.", "Some-text here."])
def test_tokens_of_another_text_are_refused(other: str) -> None:
    with pytest.raises(ValueError, match="do not fit") as info:
        decode(kept("Some text here."), other)
    assert str(info.value) == "the stored token boundaries do not fit the text"


def test_data_of_another_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not stored") as info:
        decode(b"QTK2 something else", "Some text here.")
    assert str(info.value) == "not stored token boundaries"


def test_units_must_not_begin_or_end_with_whitespace() -> None:
    with pytest.raises(ValueError, match="a span must") as info:
        units_doc("Some text here.", kept("Some text here."), [(4, 9)])
    assert str(info.value) == "a span must begin and end with a character that is not whitespace"


# Ingest keeps them


def test_ingest_keeps_the_tokens_of_each_document(sample: Project) -> None:
    with sample.read() as conn:
        docs = store_documents.all_documents(conn)
        rows = {r.document_id: r for r in conn.execute(select(schema.document_tokens))}
    assert len(rows) == len(docs) == 14
    for doc in docs:
        row = rows[doc.id]
        assert (row.text_sha256, row.tokenizer) == (doc.text_sha256, tokenizer_fingerprint())
        assert row.tokenizer.startswith("spacy-")
        assert row.tokenizer.endswith("/blank-en")
        same_tokens(stored_doc(doc.text, row.data), next(nlp.tokenise([doc.text])))


def test_ingest_in_worker_processes_keeps_the_same_tokens(sample: Project,
                                                          tmp_path: Path) -> None:
    files = sorted(SAMPLE.glob("*.txt"))[:3]
    with open_project(tmp_path / "p.db") as project:
        assert not ingest_paths(project, files, processes=2).failed
        with project.read() as conn:
            theirs = dict(conn.execute(text(
                "SELECT d.name, t.data FROM document_tokens t JOIN documents d "
                "ON d.id = t.document_id")).all())
    with sample.read() as conn:
        ours = dict(conn.execute(text(
            "SELECT d.name, t.data FROM document_tokens t JOIN documents d "
            "ON d.id = t.document_id")).all())
    assert len(theirs) == 3
    assert all(theirs[name] == ours[name] for name in theirs)


# Suggest and the model analysis use them


@pytest.fixture
def one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suggest matches each document alone, so tokenising counts documents."""
    monkeypatch.setattr(qualcode.assist.stream, "GROUP_CHARACTERS", 0)


def test_suggestions_are_the_same_with_and_without_kept_tokens(
        copy: Project, tokenised: list[int], one_by_one: None) -> None:
    cached = dry_run(copy)
    assert tokenised[0] == 0
    drop_rows(copy)
    assert dry_run(copy) == cached
    assert tokenised[0] == 14
    assert len(cached) > 1000


def test_suggestions_with_workers_use_the_kept_tokens(copy: Project) -> None:
    alone = dry_run(copy)
    assert suggest(copy, dry_run=True, processes=2).suggestions == alone


def test_a_stale_row_is_not_used(copy: Project, tmp_path: Path, tokenised: list[int]) -> None:
    with copy.read() as conn:
        doc = store_documents.find_document(conn, "ai2-olmo")
        assert doc is not None
        old = conn.execute(select(schema.document_tokens.c.data).where(
            schema.document_tokens.c.document_id == doc.id)).scalar_one()
    changed = tmp_path / "ai2-olmo.md"
    changed.write_text((SAMPLE / "ai2-olmo.md").read_text().replace("data", "records"))
    outcome = ingest_paths(copy, [changed], replace=True).outcomes[0]
    assert outcome.action in ("updated", "replaced")
    with copy.read() as conn:
        new = store_documents.find_document(conn, "ai2-olmo")
        assert new is not None
        assert new.text_sha256 != doc.text_sha256
        row = conn.execute(select(schema.document_tokens).where(
            schema.document_tokens.c.document_id == doc.id)).one()
    assert row.text_sha256 == new.text_sha256
    assert row.data != old
    fresh = dry_run(copy)
    assert tokenised[0] == 0
    for sha in (doc.text_sha256, new.text_sha256):  # old tokens, under the old or the new hash
        with copy.write() as conn:
            store_documents.put_document_tokens(conn, doc.id, store_documents.StoredTokens(
                sha, tokenizer_fingerprint(), old))
        tokenised[0] = 0
        assert dry_run(copy) == fresh
        assert tokenised[0] == 1


def test_tokens_of_another_tokenizer_are_not_used(copy: Project) -> None:
    with copy.read() as conn:
        doc, tokens = next(store_documents.iter_documents_tokens(conn, ["ai2-olmo"]))
    assert tokens is not None
    assert usable_source(doc, tokens) == (doc.text, tokens.data)
    other = store_documents.StoredTokens(tokens.text_sha256, "spacy-0.0/blank-en", tokens.data)
    assert usable_source(doc, other) is None
    assert usable_source(doc, None) is None


def test_a_project_without_the_token_table_still_suggests(
        copy: Project, tokenised: list[int], one_by_one: None) -> None:
    cached = dry_run(copy)
    assert copy.path is not None
    copy.close()
    with sqlite3.connect(copy.path) as conn:
        conn.execute("DROP TABLE document_tokens")
    with open_project(copy.path) as project:
        tokenised[0] = 0
        assert dry_run(project) == cached
        assert tokenised[0] == 14
        added = DATA / "ingest" / "crlf.txt"
        assert ingest_paths(project, [added]).outcomes[0].action == "added"
        with project.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM document_tokens")).scalar() == 1


def test_the_model_analysis_is_the_same_with_kept_tokens(copy: Project,
                                                        tokenised: list[int]) -> None:
    with copy.read() as conn:
        units = load_units(conn, unit="turn")
        codes = store_codes.list_codes(conn)
        sources = stored_sources(conn, store_documents.document_names(conn))
    assert {name: text_ for name, (text_, _) in sources.items()} == texts_of(copy)
    tokenised[0] = 0
    cached = analyse_units(units, codes, sources=sources)
    assert tokenised[0] == 0
    assert analyse_units(units, codes) == cached
    assert tokenised[0] == 14


def test_joined_doc_falls_back_when_the_tokens_do_not_fit(sample: Project) -> None:
    with sample.read() as conn:
        units = [u for u in load_units(conn) if u.document == "ai2-olmo"]
        doc, tokens = next(store_documents.iter_documents_tokens(conn, ["ai2-olmo"]))
    assert tokens is not None
    wrong = (doc.text, kept("Another text altogether."))
    rebuilt, joined, spans = joined_doc(units, wrong)
    same_tokens(rebuilt, next(nlp.tokenise([joined])))
    assert spans[0] == (0, len(units[0].text))

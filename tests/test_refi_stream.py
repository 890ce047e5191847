"""The streamed ``.qdpx`` writer: the same bytes as the whole tree built in memory, read
one document at a time.

The reference archive here is made the way the writer made it before it streamed:
``project_element`` of a full snapshot, serialised at once, then each text.
"""

from __future__ import annotations

import sqlite3
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qualcode.export.segments import resolve_statuses
from qualcode.models import Coding, ParsedDocument, Turn
from qualcode.project import install_codebook
from qualcode.refi import writer
from qualcode.refi.importer import import_qdpx
from qualcode.refi.writer import export_qdc, export_qdpx, project_element, read_snapshot
from qualcode.refi.xmltools import Entries, extras_comment, make_guid, put_extras, to_bytes
from qualcode.store import Project, open_project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store import snapshot as store_snapshot
from qualcode.store import stream as store_stream
from tests.conftest import PROJECT_DATA
from tests.exports_sample import sample_path

TRICKY = "cue \"--x\" -- y\x02 \ufffe-- 𝔘 ---"
EXTRA_TEXT = "Interviewer: Hello -- there.\nParticipant: We train 𝔘 models -- openly --- mostly.\n"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The sample plus a document with awkward details, suggestions and a rejected coding,
    and a document without codings."""
    path = tmp_path_factory.mktemp("stream") / "mixed.db"
    with sqlite3.connect(sample_path(tmp_path_factory)) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    with open_project(path, create=False) as project:
        _add_awkward_documents(project)
        yield project


def _add_awkward_documents(project: Project) -> None:
    with project.write() as conn:
        codebook = store_codes.project_codebook(conn)
        assert codebook is not None
        code, other = [c.id for c in codebook.codes if c.kind == "code"][:2]
        turns = (Turn("Interviewer", "interviewer", 13, 28), Turn("Participant", "participant", 42, 85))
        doc = ParsedDocument("zz-awkward", "text", EXTRA_TEXT, turns, "in/zz--awkward.txt", "0" * 64,
                             {"note": "a--b-", "control": "x\x01y", "-": "--"})
        doc_id = store_documents.add_document(conn, doc, [], case_id=None)
        spans = [(42, 54, code, "suggested", 0.25, TRICKY, None),
                 (42, 54, other, "rejected", -1.5e-07, "-", "m--"),
                 (55, 62, code, "suggested", 1.0, None, "memo -- on a suggestion")]
        store_codings.insert_codings(conn, doc_id, EXTRA_TEXT, [
            Coding("zz-awkward", start, end, EXTRA_TEXT[start:end], code_id, "assistant--bot",
                   origin="rule", status=status, score=score, rationale=rationale, memo=memo)
            for start, end, code_id, status, score, rationale, memo in spans])
        empty = ParsedDocument("zz-empty", "text", "Participant: nothing coded.\n", (),
                               "in/zz-empty.txt", "1" * 64)
        store_documents.add_document(conn, empty, [], case_id=None)


def _refused(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("read every document at once")


def reference_archive(project: Project, target: Path, status: str) -> None:
    """The archive as the writer made it from memory before it streamed."""
    snap = read_snapshot(project, resolve_statuses(status))
    stamp = writer._zip_time(snap.head.created)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project.qde", stamp), to_bytes(project_element(snap)),
                         zipfile.ZIP_DEFLATED)
        for doc in snap.documents:
            entry = f"sources/{make_guid(snap.head.space, 'document', doc.name)}.txt"
            archive.writestr(zipfile.ZipInfo(entry, stamp), doc.text.encode("utf-8"),
                             zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize("status", ["all", "accepted", "suggested", "rejected"])
def test_streamed_archive_is_the_in_memory_one(mixed: Project, tmp_path: Path, status: str) -> None:
    reference_archive(mixed, tmp_path / "reference.qdpx", status)
    result = export_qdpx(mixed, tmp_path / "streamed.qdpx", status=status)
    assert (tmp_path / "streamed.qdpx").read_bytes() == (tmp_path / "reference.qdpx").read_bytes()
    assert result.documents == 16


def test_the_awkward_details_are_in_the_export(mixed: Project, tmp_path: Path) -> None:
    result = export_qdpx(mixed, tmp_path / "all.qdpx", status="all")
    with zipfile.ZipFile(tmp_path / "all.qdpx") as archive:
        xml = archive.read("project.qde").decode("utf-8")
    assert (result.documents, result.codings) == (16, 603)
    assert xml.count("<Note ") == 156
    assert "-\\u002d" in xml
    assert "--" not in xml.split("<!--", 1)[1].split("-->", 1)[0]
    assert 'name="zz-empty" plainTextPath=' in xml
    assert "\x01" not in xml
    assert "\x02" not in xml


def test_a_project_with_only_a_codebook(project: Project, tmp_path: Path) -> None:
    install_codebook(project, PROJECT_DATA / "codebook.yaml")
    reference_archive(project, tmp_path / "reference.qdpx", "all")
    result = export_qdpx(project, tmp_path / "streamed.qdpx", status="all")
    assert (tmp_path / "streamed.qdpx").read_bytes() == (tmp_path / "reference.qdpx").read_bytes()
    assert (result.documents, result.codings) == (0, 0)


def test_a_large_project_qde_gets_zip64_as_writestr_gives_it(
        mixed: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 200_000)
    reference_archive(mixed, tmp_path / "reference.qdpx", "accepted")
    export_qdpx(mixed, tmp_path / "streamed.qdpx")
    assert (tmp_path / "streamed.qdpx").read_bytes() == (tmp_path / "reference.qdpx").read_bytes()
    with zipfile.ZipFile(tmp_path / "streamed.qdpx") as archive:
        assert archive.infolist()[0].extra[:2] == b"\x01\x00"  # the zip64 field
        assert not [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_round_trip_keeps_the_awkward_states(mixed: Project, tmp_path: Path) -> None:
    export_qdpx(mixed, tmp_path / "all.qdpx", status="all")
    with open_project(tmp_path / "back.db") as back:
        import_qdpx(back, tmp_path / "all.qdpx")
        with back.read() as conn:
            found = store_codings.find_codings(conn, document="zz-awkward")
            stored = store_documents.find_document(conn, "zz-awkward")
    # JSON escapes control characters, so only the non-characters are dropped
    assert sorted((c.score, c.status, c.rationale, c.memo) for c in found) == [
        (-1.5e-07, "rejected", "-", "m--"),
        (0.25, "suggested", TRICKY.replace("\ufffe", ""), None),
        (1.0, "suggested", None, "memo -- on a suggestion")]
    assert stored is not None
    assert stored.attributes == {"note": "a--b-", "control": "x\x01y", "-": "--"}


def test_qdc_reads_no_documents(mixed: Project, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_documents, "all_documents", _refused)
    assert export_qdc(mixed, tmp_path / "codebook.qdc").codes == 62
    with (tmp_path / "codebook.qdc").open("rb") as handle:
        assert handle.readline() == b'<?xml version="1.0" encoding="utf-8"?>\n'


@pytest.mark.parametrize("data", [
    {"a": "--", "b": ["-", "--", 1, -2.5], "c": {"--": None, "x": "\x00\ufffe𝔘"}},
    {"codings": {}, "documents": {"k": {"turns": [["-", "r", 1, 2, None, -0.0]]}}},
])
def test_extras_written_in_pieces_match_the_comment(data: dict[str, Any]) -> None:
    holder = ET.Element("r")
    put_extras(holder, data)
    expected = ET.tostring(holder[0], encoding="utf-8")
    pieces = {key: Entries(sorted(value.items())) if isinstance(value, dict) else value
              for key, value in data.items()}
    assert b"".join(extras_comment(data)) == expected
    assert b"".join(extras_comment(pieces)) == expected


def test_export_reads_texts_and_codings_one_document_at_a_time(
        mixed: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    find_codings = store_codings.find_codings

    def one_document(conn: Any, **options: Any) -> list[Coding]:
        assert options.get("document") is not None, "read every coding at once"
        return find_codings(conn, **options)

    reference_archive(mixed, tmp_path / "reference.qdpx", "all")
    for module, name in ((store_documents, "all_documents"), (store_snapshot, "document_texts"),
                         (store_snapshot, "all_turns")):
        monkeypatch.setattr(module, name, _refused)
    monkeypatch.setattr(store_codings, "find_codings", one_document)
    assert export_qdpx(mixed, tmp_path / "streamed.qdpx", status="all").codings == 603
    assert (tmp_path / "streamed.qdpx").read_bytes() == (tmp_path / "reference.qdpx").read_bytes()


def test_peak_memory_stays_below_the_texts(project: Project, tmp_path: Path) -> None:
    install_codebook(project, PROJECT_DATA / "codebook.yaml")
    line = "Participant: we talk about the release, the data and the licence, at length.\n"
    text = line * 2500
    with project.write() as conn:
        for number in range(30):
            doc = ParsedDocument(f"long-{number:02d}", "text", text,
                                 (Turn("Participant", "participant", 13, len(text)),),
                                 f"in/long-{number:02d}.txt", "0" * 64)
            store_documents.add_document(conn, doc, [], case_id=None)
    export_qdpx(project, tmp_path / "warm.qdpx")  # compiled queries and imports are not the export
    tracemalloc.start()
    try:
        export_qdpx(project, tmp_path / "long.qdpx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * len(text) / 3
    with zipfile.ZipFile(tmp_path / "long.qdpx") as archive:
        assert len(archive.infolist()) == 31


def test_store_reads_documents_without_their_text(mixed: Project) -> None:
    with mixed.read() as conn:
        infos = store_stream.document_infos(conn)
        texts = dict(store_stream.iter_texts(conn))
        ids = store_stream.coding_ids(conn, ["rejected"])
        states = store_stream.coding_states(conn, ids)
        memos = list(store_stream.iter_memo_codings(conn, ["suggested"]))
    awkward = next(info for info in infos if info.name == "zz-awkward")
    assert (awkward.format, awkward.case, awkward.attributes["note"]) == ("text", None, "a--b-")
    assert [info.name for info in infos] == sorted(texts)
    assert texts["zz-awkward"] == EXTRA_TEXT
    assert list(states.values()) == [("rejected", "rule", -1.5e-07, "-")]
    assert [(c.document, c.memo) for c in memos] == [("zz-awkward", "memo -- on a suggestion")]

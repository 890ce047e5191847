"""Writing REFI-QDA files: a codebook (``.qdc``) and a whole project (``.qdpx``).

The ``.qdpx`` is a zip holding ``project.qde`` and ``sources/<GUID>.txt`` (lower-case
``sources``: ATLAS.ti refuses a capitalised folder), each text as UTF-8 without a BOM,
exactly as qualcode stores it, so that positions are code points, end exclusive (for
NVivo, which counts UTF-16 units, ``target="nvivo"`` writes those instead). Coders
are users; case attributes are text variables; each coding is a ``Coding`` of a
``PlainTextSelection`` (codings of one span share a selection); a coding's memo is a
``Note``. Turns, document details, and each coding's status, origin, score and
rationale stay in qualcode's comment (see :mod:`qualcode.refi.xmltools`). GUIDs are
derived from the project's creation time and each item's id, so re-exports reuse them.

The archive is written as a stream: ``project.qde`` goes into its zip entry one
``TextSource`` at a time, the qualcode comment one document or batch of codings at a
time, and each text is read only to be written. :func:`project_element` builds the same
XML as one tree in memory; tests check that both give the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from qualcode import __version__
from qualcode.errors import ExportError, ProjectError
from qualcode.export.segments import resolve_statuses
from qualcode.fileio import atomic_path
from qualcode.models import Case, Coding, Turn
from qualcode.refi.codebook import add_codes, code_guids, codebook_extras
from qualcode.refi.elements import (
    Guid,
    Head,
    document_extras,
    guid_maker,
    note_element,
    project_frame,
    source_element,
)
from qualcode.refi.offsets import utf16_positions
from qualcode.refi.xmltools import (
    CODEBOOK_NS,
    Entries,
    extras_comment,
    fragments,
    make_guid,
    new_root,
    placeholder,
    project_guids,
    put_extras,
    split_placeholders,
    sub,
    to_bytes,
)
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store import stream as store_stream
from qualcode.store.documents import StoredDocument
from qualcode.store.meta import codebook_content, read_meta
from qualcode.store.stream import DocumentInfo

TARGETS = {"any": "", "nvivo": "positions in UTF-16 units, for NVivo"}
"""Programs an export can be made for, and the note added to its ``origin`` (which
also tells qualcode's importer how the positions count)."""
CODINGS_PER_BATCH = 2000  # codings whose states are read at once for the comment
WRITE_SIZE = 1 << 16  # bytes gathered before each write into the zip entry


@dataclass(frozen=True)
class RefiResult:
    path: Path
    codes: int
    documents: int = 0
    codings: int = 0


@dataclass
class _Snapshot:
    head: Head
    documents: list[StoredDocument]
    turns: dict[str, list[Any]]
    cases: list[Case]
    codings: list[Coding]
    coders: list[str]


@dataclass
class _Plan:
    """What the streamed writer holds: everything but texts, turns and codings."""

    head: Head
    statuses: Sequence[str]
    documents: list[DocumentInfo]
    cases: list[Case]
    coders: list[str]
    codings: list[tuple[str, int]]  # (GUID as in the comment, id), in GUID order
    memos: bool
    target: str = "any"


class _NeedsZip64(Exception):
    """``project.qde`` came out too large for a plain zip entry."""


def _read_head(project: Project, conn: Connection) -> Head:
    codebook = store_codes.project_codebook(conn)
    if codebook is None:
        msg = "the project has no codebook yet"
        raise ProjectError(msg, path=project.target, hint="load one with `qualcode codebook load FILE`")
    meta = read_meta(conn)
    codebook = replace(codebook, description=_description(codebook_content(conn)))
    created = meta.get("created_at", "")
    name = project.path.stem if project.path is not None else "qualcode project"
    return Head(name, created, project_guids(f"{created}|{meta.get('created_by', '')}"), codebook)


def read_snapshot(project: Project, statuses: Sequence[str]) -> _Snapshot:
    """The whole project in memory, for :func:`project_element`."""
    with project.read() as conn:
        head = _read_head(project, conn)
        documents = store_documents.all_documents(conn)
        turns = {doc.name: _turns(conn, doc.id) for doc in documents}
        cases = store_cases.list_cases(conn)
        codings = store_codings.find_codings(conn, statuses=statuses)
        coders = store_codings.list_coders(conn)
    return _Snapshot(head, documents, turns, cases, codings, coders)


def _turns(conn: Connection, doc_id: int) -> list[Any]:
    """A document's turns as lists of their fields (a turn's fields are plain values)."""
    names = [f.name for f in fields(Turn)]
    return [[getattr(t, name) for name in names] for t in store_documents.document_turns(conn, doc_id)]


def _description(content: str | None) -> str:
    """The codebook's description, which only its file keeps."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(content or "")
    except YAMLError:
        return ""
    found = data.get("description") if isinstance(data, dict) else None
    return found if isinstance(found, str) else ""


def export_qdc(project: Project, output: Path) -> RefiResult:
    """Write the project's codebook as a REFI-QDA ``.qdc`` file."""
    _check_suffix(output, ".qdc")
    with project.read() as conn:
        codebook, space = (head := _read_head(project, conn)).codebook, head.space
    guids = code_guids(codebook, space)
    root = new_root("CodeBook", CODEBOOK_NS, origin=f"qualcode {__version__}")
    put_extras(root, codebook_extras(codebook, guids))
    add_codes(root, codebook, guids)
    with atomic_path(output) as tmp:
        tmp.write_bytes(to_bytes(root))
    return RefiResult(output, len(codebook.codes))


def export_qdpx(project: Project, output: Path, *, status: str = "accepted",
                target: str = "any") -> RefiResult:
    """Write the project as a REFI-QDA ``.qdpx`` archive (see the module docstring), for
    any program that follows the standard or for one of :data:`TARGETS`.

    Memory stays flat as the project grows: only the documents' details (not their
    texts) and each selected coding's GUID and id are held throughout.
    """
    _check_suffix(output, ".qdpx")
    if target not in TARGETS:
        msg = f"unknown target program {target!r}"
        raise ExportError(msg, path=output, hint=f"choose from {', '.join(TARGETS)}")
    statuses = resolve_statuses(status)
    with project.read() as conn:
        plan = replace(_plan(project, conn, statuses), target=target)
        try:
            _write_archive(conn, plan, output, zip64=False)
        except _NeedsZip64:
            _write_archive(conn, plan, output, zip64=True)
    return RefiResult(output, len(plan.head.codebook.codes), len(plan.documents), len(plan.codings))


def _plan(project: Project, conn: Connection, statuses: Sequence[str]) -> _Plan:
    head = _read_head(project, conn)
    guid = guid_maker(head.space)
    codings = sorted(((guid("coding", i).lower(), i) for i in store_stream.coding_ids(conn, statuses)),
                     key=itemgetter(0))
    return _Plan(head, statuses, store_stream.document_infos(conn), store_cases.list_cases(conn),
                 store_codings.list_coders(conn), codings, store_stream.has_memos(conn, statuses))


def _write_archive(conn: Connection, plan: _Plan, output: Path, *, zip64: bool) -> None:
    stamp = _zip_time(plan.head.created)
    info = zipfile.ZipInfo("project.qde", stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    with atomic_path(output) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        _write_qde(archive, info, _project_xml(conn, plan), zip64=zip64)
        for name, text in store_stream.iter_texts(conn):
            path = f"sources/{make_guid(plan.head.space, 'document', name)}.txt"
            archive.writestr(zipfile.ZipInfo(path, stamp), text.encode("utf-8"),
                             zipfile.ZIP_DEFLATED)


def _write_qde(archive: zipfile.ZipFile, info: zipfile.ZipInfo, pieces: Iterable[bytes], *,
               zip64: bool) -> None:
    """Stream ``project.qde``; raises :class:`_NeedsZip64` when it needs zip64 but ``zip64`` is off.

    ``ZipFile.writestr`` chooses zip64 when the data is over 1/1.05 of the limit; the
    same test here keeps the archive identical to one written from memory.
    """
    try:
        with archive.open(info, "w", force_zip64=zip64) as entry:
            size = _write_all(entry, pieces)
    except RuntimeError as exc:  # zipfile refuses to close an entry over the limit without zip64
        if zip64:
            raise
        raise _NeedsZip64 from exc
    if not zip64 and size * 1.05 > zipfile.ZIP64_LIMIT:
        raise _NeedsZip64


def _write_all(target: IO[bytes], pieces: Iterable[bytes]) -> int:
    """Write ``pieces`` in writes of about :data:`WRITE_SIZE` bytes; returns the size."""
    held: list[bytes] = []
    size = waiting = 0
    for piece in pieces:
        held.append(piece)
        waiting += len(piece)
        if waiting >= WRITE_SIZE:
            target.write(b"".join(held))
            size, waiting = size + waiting, 0
            held.clear()
    target.write(b"".join(held))
    return size + waiting


def _project_xml(conn: Connection, plan: _Plan) -> Iterator[bytes]:
    """``project.qde`` in pieces: the frame cut at its placeholders, filled as read."""
    head = plan.head
    guid = guid_maker(head.space)
    root = project_frame(head, plan.coders, plan.cases, [(d.name, d.case) for d in plan.documents],
                         guid, origin=TARGETS[plan.target])
    root.insert(0, placeholder())
    if plan.documents:
        sub(root, "Sources").append(placeholder())
    if plan.memos:
        sub(root, "Notes").append(placeholder())
    parts = iter(split_placeholders(to_bytes(root)))
    yield next(parts)
    yield from extras_comment({
        **codebook_extras(head.codebook, code_guids(head.codebook, head.space)),
        "documents": Entries(_document_entries(conn, plan.documents, guid)),
        "codings": Entries(_coding_entries(conn, plan.codings))})
    yield next(parts)
    if plan.documents:
        yield from fragments((source_element(doc, store_codings.find_codings(
            conn, document=doc.name, statuses=plan.statuses), guid, _positions(conn, plan, doc))
            for doc in plan.documents), 2)
        yield next(parts)
    if plan.memos:
        notes = store_stream.iter_memo_codings(conn, plan.statuses)
        yield from fragments((note_element(coding, guid) for coding in notes), 2)
        yield next(parts)


def _positions(conn: Connection, plan: _Plan, doc: DocumentInfo) -> Callable[[int], int]:
    """How the offsets of ``doc`` are written for the plan's target program."""
    if plan.target != "nvivo":
        return int
    found = store_documents.find_document(conn, doc.name)
    return utf16_positions(found.text if found else "")


def _document_entries(conn: Connection, documents: list[DocumentInfo], guid: Guid
                      ) -> Iterator[tuple[str, dict[str, Any]]]:
    keyed = sorted(((guid("document", doc.name).lower(), doc) for doc in documents),
                   key=itemgetter(0))
    for key, doc in keyed:
        yield key, document_extras(doc, _turns(conn, doc.id))


def _coding_entries(conn: Connection, codings: list[tuple[str, int]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for at in range(0, len(codings), CODINGS_PER_BATCH):
        batch = codings[at : at + CODINGS_PER_BATCH]
        states = store_stream.coding_states(conn, [coding_id for _, coding_id in batch])
        for key, coding_id in batch:
            status, origin, score, rationale = states[coding_id]
            yield key, {"status": status, "origin": origin, "score": score, "rationale": rationale}


def _check_suffix(output: Path, suffix: str) -> None:
    if output.suffix.lower() != suffix:
        msg = f"a REFI-QDA file here must end in {suffix}"
        raise ExportError(msg, path=output)


def _zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    """Entry times from the project's creation, so that an export is reproducible."""
    try:
        year, month, day = (int(part) for part in created[:10].split("-"))
        hour, minute, second = (int(part) for part in created[11:19].split(":"))
    except ValueError:
        return (1980, 1, 1, 0, 0, 0)
    return (max(year, 1980), month, day, hour, minute, second)


def project_element(snap: _Snapshot) -> ET.Element:
    """The ``Project`` element of a snapshot, built whole in memory."""
    head = snap.head
    guid = guid_maker(head.space)
    root = project_frame(head, snap.coders, snap.cases, [(d.name, d.case) for d in snap.documents], guid)
    put_extras(root, _extras(snap, guid))
    by_document: dict[str, list[Coding]] = defaultdict(list)
    for coding in snap.codings:
        by_document[coding.document].append(coding)
    if snap.documents:
        sources = sub(root, "Sources")
        for doc in snap.documents:
            sources.append(source_element(doc, by_document[doc.name], guid))
    memos = [c for c in snap.codings if c.memo]
    if memos:
        notes = sub(root, "Notes")
        for coding in memos:
            notes.append(note_element(coding, guid))
    return root


def _extras(snap: _Snapshot, guid: Guid) -> dict[str, Any]:
    """What REFI has no place for: codebook details, documents' turns, codings' states."""
    guids = code_guids(snap.head.codebook, snap.head.space)
    documents = {guid("document", doc.name).lower(): document_extras(doc, snap.turns[doc.name])
                 for doc in snap.documents}
    codings = {
        guid("coding", c.id or 0).lower(): {"status": c.status, "origin": c.origin,
                                            "score": c.score, "rationale": c.rationale}
        for c in snap.codings}
    return {**codebook_extras(snap.head.codebook, guids), "documents": documents,
            "codings": codings}

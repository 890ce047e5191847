"""Writing REFI-QDA files: a codebook (``.qdc``) and a whole project (``.qdpx``).

The ``.qdpx`` is a zip holding ``project.qde`` and ``sources/<GUID>.txt`` (lower-case
``sources``: ATLAS.ti refuses a capitalised folder), each text as UTF-8 without a BOM,
exactly as qualcode stores it, so that positions are code points, end exclusive. Coders
are users; case attributes are text variables; each coding is a ``Coding`` of a
``PlainTextSelection`` (codings of one span share a selection); a coding's memo is a
``Note``. Turns, document details, and each coding's status, origin, score and
rationale stay in qualcode's comment (see :mod:`qualcode.refi.xmltools`). GUIDs are
derived from the project's creation time and each item's id, so re-exports reuse them.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from qualcode import __version__
from qualcode.errors import ExportError, ProjectError
from qualcode.export.segments import resolve_statuses
from qualcode.fileio import atomic_path
from qualcode.models import Case, Codebook, Coding
from qualcode.refi.codebook import add_codes, code_guids, codebook_extras
from qualcode.refi.xmltools import (
    CODEBOOK_NS,
    PROJECT_NS,
    make_guid,
    new_root,
    project_guids,
    put_extras,
    sub,
    to_bytes,
)
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.documents import StoredDocument
from qualcode.store.meta import codebook_content, read_meta

Guid = Callable[[str, "str | int"], str]
PREVIEW = 100  # characters of a selection's text shown as its name, as ATLAS.ti does


@dataclass(frozen=True)
class RefiResult:
    path: Path
    codes: int
    documents: int = 0
    codings: int = 0


@dataclass
class _Snapshot:
    name: str
    created: str
    space: uuid.UUID
    codebook: Codebook
    documents: list[StoredDocument]
    turns: dict[str, list[Any]]
    cases: list[Case]
    codings: list[Coding]
    coders: list[str]


def _snapshot(project: Project, statuses: Sequence[str]) -> _Snapshot:
    with project.read() as conn:
        codebook = store_codes.project_codebook(conn)
        if codebook is None:
            msg = "the project has no codebook yet"
            raise ProjectError(msg, path=project.target, hint="load one with `qualcode codebook load FILE`")
        meta = read_meta(conn)
        codebook = replace(codebook, description=_description(codebook_content(conn)))
        documents = store_documents.all_documents(conn)
        turns = {doc.name: [list(asdict(t).values()) for t in
                            store_documents.document_turns(conn, doc.id)] for doc in documents}
        cases = store_cases.list_cases(conn)
        codings = store_codings.find_codings(conn, statuses=statuses)
        coders = store_codings.list_coders(conn)
    created = meta.get("created_at", "")
    name = project.path.stem if project.path is not None else "qualcode project"
    return _Snapshot(name, created, project_guids(f"{created}|{meta.get('created_by', '')}"),
                     codebook, documents, turns, cases, codings, coders)


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
    snap = _snapshot(project, ())
    guids = code_guids(snap.codebook, snap.space)
    root = new_root("CodeBook", CODEBOOK_NS, origin=f"qualcode {__version__}")
    put_extras(root, codebook_extras(snap.codebook, guids))
    add_codes(root, snap.codebook, guids)
    with atomic_path(output) as tmp:
        tmp.write_bytes(to_bytes(root))
    return RefiResult(output, len(snap.codebook.codes))


def export_qdpx(project: Project, output: Path, *, status: str = "accepted") -> RefiResult:
    """Write the project as a REFI-QDA ``.qdpx`` archive (see the module docstring)."""
    _check_suffix(output, ".qdpx")
    snap = _snapshot(project, resolve_statuses(status))
    root = project_element(snap)
    stamp = _zip_time(snap.created)
    with atomic_path(output) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project.qde", stamp), to_bytes(root),
                         zipfile.ZIP_DEFLATED)
        for doc in snap.documents:
            entry = f"sources/{make_guid(snap.space, 'document', doc.name)}.txt"
            archive.writestr(zipfile.ZipInfo(entry, stamp), doc.text.encode("utf-8"),
                             zipfile.ZIP_DEFLATED)
    return RefiResult(output, len(snap.codebook.codes), len(snap.documents), len(snap.codings))


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
    """The ``Project`` element of a snapshot."""
    guid: Guid = partial(make_guid, snap.space)
    root = new_root("Project", PROJECT_NS, name=snap.name, origin=f"qualcode {__version__}",
                    creationDateTime=snap.created or None)
    put_extras(root, _extras(snap, guid))
    users = sub(root, "Users") if snap.coders else None
    for coder in snap.coders:
        sub(users, "User", guid=guid("user", coder), name=coder)  # type: ignore[arg-type]
    add_codes(sub(root, "CodeBook"), snap.codebook, code_guids(snap.codebook, snap.space))
    _cases(root, snap, guid)
    by_document: dict[str, list[Coding]] = defaultdict(list)
    for coding in snap.codings:
        by_document[coding.document].append(coding)
    if snap.documents:
        sources = sub(root, "Sources")
        for doc in snap.documents:
            _source(sources, doc, by_document[doc.name], guid)
    memos = [c for c in snap.codings if c.memo]
    if memos:
        notes = sub(root, "Notes")
        for coding in memos:
            note = sub(notes, "Note", guid=guid("note", coding.id or 0),
                       name=f"Memo on {coding.code} in {coding.document}",
                       creatingUser=guid("user", coding.coder),
                       creationDateTime=coding.created_at)
            sub(note, "PlainTextContent", coding.memo)
    return root


def _cases(root: ET.Element, snap: _Snapshot, guid: Guid) -> None:
    keys = sorted({key for case in snap.cases for key in case.attributes})
    if keys:
        variables = sub(root, "Variables")
        for key in keys:
            sub(variables, "Variable", guid=guid("variable", key), name=key, typeOfVariable="Text")
    if not snap.cases:
        return
    members: dict[str, list[str]] = defaultdict(list)
    for doc in snap.documents:
        if doc.case:
            members[doc.case].append(doc.name)
    cases = sub(root, "Cases")
    for case in snap.cases:
        element = sub(cases, "Case", guid=guid("case", case.name), name=case.name)
        for key, value in sorted(case.attributes.items()):
            holder = sub(element, "VariableValue")
            sub(holder, "VariableRef", targetGUID=guid("variable", key))
            sub(holder, "TextValue", value)
        for document in members[case.name]:
            sub(element, "SourceRef", targetGUID=guid("document", document))


def _source(sources: ET.Element, doc: StoredDocument, codings: list[Coding], guid: Guid) -> None:
    source_guid = guid("document", doc.name)
    element = sub(sources, "TextSource", guid=source_guid, name=doc.name,
                  plainTextPath=f"internal://{source_guid}.txt", creationDateTime=doc.ingested_at)
    spans: dict[tuple[int, int], list[Coding]] = defaultdict(list)
    for coding in codings:
        spans[(coding.start, coding.end)].append(coding)
    for (start, end), group in spans.items():
        first = group[0]
        selection = sub(element, "PlainTextSelection", guid=guid("selection",
                        f"{doc.name}:{start}:{end}"), name=_preview(first.quote),
                        startPosition=str(start), endPosition=str(end),
                        creatingUser=guid("user", first.coder),
                        creationDateTime=min(c.created_at or "" for c in group) or None)
        for coding in group:
            holder = sub(selection, "Coding", guid=guid("coding", coding.id or 0),
                         creatingUser=guid("user", coding.coder),
                         creationDateTime=coding.created_at)
            sub(holder, "CodeRef", targetGUID=guid("code", coding.code))
            if coding.memo:
                sub(holder, "NoteRef", targetGUID=guid("note", coding.id or 0))


def _preview(quote: str) -> str:
    text = " ".join(quote.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _extras(snap: _Snapshot, guid: Guid) -> dict[str, Any]:
    """What REFI has no place for: codebook details, documents' turns, codings' states."""
    guids = code_guids(snap.codebook, snap.space)
    documents = {
        guid("document", doc.name).lower(): {
            "name": doc.name, "format": doc.format, "source_path": doc.source_path,
            "source_sha256": doc.source_sha256, "attributes": doc.attributes,
            "turns": snap.turns[doc.name]}
        for doc in snap.documents}
    codings = {
        guid("coding", c.id or 0).lower(): {"status": c.status, "origin": c.origin,
                                            "score": c.score, "rationale": c.rationale}
        for c in snap.codings}
    return {**codebook_extras(snap.codebook, guids), "documents": documents, "codings": codings}

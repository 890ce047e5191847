"""The elements of a REFI-QDA project file, shared by the streamed and in-memory writers.

Each builder makes one detached element (a ``TextSource``, a ``Note``) or the frame of
the ``Project`` (users, codebook, variables, cases), so the streamed writer can
serialise a source at a time and the in-memory one can put them all in one tree.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qualcode import __version__
from qualcode.models import Case, Codebook, Coding
from qualcode.refi.codebook import add_codes, code_guids
from qualcode.refi.xmltools import PROJECT_NS, element, make_guid, new_root, sub
from qualcode.store.documents import StoredDocument
from qualcode.store.stream import DocumentInfo

Guid = Callable[[str, "str | int"], str]
PREVIEW = 100  # characters of a selection's text shown as its name, as ATLAS.ti does
_REPEATED = frozenset({"user", "code"})  # GUIDs asked for once per coding, of a few things


@dataclass(frozen=True)
class Head:
    """What every part of an export needs: the project's name, creation and codebook."""

    name: str
    created: str
    space: uuid.UUID
    codebook: Codebook


def guid_maker(space: uuid.UUID) -> Guid:
    """:func:`make_guid` in ``space``, remembering the GUIDs of coders and codes."""
    made: dict[tuple[str, str | int], str] = {}

    def guid(kind: str, key: str | int) -> str:
        if kind not in _REPEATED:
            return make_guid(space, kind, key)
        found = made.get((kind, key))
        if found is None:
            found = made[(kind, key)] = make_guid(space, kind, key)
        return found

    return guid


def project_frame(head: Head, coders: list[str], cases: list[Case],
                  documents: list[tuple[str, str | None]], guid: Guid, *,
                  origin: str = "") -> ET.Element:
    """The ``Project`` element with its users, codebook, variables and cases; ``origin``
    is added to the program's name (how positions count, when not in code points)."""
    root = new_root("Project", PROJECT_NS, name=head.name,
                    origin=f"qualcode {__version__}{origin and f' ({origin})'}",
                    creationDateTime=head.created or None)
    users = sub(root, "Users") if coders else None
    for coder in coders:
        sub(users, "User", guid=guid("user", coder), name=coder)  # type: ignore[arg-type]
    add_codes(sub(root, "CodeBook"), head.codebook, code_guids(head.codebook, head.space))
    _cases(root, cases, documents, guid)
    return root


def _cases(root: ET.Element, cases: list[Case], documents: list[tuple[str, str | None]],
           guid: Guid) -> None:
    keys = sorted({key for case in cases for key in case.attributes})
    if keys:
        variables = sub(root, "Variables")
        for key in keys:
            sub(variables, "Variable", guid=guid("variable", key), name=key, typeOfVariable="Text")
    if not cases:
        return
    members: dict[str, list[str]] = defaultdict(list)
    for name, case_name in documents:
        if case_name:
            members[case_name].append(name)
    holder = sub(root, "Cases")
    for case in cases:
        found = sub(holder, "Case", guid=guid("case", case.name), name=case.name)
        for key, value in sorted(case.attributes.items()):
            pair = sub(found, "VariableValue")
            sub(pair, "VariableRef", targetGUID=guid("variable", key))
            sub(pair, "TextValue", value)
        for document in members[case.name]:
            sub(found, "SourceRef", targetGUID=guid("document", document))


def source_element(doc: StoredDocument | DocumentInfo, codings: list[Coding], guid: Guid,
                   position: Callable[[int], int] = int) -> ET.Element:
    """A document's ``TextSource`` with a selection per coded span (``codings`` in span
    order); ``position`` turns an offset into the position written (code points as is)."""
    source_guid = guid("document", doc.name)
    made = element("TextSource", guid=source_guid, name=doc.name,
                   plainTextPath=f"internal://{source_guid}.txt", creationDateTime=doc.ingested_at)
    spans: dict[tuple[int, int], list[Coding]] = defaultdict(list)
    for coding in codings:
        spans[(coding.start, coding.end)].append(coding)
    for (start, end), group in spans.items():
        first = group[0]
        selection = sub(made, "PlainTextSelection", guid=guid("selection",
                        f"{doc.name}:{start}:{end}"), name=_preview(first.quote),
                        startPosition=str(position(start)), endPosition=str(position(end)),
                        creatingUser=guid("user", first.coder),
                        creationDateTime=min(c.created_at or "" for c in group) or None)
        for coding in group:
            holder = sub(selection, "Coding", guid=guid("coding", coding.id or 0),
                         creatingUser=guid("user", coding.coder),
                         creationDateTime=coding.created_at)
            sub(holder, "CodeRef", targetGUID=guid("code", coding.code))
            if coding.memo:
                sub(holder, "NoteRef", targetGUID=guid("note", coding.id or 0))
    return made


def note_element(coding: Coding, guid: Guid) -> ET.Element:
    """The ``Note`` holding a coding's memo."""
    made = element("Note", guid=guid("note", coding.id or 0),
                   name=f"Memo on {coding.code} in {coding.document}",
                   creatingUser=guid("user", coding.coder), creationDateTime=coding.created_at)
    sub(made, "PlainTextContent", coding.memo)
    return made


def _preview(quote: str) -> str:
    text = " ".join(quote.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def document_extras(doc: StoredDocument | DocumentInfo, turns: list[Any]) -> dict[str, Any]:
    """A document's entry in qualcode's comment."""
    return {"name": doc.name, "format": doc.format, "source_path": doc.source_path,
            "source_sha256": doc.source_sha256, "attributes": doc.attributes, "turns": turns}

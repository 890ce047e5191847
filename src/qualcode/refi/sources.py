"""Text sources of a REFI-QDA project: their text, turns and codings, validated.

Each selection is placed with the offset model that fits the source best (see
:mod:`qualcode.refi.offsets`); what cannot be placed is reported, one line per item.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, cast

from qualcode.ingest.common import clean_name
from qualcode.ingest.transcript import parse_transcript
from qualcode.models import (
    ORIGINS,
    ROLES,
    STATUSES,
    Coding,
    Origin,
    ParsedDocument,
    Status,
    Turn,
)
from qualcode.refi.offsets import TextPositions, choose_model
from qualcode.refi.xmltools import guid_key, kid, kid_text, kids

UNKNOWN_CODER = "unknown"
MAX_DIGITS = 12
_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".odt", ".md", ".pdf", ".html", ".htm")
_INTEGER = re.compile(rf"-?\d{{1,{MAX_DIGITS}}}\Z")
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?\Z")


@dataclass
class Context:
    """What reading a source needs from the rest of the project file."""

    where: str
    origin: str
    users: dict[str, str]
    codes: dict[str, str]  # code guid -> code id
    notes: dict[str, str]  # note guid -> text
    links: dict[str, list[str]]  # selection guid -> note guids
    member: Callable[[str], bytes | None]
    extras: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    used_notes: set[str] = field(default_factory=set)
    unplaced: list[str] = field(default_factory=list)  # memos kept only in the log


@dataclass
class SourcePlan:
    """One text source, ready to store."""

    guid: str
    document: ParsedDocument
    codings: list[Coding]
    model: str


@dataclass
class _Selection:
    start: str
    end: str
    preview: str
    codings: list[dict[str, Any]]
    label: str


def document_name(element: ET.Element) -> str:
    """A source's document name: its ``name`` without a file suffix, else its file's stem."""
    name = (element.get("name") or "").strip()
    if name.lower().endswith(_SUFFIXES):
        name = name.rsplit(".", 1)[0]
    if not name:
        path = (element.get("plainTextPath") or "").split("://")[-1]
        name = PurePosixPath(path.replace("\\", "/")).stem
    return clean_name(name) or guid_key(element.get("guid"))


def read_text_source(element: ET.Element, ctx: Context) -> SourcePlan | None:
    """A ``TextSource`` as a document with its codings (``None`` when its text is missing)."""
    name = document_name(element)
    label = f"{ctx.where}: source {name!r}"
    selections = [_selection(s, ctx) for s in kids(element, "PlainTextSelection")]
    lost = sum(len(s.codings) for s in selections)
    data = _text_bytes(element, ctx, label, lost)
    if data is None:
        return None
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ctx.problems.append(f"{label}: the text is not UTF-8 (byte {exc.start}); not imported"
                            f"{_lost(lost)}")
        return None
    positions = choose_model(raw, ctx.origin, *_spans(selections))
    if not positions.text.strip():
        ctx.problems.append(f"{label}: the plain text is empty (the text may be only in the "
                            f".docx); not imported{_lost(lost)}")
        return None
    own = ctx.extras.get("documents", {}).get(guid_key(element.get("guid")), {})
    document = _document(element, name, positions.text, hashlib.sha256(data).hexdigest(), own, ctx)
    codings = _codings(selections, positions, document.name, label, ctx)
    codings += _whole_source(element, positions.text, document.name, ctx)
    return SourcePlan(guid_key(element.get("guid")), document, codings, positions.model.label)


def _text_bytes(element: ET.Element, ctx: Context, label: str, lost: int) -> bytes | None:
    path = element.get("plainTextPath") or ""
    content = kid(element, "PlainTextContent")
    if not path and content is not None:
        return (content.text or "").encode("utf-8")
    if not path:
        ctx.problems.append(f"{label}: no plain text (no plainTextPath or PlainTextContent); "
                            f"not imported{_lost(lost)}")
        return None
    if path.startswith(("absolute://", "relative://")):
        ctx.problems.append(f"{label}: the text is an external file ({path}); qualcode never "
                            f"opens paths named inside a project file; not imported{_lost(lost)}")
        return None
    data = ctx.member(path)
    if data is None:
        ctx.problems.append(f"{label}: the file {path!r} is not in the archive; "
                            f"not imported{_lost(lost)}")
    return data


def _lost(count: int) -> str:
    return f" ({count} coding(s) lost)" if count else ""


def _selection(element: ET.Element, ctx: Context) -> _Selection:
    guid = guid_key(element.get("guid"))
    memo = [kid_text(element, "Description").strip()]
    memo += [_note(ref.get("targetGUID"), ctx) for ref in kids(element, "NoteRef")]
    memo += [_note(note, ctx) for note in ctx.links.get(guid, [])]
    codings = [_coding_fields(found, element, ctx) for found in kids(element, "Coding")]
    shared = "\n\n".join(m for m in memo if m)
    for coding in codings:
        coding["memo"] = "\n\n".join(m for m in (shared, coding["memo"]) if m) or None
    if shared and not codings:
        ctx.problems.append(f"{ctx.where}: memo on selection {element.get('name') or guid!r} "
                            "has no coding to hold it; kept in the import's log entry")
        ctx.unplaced.append(shared)
    label = element.get("name") or guid
    return _Selection(element.get("startPosition", ""), element.get("endPosition", ""),
                      element.get("name") or "", codings, label)


def _coding_fields(coding: ET.Element, selection: ET.Element, ctx: Context) -> dict[str, Any]:
    user = coding.get("creatingUser") or selection.get("creatingUser")
    created = coding.get("creationDateTime") or selection.get("creationDateTime") or ""
    ref = kid(coding, "CodeRef")
    memo = "\n\n".join(_note(r.get("targetGUID"), ctx) for r in kids(coding, "NoteRef"))
    return {
        "guid": guid_key(coding.get("guid")),
        "code_guid": guid_key(ref.get("targetGUID")) if ref is not None else "",
        "coder": ctx.users.get(guid_key(user), UNKNOWN_CODER),
        "created_at": created if _DATE_TIME.match(created) else None,
        "memo": memo.strip(),
    }


def _note(guid: str | None, ctx: Context) -> str:
    key = guid_key(guid)
    ctx.used_notes.add(key)
    return ctx.notes.get(key, "").strip()


def _spans(selections: list[_Selection]) -> tuple[list[tuple[int, int]], list[str]]:
    spans, previews = [], []
    for selection in selections:
        if _INTEGER.match(selection.start) and _INTEGER.match(selection.end):
            spans.append((int(selection.start), int(selection.end)))
            previews.append(selection.preview)
    return spans, previews


def _codings(selections: list[_Selection], positions: TextPositions, document: str, label: str,
             ctx: Context) -> list[Coding]:
    wanted = [int(v) for s in selections for v in (s.start, s.end) if _INTEGER.match(v)]
    offsets = positions.offsets(wanted)
    found: dict[tuple[int, int, str, str], Coding] = {}
    for selection in selections:
        where = f"{label}: selection {selection.label!r} ({selection.start}-{selection.end})"
        span = _span(selection, offsets)
        if isinstance(span, str):
            if selection.codings:
                ctx.problems.append(f"{where}: {span}{_lost(len(selection.codings))}")
            continue
        for fields in selection.codings:
            coding = _coding(fields, span, positions.text, document, where, ctx)
            if coding is not None:
                found.setdefault((coding.start, coding.end, coding.code, coding.coder), coding)
    return list(found.values())


def _span(selection: _Selection, offsets: dict[int, int | None]) -> tuple[int, int] | str:
    if not (_INTEGER.match(selection.start) and _INTEGER.match(selection.end)):
        return f"the positions are not whole numbers of at most {MAX_DIGITS} digits"
    start, end = offsets.get(int(selection.start)), offsets.get(int(selection.end))
    if start is None or end is None:
        return "the positions fall outside the text or inside a character"
    if start >= end:
        return "the selection is empty"
    return start, end


def _coding(fields: dict[str, Any], span: tuple[int, int], text: str, document: str,
            where: str, ctx: Context) -> Coding | None:
    code = ctx.codes.get(fields["code_guid"])
    if code is None:
        ctx.problems.append(f"{where}: the coding refers to a code that is not in the codebook")
        return None
    own = ctx.extras.get("codings", {}).get(fields["guid"], {})
    status = cast(Status, own["status"] if own.get("status") in STATUSES else "accepted")
    origin = cast(Origin, own["origin"] if own.get("origin") in ORIGINS else "human")
    score = own.get("score") if isinstance(own.get("score"), (int, float)) else None
    return Coding(document=document, start=span[0], end=span[1], quote=text[span[0] : span[1]],
                  code=code, coder=fields["coder"], origin=origin,
                  status=status, score=score, rationale=own.get("rationale"),
                  memo=fields["memo"] or None, created_at=fields["created_at"])


def _whole_source(element: ET.Element, text: str, document: str, ctx: Context) -> list[Coding]:
    codings = []
    for coding in kids(element, "Coding"):
        fields = _coding_fields(coding, element, ctx)
        found = _coding(fields, (0, len(text)), text, document, f"{ctx.where}: source "
                        f"{document!r}", ctx)
        if found is not None:
            codings.append(found)
    return codings


def _document(element: ET.Element, name: str, text: str, sha256: str, own: dict[str, Any],
              ctx: Context) -> ParsedDocument:
    attributes = {str(k): str(v) for k, v in (own.get("attributes") or {}).items()}
    description = kid_text(element, "Description").strip()
    if description:
        attributes.setdefault("description", description)
    turns = _own_turns(own.get("turns"), text)
    if turns is None:
        turns = tuple(parse_transcript(text)[0])
    return ParsedDocument(
        name=str(own.get("name") or name), format=str(own.get("format") or "refi"), text=text,
        turns=turns, source_path=str(own.get("source_path") or f"{ctx.where}:{name}"),
        source_sha256=str(own.get("source_sha256") or sha256), attributes=attributes)


def _own_turns(values: Any, text: str) -> tuple[Turn, ...] | None:
    """Turns kept in qualcode's comment, if they still fit the text."""
    if not isinstance(values, list):
        return None
    try:
        turns = tuple(Turn(*value) for value in values)
    except TypeError:
        return None
    if all(t.role in ROLES and 0 <= t.start < t.end <= len(text) for t in turns):
        return turns
    return None

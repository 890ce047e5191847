"""Reading a REFI-QDA project file into a plan of what to store, with every problem listed.

The plan holds the codebook, the text sources with their codings, the cases with their
attributes and the memos that have no place in qualcode; nothing is written here.
Elements qualcode cannot hold (pictures, PDFs, audio, video, sets, graphs, links) are
reported one by one, following the standard's rule that an importer says what it drops.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import InputError
from qualcode.refi.codebook import ReadCodebook, read_codebook
from qualcode.refi.safety import Archive, parse_xml
from qualcode.refi.sources import Context, SourcePlan, document_name, read_text_source
from qualcode.refi.xmltools import guid_key, kid, kid_text, kids, local, read_extras

_VALUES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
           "DateTimeValue")


@dataclass
class ProjectPlan:
    """Everything a project file holds that qualcode can store."""

    name: str
    origin: str
    codebook: ReadCodebook
    sources: list[SourcePlan] = field(default_factory=list)
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    document_case: dict[str, str] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_project(archive: Archive) -> ProjectPlan:
    """Read the project file of ``archive`` (see the module docstring)."""
    where = archive.path.name
    root = parse_xml(archive.qde, path=f"{archive.path}:{archive.qde_name}")
    if local(root) != "Project":
        msg = f"not a REFI-QDA project: the root element is <{local(root) or '?'}>"
        raise InputError(msg, path=archive.path, hint="a codebook (.qdc) goes in with import qdc")
    extras = read_extras(root) or {}
    book = kid(root, "CodeBook")
    codebook = read_codebook(kid(book, "Codes") if book is not None else None, extras, where)
    plan = ProjectPlan(root.get("name") or archive.path.stem, root.get("origin") or "", codebook)
    ctx = Context(where, plan.origin, _users(root), codebook.by_guid, _notes(root, archive),
                  _links(root), archive.member, extras)
    names = _read_sources(root, ctx, plan)
    _read_cases(root, ctx, plan, names)
    _report_rest(root, ctx, plan)
    plan.problems = codebook.problems + ctx.problems + plan.problems
    plan.unplaced = ctx.unplaced + plan.unplaced
    return plan


def _users(root: ET.Element) -> dict[str, str]:
    found = {}
    for user in _children(root, "Users", "User"):
        found[guid_key(user.get("guid"))] = (user.get("name") or user.get("id") or "").strip() \
            or f"user {guid_key(user.get('guid'))[:8]}"
    return found


def _children(root: ET.Element, group: str, name: str | None = None) -> list[ET.Element]:
    """The elements inside ``root``'s ``group`` element (none when it is absent)."""
    element = kid(root, group)
    return list(kids(element, name)) if element is not None else []


def _notes(root: ET.Element, archive: Archive) -> dict[str, str]:
    found = {}
    for note in _children(root, "Notes", "Note"):
        text = kid_text(note, "PlainTextContent")
        path = note.get("plainTextPath") or ""
        if not text and path and not path.startswith(("absolute://", "relative://")):
            data = archive.member(path) or b""
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = ""
        found[guid_key(note.get("guid"))] = text
    return found


def _links(root: ET.Element) -> dict[str, list[str]]:
    """NVivo joins an annotation (a note) to its selection with a link."""
    found: dict[str, list[str]] = {}
    for link in _children(root, "Links", "Link"):
        found.setdefault(guid_key(link.get("targetGUID")), []).append(
            guid_key(link.get("originGUID")))
    return found


def _read_sources(root: ET.Element, ctx: Context, plan: ProjectPlan) -> dict[str, str]:
    """Read every source; returns each imported source's guid -> document name."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for element in _children(root, "Sources"):
        kind = local(element)
        if kind != "TextSource":
            codings = sum(1 for e in element.iter() if isinstance(e.tag, str) and
                          local(e) == "Coding")
            lost = f" ({codings} coding(s) lost)" if codings else ""
            plan.problems.append(f"{ctx.where}: {kind} {document_name(element)!r}: not imported; "
                                 f"qualcode imports text sources only{lost}")
            continue
        source = read_text_source(element, ctx)
        if source is None:
            continue
        source.document = _unique_name(source, taken)
        names[source.guid] = source.document.name
        plan.sources.append(source)
    return names


def _unique_name(source: SourcePlan, taken: set[str]) -> Any:
    from dataclasses import replace

    name, number = source.document.name, 1
    while name.casefold() in taken:
        number += 1
        name = f"{source.document.name} ({number})"
    taken.add(name.casefold())
    if name == source.document.name:
        return source.document
    source.codings = [replace(c, document=name) for c in source.codings]
    return replace(source.document, name=name)


def _read_cases(root: ET.Element, ctx: Context, plan: ProjectPlan, names: dict[str, str]) -> None:
    variables = {guid_key(v.get("guid")): (v.get("name") or "").strip()
                 for v in _children(root, "Variables", "Variable")}
    for source in _children(root, "Sources", "TextSource"):
        document = names.get(guid_key(source.get("guid")))
        values = _values(source, variables, ctx)
        if document is not None and values:
            plan.cases.setdefault(document, {}).update(values)
            plan.document_case.setdefault(document, document)
    for case in _children(root, "Cases", "Case"):
        _read_case(case, variables, ctx, plan, names)


def _read_case(case: ET.Element, variables: dict[str, str], ctx: Context, plan: ProjectPlan,
               names: dict[str, str]) -> None:
    documents = [names[g] for g in (guid_key(r.get("targetGUID")) for r in kids(case, "SourceRef"))
                 if g in names]
    name = (case.get("name") or "").strip()
    values = _values(case, variables, ctx)
    if not name and len(documents) == 1:
        # MAXQDA and Quirkos carry a document's variables as a nameless case
        name = plan.document_case.get(documents[0], documents[0])
    elif not name:
        ctx.problems.append(f"{ctx.where}: a case without a name is not imported")
        return
    plan.cases.setdefault(name, {}).update(values)
    for document in documents:
        if plan.document_case.get(document, name) != name:
            ctx.problems.append(f"{ctx.where}: source {document!r} is in several cases; "
                                f"it stays in case {plan.document_case[document]!r}, not {name!r}")
            continue
        plan.document_case[document] = name
    parts = sum(1 for _ in kids(case, "SelectionRef"))
    if parts:
        ctx.problems.append(f"{ctx.where}: case {name!r}: {parts} part(s) of documents are not "
                            "imported; a qualcode case holds whole documents")
    codes = sum(1 for _ in kids(case, "CodeRef"))
    if codes:
        ctx.problems.append(f"{ctx.where}: case {name!r}: {codes} code(s) applied to the whole "
                            "case are not imported; qualcode codes passages")


def _values(element: ET.Element, variables: dict[str, str], ctx: Context) -> dict[str, str]:
    values = {}
    for value in kids(element, "VariableValue"):
        ref = kid(value, "VariableRef")
        key = variables.get(guid_key(ref.get("targetGUID"))) if ref is not None else None
        found = next((kid_text(value, name) for name in _VALUES if kid(value, name) is not None),
                     None)
        if key and found is not None:
            values[key] = found.strip()
        else:
            ctx.problems.append(f"{ctx.where}: a value of {element.get('name') or 'a case'!r} "
                                "names no known variable (or has no value); not imported")
    return values


def _report_rest(root: ET.Element, ctx: Context, plan: ProjectPlan) -> None:
    names = {guid_key(n.get("guid")): n.get("name") or guid_key(n.get("guid"))
             for n in _children(root, "Notes", "Note")}
    for note_guid, text in ctx.notes.items():
        if note_guid not in ctx.used_notes and text.strip():
            plan.unplaced.append(text.strip())
            plan.problems.append(f"{ctx.where}: note {names[note_guid]!r} is not attached to a "
                                 "coding; kept in the import's log entry")
    for group in ("Sets", "Graphs"):
        for item in _children(root, group):
            plan.problems.append(f"{ctx.where}: {local(item)} {item.get('name') or ''!r} "
                                 "not imported (qualcode has no such thing)")
    for link in _children(root, "Links", "Link"):
        if guid_key(link.get("originGUID")) not in ctx.notes:
            plan.problems.append(f"{ctx.where}: Link {link.get('name') or ''!r} not imported "
                                 "(qualcode has no links between items)")
    description = kid_text(root, "Description").strip()
    if description:
        plan.unplaced.append(description)
        plan.problems.append(f"{ctx.where}: the project's description is kept in the import's "
                             "log entry")

"""Codebooks in REFI-QDA form: writing and reading ``Code`` trees, and ``.qdc`` files.

A qualcode category is a ``Code`` with ``isCodable="false"``; its codes nest inside it as
codable ``Code`` elements, following their parents. The definition, inclusion and
exclusion hints are folded into the ``Description``, readable in any program::

    <definition>

    Include: <when to apply the code>

    Exclude: <when not to>

Everything REFI has no place for (code ids, stages, examples, cues, patterns, groups,
provenance, the codebook's name and version) travels in the qualcode comment.

Codebooks of other programs become: a top-level code that is not codable, a category; a
top-level codable code, a code in the category ``imported``; nested codes, codes under
their parent. Ids are made from the names (``parent-id.child-name``). ATLAS.ti's flat
``Parent::child`` names are nested again when the parent exists.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from qualcode.models import Code, Codebook
from qualcode.refi.xmltools import guid_key, is_guid, kid_text, kids, local, make_guid, sub

IMPORTED = "imported"
MAX_DEPTH = 64
MAX_SLUG = 40
MAX_ID = 120
_COLOUR = re.compile(r"#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\Z")
_LABELS = ("Include: ", "Exclude: ")
_EXTRA_FIELDS = ("id", "kind", "category", "parent", "examples", "cues", "patterns", "stage",
                 "provenance", "group", "stages")


# -- writing -----------------------------------------------------------------------------

def fold_description(code: Code) -> str:
    """Definition, inclusion and exclusion as one readable description."""
    parts = [code.definition] if code.definition else []
    parts += [label + text for label, text in zip(_LABELS, (code.include, code.exclude), strict=True) if text]
    return "\n\n".join(parts)


def unfold_description(text: str) -> tuple[str, str, str]:
    """``(definition, include, exclude)`` from a description made by :func:`fold_description`.

    A description without the labels is all definition.
    """
    found = {}
    rest = text
    for label in reversed(_LABELS):
        matches = list(re.finditer(rf"(?:\A|\n\n){re.escape(label)}", rest))
        if matches:
            found[label] = rest[matches[-1].end():]
            rest = rest[: matches[-1].start()]
    return rest, found.get(_LABELS[0], ""), found.get(_LABELS[1], "")


def code_extras(code: Code) -> dict[str, Any]:
    """The fields of a code that REFI-QDA cannot carry."""
    values = {name: getattr(code, name) for name in _EXTRA_FIELDS}
    for name in ("examples", "cues", "patterns"):
        values[name] = list(values[name])
    return values


def codebook_extras(codebook: Codebook, guids: dict[str, str]) -> dict[str, Any]:
    """The qualcode comment for a codebook: its header and each code's own fields."""
    return {
        "codebook": {"name": codebook.name, "version": codebook.version,
                     "description": codebook.description},
        "codes": {guids[code.id]: {**code_extras(code), "position": position}
                  for position, code in enumerate(codebook.codes)},
    }


def code_guids(codebook: Codebook, space: uuid.UUID) -> dict[str, str]:
    return {code.id: make_guid(space, "code", code.id) for code in codebook.codes}


def add_codes(parent: ET.Element, codebook: Codebook, guids: dict[str, str]) -> None:
    """A ``Codes`` element under ``parent`` with the codebook as a tree."""
    codes = sub(parent, "Codes")
    children: dict[str | None, list[Code]] = {}
    for code in codebook.codes:
        children.setdefault(code.parent if code.kind == "code" else None, []).append(code)
    stack: list[tuple[ET.Element, Code]] = [(codes, c) for c in reversed(children.get(None, []))]
    while stack:
        container, code = stack.pop()
        element = sub(container, "Code", guid=guids[code.id], name=code.name,
                      isCodable="true" if code.kind == "code" else "false", color=code.colour)
        description = fold_description(code)
        if description:
            sub(element, "Description", description)
        stack.extend((element, child) for child in reversed(children.get(code.id, [])))


# -- reading -----------------------------------------------------------------------------

@dataclass
class Node:
    """One ``Code`` element as read."""

    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str
    parent: str | None
    depth: int


@dataclass
class ReadCodebook:
    """The codes of a file as qualcode codes, with the GUID of each."""

    codes: list[Code] = field(default_factory=list)
    by_guid: dict[str, str] = field(default_factory=dict)  # guid key -> code id
    problems: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)

    def codebook(self, name: str, version: str) -> Codebook:
        return Codebook(self.header.get("name") or name, self.header.get("version") or version,
                        tuple(self.codes), self.header.get("description", ""))


def read_nodes(codes: ET.Element, problems: list[str], where: str) -> list[Node]:
    """Every ``Code`` under ``codes`` in document order, walked without recursion."""
    nodes: list[Node] = []
    stack: list[tuple[ET.Element, str | None, int]] = [
        (element, None, 0) for element in reversed(list(kids(codes, "Code")))]
    while stack:
        element, parent, depth = stack.pop()
        name = (element.get("name") or "").strip() or "(unnamed code)"
        guid = element.get("guid") or ""
        if depth >= MAX_DEPTH or not is_guid(guid):
            why = "is nested too deeply" if depth >= MAX_DEPTH else "has no valid guid"
            problems.append(f"{where}: code {name!r} {why}; not imported (nor the codes in it)")
            continue
        node = Node(guid_key(guid), name, element.get("isCodable", "true") != "false",
                    element.get("color"), kid_text(element, "Description"), parent, depth)
        nodes.append(node)
        stack.extend((child, node.guid, depth + 1) for child in reversed(list(kids(element, "Code"))))
    return nodes


def read_codebook(codes: ET.Element | None, extras: dict[str, Any] | None, where: str) -> ReadCodebook:
    """The codes under a ``Codes`` element, with qualcode's comment when there is one."""
    result = ReadCodebook()
    if extras is not None and isinstance(extras.get("codebook"), dict):
        result.header = {k: str(v) for k, v in extras["codebook"].items() if v is not None}
    if codes is None:
        return result
    nodes = _nest_flat_names(read_nodes(codes, result.problems, where))
    own = {guid_key(g): v for g, v in ((extras or {}).get("codes") or {}).items()
           if isinstance(v, dict)}
    taken: set[str] = set()
    made: dict[str, Code] = {}
    for node in sorted(nodes, key=lambda n: n.depth):  # parents before their children
        parent = made.get(node.parent) if node.parent else None
        code = _from_extras(node, own[node.guid]) if node.guid in own else None
        if code is None or code.id in taken:
            code = _mapped(node, parent, taken, result)
        taken.add(code.id)
        made[node.guid] = code
        result.by_guid[node.guid] = code.id
    ordered = [made[node.guid] for node in nodes]
    position = {made[n.guid].id: own.get(n.guid, {}).get("position") for n in nodes}
    if all(isinstance(value, int) for value in position.values()):
        ordered.sort(key=lambda code: position[code.id] or 0)
    if IMPORTED in taken and IMPORTED not in position:
        ordered.insert(0, Code(IMPORTED, "Imported codes", kind="category", category=IMPORTED,
                               definition="Codes that were not in a category."))
    result.codes = _categories_first(ordered)
    return result


def _nest_flat_names(nodes: list[Node]) -> list[Node]:
    """ATLAS.ti writes ``Coke::diet Coke`` beside ``Coke``: put the child inside again."""
    tops = {node.name: node.guid for node in nodes if node.parent is None}
    for node in nodes:
        head, sep, tail = node.name.partition("::")
        if node.parent is None and sep and tail and head in tops:
            node.parent, node.name, node.depth = tops[head], tail, 1
    return nodes


def _from_extras(node: Node, extras: dict[str, Any]) -> Code | None:
    definition, include, exclude = unfold_description(node.description)
    try:
        values = {name: extras[name] for name in _EXTRA_FIELDS}
        for name in ("examples", "cues", "patterns"):
            values[name] = tuple(values[name])
        return Code(name=node.name, colour=_colour(node.colour), definition=definition,
                    include=include, exclude=exclude, **values)
    except (KeyError, TypeError):
        return None


def _mapped(node: Node, parent: Code | None, taken: set[str], result: ReadCodebook) -> Code:
    definition, include, exclude = unfold_description(node.description)
    colour = _colour(node.colour)
    if node.colour and colour is None:
        result.problems.append(f"code {node.name!r}: colour {node.colour!r} is not #RRGGBB; dropped")
    common = {"name": node.name, "colour": colour, "definition": definition, "include": include,
              "exclude": exclude}
    if parent is None and not node.codable:
        code_id = unique_id(slug(node.name), taken)
        return Code(id=code_id, kind="category", category=code_id, **common)  # type: ignore[arg-type]
    if parent is None:
        taken.add(IMPORTED)
        code_id = unique_id(slug(node.name), taken)
        return Code(id=code_id, category=IMPORTED, parent=IMPORTED, **common)  # type: ignore[arg-type]
    category = parent.category
    code_id = unique_id(f"{parent.id}.{slug(node.name)}"[:MAX_ID].rstrip(".-"), taken)
    return Code(id=code_id, category=category, parent=parent.id, **common)  # type: ignore[arg-type]


def _categories_first(codes: list[Code]) -> list[Code]:
    """Keep file order, but a category's codes right after the category they belong to."""
    ordered: list[Code] = []
    for category in (c for c in codes if c.kind == "category"):
        ordered.append(category)
        ordered.extend(c for c in codes if c.kind == "code" and c.category == category.id)
    return ordered + [c for c in codes if c not in ordered]  # left for validation to report


def _colour(value: str | None) -> str | None:
    if not value or not _COLOUR.match(value.strip()):
        return None
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.upper()


def slug(name: str) -> str:
    """An id made from a name: ASCII letters, digits, ``_`` and ``-`` (``code`` if none)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_]+", "-", ascii_name.lower())[:MAX_SLUG].strip("-") or "code"


def unique_id(base: str, taken: set[str]) -> str:
    code_id, number = base, 1
    while code_id in taken:
        number += 1
        code_id = f"{base}-{number}"
    return code_id


def is_codebook_root(root: ET.Element) -> bool:
    return local(root) == "CodeBook"

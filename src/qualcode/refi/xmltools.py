"""Small XML helpers shared by the REFI-QDA reader and writer.

Reading matches elements on their local name, so files in the older namespaces some
programs wrote (``urn:QDA-XML:codebook:1:0``, ``...:0:4``) read like ``...:1.0`` ones.
Writing builds :mod:`xml.etree.ElementTree` trees (writing is safe with the standard
library) and keeps qualcode's own fields in one comment (see :func:`put_extras`).
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
EXTRAS_MARK = "qualcode "
EXTRAS_FORMAT = "qualcode-refi/1"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\}?\Z")
_QUALCODE_NS = uuid.uuid5(uuid.NAMESPACE_URL, "qualcode:refi-qda")
_PLACEHOLDER = "qualcode:placeholder"


# -- reading -----------------------------------------------------------------------------

def local(element: ET.Element) -> str:
    """The element's name without its namespace ('' for comments)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(element: ET.Element) -> str:
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def kids(element: ET.Element, name: str | None = None) -> Iterator[ET.Element]:
    """Child elements (comments skipped), optionally only those with local name ``name``."""
    for child in element:
        if isinstance(child.tag, str) and (name is None or local(child) == name):
            yield child


def kid(element: ET.Element, name: str) -> ET.Element | None:
    return next(kids(element, name), None)


def kid_text(element: ET.Element, name: str) -> str:
    """The text of the first child called ``name`` ('' when absent or empty)."""
    found = kid(element, name)
    return (found.text or "") if found is not None else ""


def guid_key(value: str | None) -> str:
    """A GUID as compared: braces stripped, lower case ('' when missing)."""
    return (value or "").strip().strip("{}").lower()


def is_guid(value: str | None) -> bool:
    return bool(value) and _GUID.match(value or "") is not None


def read_extras(element: ET.Element) -> dict[str, Any] | None:
    """The qualcode comment directly inside ``element`` (``None`` when there is none)."""
    for child in element:
        text = (child.text or "").strip()
        if getattr(child, "tag", None) is ET.Comment and text.startswith(EXTRAS_MARK.strip()):
            body = text[len(EXTRAS_MARK.strip()):]
            try:
                data = json.loads(body)
            except ValueError:
                return None
            if isinstance(data, dict) and data.get("format") == EXTRAS_FORMAT:
                return data
    return None


# -- writing -----------------------------------------------------------------------------

def project_guids(seed: str) -> uuid.UUID:
    """The namespace of one project's GUIDs (stable across its exports)."""
    return uuid.uuid5(_QUALCODE_NS, seed)


def make_guid(space: uuid.UUID, kind: str, key: str | int) -> str:
    """A stable GUID for one thing of a project, in the plain upper-case form."""
    return str(uuid.uuid5(space, f"{kind}:{key}")).upper()


def clean(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot hold."""
    return _ILLEGAL_XML.sub("", text)


def new_root(tag: str, ns: str, /, **attributes: str | None) -> ET.Element:
    """The root element of a file in the namespace ``ns``."""
    root = ET.Element(tag, {"xmlns": ns})
    root.attrib.update({k: clean(v) for k, v in attributes.items() if v is not None})
    return root


def sub(parent: ET.Element, tag: str, text: str | None = None, /,
        **attributes: str | None) -> ET.Element:
    """Append a child element; attributes that are ``None`` are left out.

    Tags are written without a namespace: the root's ``xmlns`` makes them REFI's.
    """
    child = element(tag, text, **attributes)
    parent.append(child)
    return child


def element(tag: str, text: str | None = None, /, **attributes: str | None) -> ET.Element:
    """A new element without a parent, as :func:`sub` makes them."""
    made = ET.Element(tag, {k: clean(v) for k, v in attributes.items() if v is not None})
    if text is not None:
        made.text = clean(text)
    return made


def put_extras(element: ET.Element, data: dict[str, Any]) -> None:
    """Put qualcode's own fields in a comment as the first child of ``element``.

    A comment is not data in XML, so other programs skip it and the file still matches
    the REFI schemas. ``--`` cannot appear inside a comment; JSON escapes it.
    """
    body = _json({"format": EXTRAS_FORMAT, **data})
    element.insert(0, ET.Comment(" " + EXTRAS_MARK + _comment_safe(body) + " "))


class Entries:
    """A JSON object written one entry at a time: its ``(key, value)`` pairs in key order."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        self.items = items


def extras_comment(data: dict[str, Any]) -> Iterator[bytes]:
    """The comment :func:`put_extras` makes, serialised, in pieces.

    Values that are :class:`Entries` are written entry by entry, so they need not be held.
    Pieces end at JSON punctuation, never inside a run of ``-``, so escaping each piece
    escapes the whole.
    """
    full = {"format": EXTRAS_FORMAT, **data}
    yield b"<!-- " + EXTRAS_MARK.encode()
    for piece in _object_pieces((key, full[key]) for key in sorted(full)):
        yield _comment_safe(piece).encode("utf-8", "xmlcharrefreplace")
    yield b" -->"


def _object_pieces(items: Iterable[tuple[str, Any]]) -> Iterator[str]:
    yield "{"
    for index, (key, value) in enumerate(items):
        head = ("," if index else "") + _json(key) + ":"
        if isinstance(value, Entries):
            yield head
            yield from _object_pieces(value.items)
        else:
            yield head + _json(value)
    yield "}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def _comment_safe(text: str) -> str:
    return clean(text).replace("--", "-\\u002d")


def to_bytes(root: ET.Element) -> bytes:
    """The tree as indented UTF-8 XML with a declaration."""
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data.replace(b"<?xml version='1.0' encoding='utf-8'?>",
                        b'<?xml version="1.0" encoding="utf-8"?>', 1)


def placeholder() -> ET.Element[Any]:
    """A comment marking where :func:`split_placeholders` cuts a serialised tree."""
    return ET.Comment(_PLACEHOLDER)


def split_placeholders(data: bytes) -> list[bytes]:
    """Serialised XML cut at each placeholder (markup never holds ``<!--`` but in comments)."""
    return data.split(b"<!--" + _PLACEHOLDER.encode() + b"-->")


def fragments(elements: Iterable[ET.Element], level: int) -> Iterator[bytes]:
    """Sibling elements ``level`` deep in a tree, serialised as :func:`to_bytes` writes them."""
    between = ("\n" + "  " * level).encode()
    for index, element in enumerate(elements):
        ET.indent(element, space="  ", level=level)
        if index:
            yield between
        yield ET.tostring(element, encoding="utf-8")

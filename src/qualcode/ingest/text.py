"""Plain-text and Markdown transcripts, with optional YAML front matter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.common import attribute_key, bytes_sha256, document_name
from qualcode.ingest.normalise import load_text, normalise_text
from qualcode.ingest.options import ReadOptions
from qualcode.ingest.sniff import yaml_too_deep
from qualcode.ingest.transcript import parse_transcript
from qualcode.models import ParsedDocument

_FENCE = "---"
_FENCE_ENDS = ("---", "...")
_MAX_DEPTH = 50  # levels of nesting front matter may have


def read_text_document(
    path: Path, data: bytes, options: ReadOptions, *, format: str
) -> ParsedDocument:
    """Read a ``.txt`` or Markdown transcript from its bytes."""
    text, warnings = load_text(path, data, encoding=options.encoding)
    attributes, body, first_line = split_front_matter(text, path=path)
    body = normalise_text(body)
    if not body.strip():
        raise InputError("no text after the front matter", path=path)
    return transcript_document(
        path,
        data,
        body,
        options,
        format=format,
        attributes=attributes,
        warnings=warnings,
        first_line=first_line,
    )


def transcript_document(
    path: Path,
    data: bytes,
    text: str,
    options: ReadOptions,
    *,
    format: str,
    attributes: dict[str, str] | None = None,
    warnings: list[str] | None = None,
    first_line: int = 1,
) -> ParsedDocument:
    """Cut normalised ``text`` into turns and wrap it as a :class:`ParsedDocument`."""
    turns, more = parse_transcript(text, options, path=path, first_line=first_line)
    return ParsedDocument(
        name=document_name(path),
        format=format,
        text=text,
        turns=tuple(turns),
        source_path=str(path),
        source_sha256=bytes_sha256(data),
        attributes=attributes or {},
        warnings=(*(warnings or []), *more),
    )


def split_front_matter(text: str, *, path: Path) -> tuple[dict[str, str], str, int]:
    """Split YAML front matter off normalised ``text``.

    Returns the attributes, the rest of the text and the file line where that rest starts.
    Front matter is present only when the first line is ``---``; it ends at the next
    ``---`` (or ``...``) line.
    """
    first_end = text.find("\n")
    if (text if first_end < 0 else text[:first_end]).rstrip() != _FENCE:
        return {}, text, 1
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FENCE_ENDS:
            attributes = _front_matter(lines[1:index], path=path)
            return attributes, "\n".join(lines[index + 1 :]), index + 2
    hint = "close it with a '---' line, or remove the first '---' line"
    raise InputError("front matter is not closed", path=path, line=1, hint=hint)


def _front_matter(lines: list[str], *, path: Path) -> dict[str, str]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    # every level of nesting opens at a "[", "{", "-", "?" or ":" of its own, so front
    # matter with few of them cannot be too deep, and the slow scan is not needed
    indicators = sum(line.count(ch) for line in lines for ch in "[{-?:")
    deep = yaml_too_deep("\n".join(lines), _MAX_DEPTH) if indicators > _MAX_DEPTH else None
    if deep is not None:
        hint = "keep the front matter to simple name: value lines"
        raise InputError("front matter is nested too deeply", path=path, line=deep + 1, hint=hint)
    try:
        loaded = YAML(typ="safe", pure=True).load("\n".join(lines))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        problem = exc.problem or exc.context or "cannot be parsed"
        message = f"front matter is not valid YAML ({problem})"
        raise InputError(message, path=path, line=line) from None
    except YAMLError as exc:
        raise InputError(f"front matter is not valid YAML ({exc})", path=path, line=1) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InputError("front matter must be a mapping of names to values", path=path, line=1)
    return _attributes(loaded, path=path)


def _attributes(loaded: dict[Any, Any], *, path: Path) -> dict[str, str]:
    attributes: dict[str, str] = {}
    sources: dict[str, str] = {}
    for raw_key, raw_value in loaded.items():
        key = attribute_key(str(raw_key))
        if not key:
            raise InputError("front matter has an empty name", path=path, line=1)
        if key in sources:
            message = f"front matter names {sources[key]!r} and {raw_key!r} are the same attribute"
            raise InputError(message, path=path, line=1)
        sources[key] = str(raw_key)
        value = _attribute_value(raw_key, raw_value, path=path)
        if value:
            attributes[key] = value
    return attributes


def _attribute_value(key: object, value: object, *, path: Path) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(key, item, path=path) for item in value if item is not None)
    return _scalar(key, value, path=path)


def _scalar(key: object, value: object, *, path: Path) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return normalise_text(str(value)).strip()
    message = f"front matter value of {str(key)!r} must be a single value or a list of values"
    raise InputError(message, path=path, line=1)

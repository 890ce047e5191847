"""Telling text from binary data before decoding it: signatures, control bytes, limits."""

from __future__ import annotations

import re

MEGABYTE = 1024 * 1024
MAX_TEXT_BYTES = 20 * MEGABYTE  # .txt .md .vtt .srt .csv: a long interview is under 1 MB
MAX_FILE_BYTES = 100 * MEGABYTE  # .docx .xlsx may carry pictures
BINARY_SUFFIXES = frozenset({".docx", ".xlsx"})

# the first bytes of formats people save under a wrong name
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (perhaps a .docx or .xlsx file)"),
    (b"SQLite format 3\x00", "an SQLite database (perhaps a qualcode project)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc or .xls)"),
    (b"{\\rtf", "an RTF document"),
)
# C0 controls other than tab, LF, VT, FF, CR, plus DEL: rare in any text file
_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
MAX_CONTROL_SHARE = 0.05
# a decoded character that is neither ASCII nor an undecodable byte (surrogateescape)
_MULTIBYTE = re.compile(r"[^\x00-\x7f\udc80-\udcff]")


def size_limit(suffix: str) -> int:
    """How many bytes qualcode reads from a file with this suffix."""
    return MAX_FILE_BYTES if suffix.lower() in BINARY_SUFFIXES else MAX_TEXT_BYTES


def megabytes(count: int) -> str:
    """A byte count as whole megabytes, for messages."""
    return f"{count / MEGABYTE:.0f} MB"


def binary_kind(data: bytes) -> str | None:
    """What a well-known binary format the bytes start with is called, else ``None``."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def control_share(data: bytes) -> float:
    """Share of control bytes (other than tab and line breaks) in ``data``."""
    controls = len(data.translate(None, _NOT_CONTROL))
    return controls / max(len(data), 1)


def has_utf8_sequences(data: bytes) -> bool:
    """True when ``data`` holds at least one valid UTF-8 multi-byte character."""
    return _MULTIBYTE.search(data.decode("utf-8", "surrogateescape")) is not None


def line_of(data: bytes, offset: int) -> int:
    """1-based line of byte ``offset`` in ASCII-compatible ``data``."""
    return data.count(b"\n", 0, offset) + 1


def yaml_too_deep(text: str, limit: int = 50) -> int | None:
    """The line where YAML ``text`` nests more than ``limit`` levels, else ``None``.

    The scan stops at that point: ruamel.yaml's scanner slows down with every open level,
    so a file of nothing but ``[[[[...`` would otherwise keep it busy for minutes.
    Syntax errors are left to the parser.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml import tokens as t
    from ruamel.yaml.error import YAMLError

    opening = (t.FlowSequenceStartToken, t.FlowMappingStartToken,
               t.BlockSequenceStartToken, t.BlockMappingStartToken)
    closing = (t.FlowSequenceEndToken, t.FlowMappingEndToken, t.BlockEndToken)
    depth = 0
    try:
        for token in YAML(typ="rt").scan(text):
            if isinstance(token, opening):
                depth += 1
                if depth > limit:
                    return int(token.start_mark.line) + 1
            elif isinstance(token, closing):
                depth -= 1
    except YAMLError:
        return None
    return None

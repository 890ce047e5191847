"""Small pieces every reader shares: document names, hashes and attribute names."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from qualcode.errors import InputError


def document_name(path: Path) -> str:
    """The name a file's document gets: its stem (``ai2-olmo`` for ``ai2-olmo.md``)."""
    return path.stem


def bytes_sha256(data: bytes) -> str:
    """Hex SHA-256 of a file's raw bytes."""
    return hashlib.sha256(data).hexdigest()


def attribute_key(name: str) -> str:
    """An attribute name as stored: stripped, lower-cased, runs of spaces as one ``_``."""
    return "_".join(name.split()).lower()


def attribute_keys(columns: Iterable[str], *, path: str | Path) -> dict[str, str]:
    """Map each column to its attribute key; two columns with one key are an error."""
    keys: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for column in columns:
        key = attribute_key(column)
        if key in by_key:
            message = f"columns {by_key[key]!r} and {column!r} both become the attribute {key!r}"
            raise InputError(message, path=path)
        by_key[key] = column
        keys[column] = key
    return keys


def require_zip(data: bytes, *, kind: str, path: str | Path) -> None:
    """Raise ``not a valid .docx file (...)`` unless ``data`` is a readable zip archive."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        reason = "damaged zip archive" if data.startswith(b"PK") else "not a zip archive"
        raise InputError(f"not a valid {kind} file ({reason})", path=path)

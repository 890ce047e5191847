"""Small pieces every reader shares: document names, hashes and attribute names."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.sniff import MEGABYTE

MAX_ZIP_ENTRIES = 5_000
MAX_UNPACKED = 300 * MEGABYTE
MAX_RATIO = 100
RATIO_FLOOR = MEGABYTE  # smaller entries may compress as much as they like
_PROLOG_BYTES = 64 * 1024  # a document type declaration comes before the first element
_DTD_MARKERS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
_APPS = {".docx": "Word", ".xlsx": "Excel"}
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def document_name(path: Path) -> str:
    """The name a file's document gets: its stem (``ai2-olmo`` for ``ai2-olmo.md``), cleaned."""
    return clean_name(path.stem)


def clean_name(name: str) -> str:
    """``name`` without control characters and bidirectional overrides (``document`` if empty).

    A crafted name can then neither drive the terminal nor display as something else.
    """
    kept = "".join(ch for ch in name if ch not in _BIDI and unicodedata.category(ch) != "Cc")
    return kept.strip() or "document"


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
    """Raise :class:`InputError` unless ``data`` is a zip archive that is safe to open.

    ``kind`` is the suffix the file claims (``.docx``, ``.xlsx``). Refused: anything that
    is not a readable zip archive, more than :data:`MAX_ZIP_ENTRIES` entries, an entry
    with an absolute or ``..`` name, entries that unpack to more than
    :data:`MAX_UNPACKED` bytes, a large entry compressed more than :data:`MAX_RATIO`
    times (a zip bomb), and an XML part with a document type declaration, where entity
    bombs and external entities live (Word and Excel never write one).
    """
    app = _APPS.get(kind, "the program that made it")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        reason = "damaged zip archive" if data.startswith(b"PK") else "not a zip archive"
        hint = (f"save it again from {app}" if data.startswith(b"PK")
                else f"open it in {app} and save it in the {kind} format")
        raise InputError(f"not a valid {kind} file ({reason})", path=path, hint=hint)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            refused = _unsafe_archive(infos) or _declared_dtd(archive, infos)
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError, zlib.error):
        hint = f"save it again from {app}"
        raise InputError(f"not a valid {kind} file (damaged zip archive)", path=path,
                         hint=hint) from None
    if refused is not None:
        hint = f"if the file is genuine, save it again from {app}"
        raise InputError(f"refused: {refused}", path=path, hint=hint)


def _unsafe_archive(infos: list[zipfile.ZipInfo]) -> str | None:
    if len(infos) > MAX_ZIP_ENTRIES:
        return f"the archive has {len(infos):,} entries (limit {MAX_ZIP_ENTRIES:,})"
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            return f"the archive entry {name!r} points outside the archive"
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return (f"the archive entry {name!r} is compressed {ratio:,} times "
                    f"(limit {MAX_RATIO}), like a zip bomb")
        total += info.file_size
    if total > MAX_UNPACKED:
        return f"the archive would unpack to {total:,} bytes (limit {MAX_UNPACKED:,})"
    return None


def _declared_dtd(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> str | None:
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        with archive.open(info) as handle:
            head = handle.read(_PROLOG_BYTES)
        if any(marker in head for marker in _DTD_MARKERS):
            return (f"the XML part {info.filename!r} declares a document type (<!DOCTYPE>), "
                    "as entity-expansion and external-entity attacks do")
    return None

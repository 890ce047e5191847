"""Readers: a file on disk becomes one :class:`~qualcode.models.ParsedDocument` (or one per
row of an answer table), with normalised text and speaker turns.

Every reader raises :class:`~qualcode.errors.InputError` naming the file (and the line
where there is one) for anything it cannot read.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.common import document_name
from qualcode.ingest.normalise import read_bytes
from qualcode.ingest.options import DEFAULT_INTERVIEWER_LABELS, ReadOptions
from qualcode.models import ParsedDocument

__all__ = [
    "DEFAULT_INTERVIEWER_LABELS",
    "FORMATS",
    "SUFFIXES",
    "ReadOptions",
    "document_name",
    "read_documents",
]

FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
SUFFIXES: frozenset[str] = frozenset(FORMATS)
DEFAULT_OPTIONS = ReadOptions()


def read_documents(path: Path, *, options: ReadOptions = DEFAULT_OPTIONS) -> list[ParsedDocument]:
    """Read one file: a transcript gives one document, an answer table one per row.

    The format follows the suffix (see :data:`SUFFIXES`, case-insensitive).
    """
    from qualcode.ingest.captions import read_captions
    from qualcode.ingest.docx import read_docx
    from qualcode.ingest.tables import read_answers
    from qualcode.ingest.text import read_text_document

    format = FORMATS.get(path.suffix.lower())
    if format is None:
        readable = ", ".join(sorted(SUFFIXES))
        what = f"file type {path.suffix!r}" if path.suffix else "file without a suffix"
        raise InputError(f"cannot read a {what}", path=path, hint=f"qualcode reads {readable}")
    data = read_bytes(path)
    if format in ("csv", "xlsx"):
        return read_answers(path, data, options)
    if format in ("vtt", "srt"):
        return [read_captions(path, data, options, format="vtt" if format == "vtt" else "srt")]
    if format == "docx":
        return [read_docx(path, data, options)]
    return [read_text_document(path, data, options, format=format)]

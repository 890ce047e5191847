"""How a file is read: the options every reader takes."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError

DEFAULT_INTERVIEWER_LABELS: tuple[str, ...] = (
    "Interviewer",
    "INT",
    "I",
    "Q",
    "Moderator",
    "Facilitator",
    "Researcher",
    "Host",
)


@dataclass(frozen=True)
class ReadOptions:
    """Options for :func:`qualcode.ingest.read_documents`.

    ``interviewer_labels`` are compared case-insensitively with the speaker of a label
    (a label followed by a number, such as ``Interviewer 2`` or ``INT1``, also counts);
    ``label_pattern`` is a regular expression with a named group ``speaker`` (and an
    optional ``time``) that replaces the default label rule. A bad ``encoding`` or
    ``label_pattern`` raises :class:`InputError` when the options are made.
    """

    encoding: str | None = None
    interviewer_labels: tuple[str, ...] = DEFAULT_INTERVIEWER_LABELS
    label_pattern: str | None = None
    id_column: str | None = None
    text_column: str | None = None

    def __post_init__(self) -> None:
        if self.encoding is not None:
            check_encoding(self.encoding)
        if self.label_pattern is not None:
            from qualcode.ingest.transcript import compile_label_pattern

            compile_label_pattern(self.label_pattern)


def check_encoding(name: str, *, path: str | Path | None = None) -> str:
    """Return the codec's canonical name, or raise ``unknown encoding 'name'``."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    # bytes-to-bytes codecs such as base64 are found by lookup but cannot decode text
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise InputError(f"unknown encoding {name!r}", path=path)
    return info.name

"""Immutable records that cross module boundaries.

Offsets everywhere are half-open ``[start, end)`` spans counted in Unicode code points
over a document's stored, normalised text (NFC, ``\\n`` line endings, no BOM).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["interviewer", "participant", "other"]
SegmentKind = Literal["sentence", "paragraph"]
Origin = Literal["human", "rule", "model"]
Status = Literal["suggested", "accepted", "rejected"]
CodeKind = Literal["category", "code"]

ROLES: tuple[Role, ...] = ("interviewer", "participant", "other")
ORIGINS: tuple[Origin, ...] = ("human", "rule", "model")
STATUSES: tuple[Status, ...] = ("suggested", "accepted", "rejected")


def under_prefix(code: str, prefixes: Sequence[str]) -> bool:
    """Whether ``code`` is one of ``prefixes`` or lies under one (``challenge.pre`` holds
    ``challenge.pre.secrecy``); no prefixes means every code."""
    return not prefixes or any(
        code == p or code.startswith(p.rstrip(".") + ".") for p in prefixes
    )


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Turn:
    """One speaker turn: the span of what was said, without the speaker label."""

    speaker: str
    role: Role
    start: int
    end: int
    media_start: float | None = None
    media_end: float | None = None


@dataclass(frozen=True)
class Segment:
    """A sentence or paragraph inside turn number ``turn`` (index into the turns)."""

    kind: SegmentKind
    start: int
    end: int
    turn: int


@dataclass(frozen=True)
class ParsedDocument:
    """What a reader makes of one source: normalised text, turns and front-matter attributes."""

    name: str
    format: str
    text: str
    turns: tuple[Turn, ...]
    source_path: str
    source_sha256: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def text_sha256(self) -> str:
        return sha256_text(self.text)


@dataclass(frozen=True)
class Code:
    """A code or a category of a codebook.

    ``category`` is the id of the top-level category the code belongs to (a category's
    own id for a category); ``parent`` is the code it hangs under (``None`` for a
    category). ``stage`` is the id of the lifecycle-stage code the code is fixed to.
    ``stages`` marks a category whose codes are the lifecycle stages.
    """

    id: str
    name: str
    kind: CodeKind = "code"
    category: str = ""
    parent: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()
    stage: str | None = None
    colour: str | None = None
    provenance: str | None = None
    group: str | None = None
    stages: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: categories and codes in file order."""

    name: str
    version: str
    codes: tuple[Code, ...]
    description: str = ""
    source: str | None = None
    sha256: str = ""

    def get(self, code_id: str) -> Code | None:
        for code in self.codes:
            if code.id == code_id:
                return code
        return None

    def ids(self) -> list[str]:
        return [code.id for code in self.codes]

    def path(self, code_id: str) -> tuple[str, ...]:
        """Names from the category down to the code (``category > code > subcode``)."""
        by_id = {code.id: code for code in self.codes}
        names: list[str] = []
        current = by_id.get(code_id)
        while current is not None:
            names.append(current.name)
            current = by_id.get(current.parent) if current.parent else None
        return tuple(reversed(names))


@dataclass(frozen=True)
class Case:
    """A case (a participant or an organisation) with free key/value attributes."""

    name: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Coding:
    """A code applied to the span ``[start, end)`` of a document, with its quote."""

    document: str
    start: int
    end: int
    quote: str
    code: str
    coder: str
    origin: Origin = "human"
    status: Status = "accepted"
    score: float | None = None
    rationale: str | None = None
    memo: str | None = None
    id: int | None = None
    created_at: str | None = None
    run_id: str | None = None

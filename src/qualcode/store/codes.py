"""Codebook versions and codes in the project."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select, update

from qualcode.models import Code, Codebook
from qualcode.store import schema
from qualcode.store.engine import inserted_id, now


@dataclass(frozen=True)
class CodebookChange:
    """What loading a codebook changed."""

    version: int
    name: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class CodebookInfo:
    version: int
    name: str
    label: str
    sha256: str
    loaded_at: str
    source: str | None


def _row_values(code: Code, position: int, version: int) -> dict[str, Any]:
    return {
        "id": code.id,
        "kind": code.kind,
        "category": code.category,
        "parent": code.parent,
        "name": code.name,
        "definition": code.definition,
        "include": code.include,
        "exclude": code.exclude,
        "examples": json.dumps(list(code.examples), ensure_ascii=False),
        "cues": json.dumps(list(code.cues), ensure_ascii=False),
        "patterns": json.dumps(list(code.patterns), ensure_ascii=False),
        "stage": code.stage,
        "colour": code.colour,
        "provenance": code.provenance,
        "grp": code.group,
        "stages": code.stages,
        "position": position,
        "archived": False,
        "codebook_version": version,
    }


_COMPARED = ("kind", "category", "parent", "name", "definition", "include", "exclude",
             "examples", "cues", "patterns", "stage", "colour", "provenance", "grp", "stages", "position",
             "archived")


def code_usage(conn: Connection) -> dict[str, int]:
    """Number of codings (any status) per code id."""
    c = schema.codings.c
    query = select(c.code_id, func.count()).group_by(c.code_id)
    return {code_id: int(count) for code_id, count in conn.execute(query)}


def current_codebook(conn: Connection) -> CodebookInfo | None:
    row = conn.execute(
        select(schema.codebooks).order_by(schema.codebooks.c.version.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return CodebookInfo(row.version, row.name, row.label, row.sha256, row.loaded_at, row.source)


def store_codebook(
    conn: Connection, codebook: Codebook, content: str, *, archive: list[str]
) -> CodebookChange:
    """Record a new codebook version and bring the codes table in line with it.

    Codes missing from the new codebook are deleted when unused and archived (kept,
    flagged) when codings refer to them: the caller lists the latter in ``archive``.
    """
    result = conn.execute(
        schema.codebooks.insert().values(
            name=codebook.name,
            label=codebook.version,
            source=codebook.source,
            sha256=codebook.sha256,
            content=content,
            loaded_at=now(),
        )
    )
    version = inserted_id(result)
    existing = {row.id: row._asdict() for row in conn.execute(select(schema.codes))}
    added, changed, unchanged = [], [], 0
    for position, code in enumerate(codebook.codes):
        values = _row_values(code, position, version)
        old = existing.pop(code.id, None)
        if old is None:
            conn.execute(schema.codes.insert().values(**values))
            added.append(code.id)
        elif any(old[key] != values[key] for key in _COMPARED):
            conn.execute(update(schema.codes).where(schema.codes.c.id == code.id).values(**values))
            changed.append(code.id)
        else:
            conn.execute(
                update(schema.codes).where(schema.codes.c.id == code.id).values(codebook_version=version)
            )
            unchanged += 1
    for code_id in existing:
        if code_id in archive:
            conn.execute(
                update(schema.codes).where(schema.codes.c.id == code_id).values(archived=True)
            )
        else:
            conn.execute(schema.codes.delete().where(schema.codes.c.id == code_id))
    return CodebookChange(version, codebook.name, added, changed, sorted(archive), unchanged)


def list_codes(conn: Connection, *, archived: bool = False) -> list[Code]:
    """The project's codes in codebook order (archived ones last, if asked for)."""
    query = select(schema.codes).order_by(schema.codes.c.archived, schema.codes.c.position)
    if not archived:
        query = query.where(schema.codes.c.archived.is_(False))
    return [_code(row) for row in conn.execute(query)]


def archived_ids(conn: Connection) -> set[str]:
    query = select(schema.codes.c.id).where(schema.codes.c.archived.is_(True))
    return set(conn.execute(query).scalars())


def _code(row: Any) -> Code:
    return Code(
        id=row.id,
        name=row.name,
        kind=row.kind,
        category=row.category,
        parent=row.parent,
        definition=row.definition,
        include=row.include,
        exclude=row.exclude,
        examples=tuple(json.loads(row.examples)),
        cues=tuple(json.loads(row.cues)),
        patterns=tuple(json.loads(row.patterns)),
        stage=row.stage,
        colour=row.colour,
        provenance=row.provenance,
        group=row.grp,
        stages=row.stages,
    )


def project_codebook(conn: Connection) -> Codebook | None:
    """The project's current codes as a :class:`Codebook` (archived codes included)."""
    info = current_codebook(conn)
    if info is None:
        return None
    codes = tuple(list_codes(conn, archived=True))
    return Codebook(
        name=info.name, version=info.label, codes=codes, source=info.source, sha256=info.sha256
    )

"""Documents, their turns and segments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from qualcode.models import ParsedDocument, Segment, Turn
from qualcode.store import schema
from qualcode.store.engine import inserted_id, now


@dataclass(frozen=True)
class StoredDocument:
    id: int
    name: str
    source_path: str
    source_sha256: str
    format: str
    text: str
    text_sha256: str
    case: str | None
    ingested_at: str
    attributes: dict[str, str]


_DOC_COLUMNS = (
    schema.documents.c.id,
    schema.documents.c.name,
    schema.documents.c.source_path,
    schema.documents.c.source_sha256,
    schema.documents.c.format,
    schema.documents.c.text,
    schema.documents.c.text_sha256,
    schema.cases.c.name.label("case"),
    schema.documents.c.ingested_at,
    schema.documents.c.attributes,
)


def _doc(row: Any) -> StoredDocument:
    values = row._asdict()
    values["attributes"] = json.loads(values["attributes"])
    return StoredDocument(**values)


def _doc_query() -> Any:
    return select(*_DOC_COLUMNS).outerjoin(
        schema.cases, schema.cases.c.id == schema.documents.c.case_id
    )


def find_document(conn: Connection, name: str) -> StoredDocument | None:
    row = conn.execute(_doc_query().where(schema.documents.c.name == name)).first()
    return _doc(row) if row is not None else None


def all_documents(conn: Connection) -> list[StoredDocument]:
    rows = conn.execute(_doc_query().order_by(schema.documents.c.name))
    return [_doc(row) for row in rows]


def document_names(conn: Connection) -> list[str]:
    query = select(schema.documents.c.name).order_by(schema.documents.c.name)
    return list(conn.execute(query).scalars())


def insert_document(
    conn: Connection, doc: ParsedDocument, segments: Sequence[Segment], *, case_id: int | None
) -> int:
    """Store a new document with its turns and segments; returns its id."""
    result = conn.execute(
        schema.documents.insert().values(
            name=doc.name,
            source_path=doc.source_path,
            source_sha256=doc.source_sha256,
            format=doc.format,
            text=doc.text,
            text_sha256=doc.text_sha256,
            case_id=case_id,
            ingested_at=now(),
            attributes=json.dumps(dict(doc.attributes), ensure_ascii=False, sort_keys=True),
        )
    )
    doc_id = inserted_id(result)
    _insert_parts(conn, doc_id, doc.turns, segments)
    return doc_id


def replace_document(
    conn: Connection, doc_id: int, doc: ParsedDocument, segments: Sequence[Segment]
) -> None:
    """Replace the text, turns and segments of a stored document (codings are the caller's)."""
    conn.execute(delete(schema.segments).where(schema.segments.c.document_id == doc_id))
    conn.execute(delete(schema.turns).where(schema.turns.c.document_id == doc_id))
    conn.execute(
        update(schema.documents)
        .where(schema.documents.c.id == doc_id)
        .values(
            source_path=doc.source_path,
            source_sha256=doc.source_sha256,
            format=doc.format,
            text=doc.text,
            text_sha256=doc.text_sha256,
            ingested_at=now(),
            attributes=json.dumps(dict(doc.attributes), ensure_ascii=False, sort_keys=True),
        )
    )
    _insert_parts(conn, doc_id, doc.turns, segments)


def set_document_case(conn: Connection, doc_id: int, case_id: int | None) -> None:
    conn.execute(
        update(schema.documents).where(schema.documents.c.id == doc_id).values(case_id=case_id)
    )


def _insert_parts(
    conn: Connection, doc_id: int, turns: Sequence[Turn], segments: Sequence[Segment]
) -> None:
    if turns:
        conn.execute(
            schema.turns.insert(),
            [
                {
                    "document_id": doc_id,
                    "idx": index,
                    "speaker": turn.speaker,
                    "role": turn.role,
                    "start": turn.start,
                    "end": turn.end,
                    "media_start": turn.media_start,
                    "media_end": turn.media_end,
                }
                for index, turn in enumerate(turns)
            ],
        )
    if segments:
        conn.execute(
            schema.segments.insert(),
            [
                {
                    "document_id": doc_id,
                    "turn_idx": seg.turn,
                    "kind": seg.kind,
                    "start": seg.start,
                    "end": seg.end,
                }
                for seg in segments
            ],
        )


def document_turns(conn: Connection, doc_id: int) -> list[Turn]:
    rows = conn.execute(
        select(schema.turns).where(schema.turns.c.document_id == doc_id).order_by(schema.turns.c.idx)
    )
    return [
        Turn(
            speaker=row.speaker,
            role=row.role,
            start=row.start,
            end=row.end,
            media_start=row.media_start,
            media_end=row.media_end,
        )
        for row in rows
    ]


def document_segments(conn: Connection, doc_id: int, kind: str | None = None) -> list[Segment]:
    query = select(schema.segments).where(schema.segments.c.document_id == doc_id)
    if kind is not None:
        query = query.where(schema.segments.c.kind == kind)
    rows = conn.execute(query.order_by(schema.segments.c.start, schema.segments.c.kind))
    return [Segment(kind=row.kind, start=row.start, end=row.end, turn=row.turn_idx) for row in rows]


def document_stats(conn: Connection) -> dict[int, dict[str, int]]:
    """Per document id: turns, participant speakers, sentences and codings (accepted)."""
    stats: dict[int, dict[str, int]] = {}

    def put(query: Any, key: str) -> None:
        for doc_id, value in conn.execute(query):
            stats.setdefault(int(doc_id), {})[key] = int(value)

    t = schema.turns.c
    put(select(t.document_id, func.count()).group_by(t.document_id), "turns")
    put(
        select(t.document_id, func.count(func.distinct(t.speaker)))
        .where(t.role == "participant")
        .group_by(t.document_id),
        "participants",
    )
    s = schema.segments.c
    put(
        select(s.document_id, func.count()).where(s.kind == "sentence").group_by(s.document_id),
        "sentences",
    )
    c = schema.codings.c
    put(
        select(c.document_id, func.count()).where(c.status == "accepted").group_by(c.document_id),
        "codings",
    )
    put(
        select(c.document_id, func.count()).where(c.status == "suggested").group_by(c.document_id),
        "suggestions",
    )
    return stats

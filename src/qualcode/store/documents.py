"""Documents, their turns and segments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from qualcode.errors import UserError
from qualcode.models import ParsedDocument, Segment, Turn
from qualcode.store import schema
from qualcode.store.engine import insert_rows, inserted_id, now

SegmentRow = tuple[str, int, int, int]  # (kind, start, end, turn), as qualcode.segment makes them


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


_TURN_COLUMNS = ("document_id", "idx", "speaker", "role", "start", "end", "media_start", "media_end")
_SEGMENT_COLUMNS = ("document_id", "turn_idx", "kind", "start", "end")
_NAMES_PER_QUERY = 500  # well under SQLite's smallest limit on bound parameters (999)


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


def select_names(conn: Connection, wanted: Sequence[str]) -> list[str]:
    """The stored document names among ``wanted`` (all of them when ``wanted`` is empty),
    in name order; every unknown name is reported in one error."""
    names = document_names(conn)
    unknown = [name for name in wanted if name not in names]
    if unknown:
        msg = f"no document named {', '.join(repr(n) for n in unknown)}"
        raise UserError(msg, hint="see `qualcode documents`")
    return [name for name in names if not wanted or name in wanted]


def document_hashes(conn: Connection, names: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """``name -> (id, text_sha256)`` of the stored documents (of ``names`` only, when given)."""
    d = schema.documents.c
    query = select(d.name, d.id, d.text_sha256)
    if names is None:
        return {name: (int(doc_id), sha) for name, doc_id, sha in conn.execute(query)}
    wanted = list(dict.fromkeys(names))
    found: dict[str, tuple[int, str]] = {}
    for at in range(0, len(wanted), _NAMES_PER_QUERY):
        chunk = wanted[at : at + _NAMES_PER_QUERY]
        found.update((n, (int(i), h)) for n, i, h in conn.execute(query.where(d.name.in_(chunk))))
    return found


def insert_document(
    conn: Connection, doc: ParsedDocument, segments: Sequence[Segment], *, case_id: int | None
) -> int:
    """Store a new document with its turns and segments; returns its id."""
    rows = [(seg.kind, seg.start, seg.end, seg.turn) for seg in segments]
    return add_document(conn, doc, rows, case_id=case_id)


def add_document(
    conn: Connection,
    doc: ParsedDocument,
    segments: Sequence[SegmentRow],
    *,
    case_id: int | None,
    text_sha256: str | None = None,
) -> int:
    """Store a new document, its turns and its ``(kind, start, end, turn)`` segments.

    ``text_sha256`` saves hashing the text again when the caller has it. Returns the id.
    """
    # one statement with parameters (not .values()), so SQLAlchemy compiles it only once
    result = conn.execute(
        schema.documents.insert(),
        {
            "name": doc.name,
            "source_path": doc.source_path,
            "source_sha256": doc.source_sha256,
            "format": doc.format,
            "text": doc.text,
            "text_sha256": text_sha256 or doc.text_sha256,
            "case_id": case_id,
            "ingested_at": now(),
            "attributes": json.dumps(dict(doc.attributes), ensure_ascii=False, sort_keys=True),
        },
    )
    doc_id = inserted_id(result)
    _insert_parts(conn, doc_id, doc.turns, segments)
    return doc_id


def replace_document(
    conn: Connection, doc_id: int, doc: ParsedDocument, segments: Sequence[Segment | SegmentRow]
) -> None:
    """Replace the text, turns and segments of a stored document (codings are the caller's).

    Segments are :class:`Segment` records or ``(kind, start, end, turn)`` rows.
    """
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
    rows = [(s.kind, s.start, s.end, s.turn) if isinstance(s, Segment) else s for s in segments]
    _insert_parts(conn, doc_id, doc.turns, rows)


def set_document_case(conn: Connection, doc_id: int, case_id: int | None) -> None:
    conn.execute(
        update(schema.documents).where(schema.documents.c.id == doc_id).values(case_id=case_id)
    )


def _insert_parts(
    conn: Connection, doc_id: int, turns: Sequence[Turn], segments: Sequence[SegmentRow]
) -> None:
    turn_rows = [
        (doc_id, index, t.speaker, t.role, t.start, t.end, t.media_start, t.media_end)
        for index, t in enumerate(turns)
    ]
    insert_rows(conn, schema.turns, _TURN_COLUMNS, turn_rows)
    segment_rows = [(doc_id, turn, kind, start, end) for kind, start, end, turn in segments]
    insert_rows(conn, schema.segments, _SEGMENT_COLUMNS, segment_rows)


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

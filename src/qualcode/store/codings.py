"""Codings and coders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from qualcode.errors import CodingError
from qualcode.models import Coding
from qualcode.store import schema
from qualcode.store.engine import inserted_id, now


def ensure_coder(conn: Connection, name: str) -> int:
    """The id of coder ``name``, created if needed."""
    found = conn.execute(select(schema.coders.c.id).where(schema.coders.c.name == name)).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(schema.coders.insert().values(name=name, created_at=now()))
    return inserted_id(result)


def list_coders(conn: Connection) -> list[str]:
    return list(conn.execute(select(schema.coders.c.name).order_by(schema.coders.c.name)).scalars())


def _check_span(text: str, coding: Coding) -> None:
    if not 0 <= coding.start < coding.end <= len(text):
        msg = f"span {coding.start}-{coding.end} is outside the document (0-{len(text)})"
        raise CodingError(msg, path=coding.document)
    if text[coding.start : coding.end] != coding.quote:
        msg = f"quote does not match the text at {coding.start}-{coding.end}"
        raise CodingError(msg, path=coding.document)


def insert_codings(
    conn: Connection, doc_id: int, text: str, items: Sequence[Coding]
) -> list[int]:
    """Insert codings of one document, checking each quote against the text; returns ids."""
    ids: list[int] = []
    for coding in items:
        _check_span(text, coding)
        result = conn.execute(
            schema.codings.insert().values(
                document_id=doc_id,
                start=coding.start,
                end=coding.end,
                quote=coding.quote,
                code_id=coding.code,
                coder_id=ensure_coder(conn, coding.coder),
                origin=coding.origin,
                status=coding.status,
                score=coding.score,
                rationale=coding.rationale,
                memo=coding.memo,
                created_at=coding.created_at or now(),
                run_id=coding.run_id,
            )
        )
        ids.append(inserted_id(result))
    return ids


def coding_query() -> Any:
    c = schema.codings.c
    return (
        select(
            c.id,
            schema.documents.c.name.label("document"),
            c.start,
            c.end,
            c.quote,
            c.code_id.label("code"),
            schema.coders.c.name.label("coder"),
            c.origin,
            c.status,
            c.score,
            c.rationale,
            c.memo,
            c.created_at,
            c.run_id,
        )
        .join(schema.documents, schema.documents.c.id == c.document_id)
        .join(schema.coders, schema.coders.c.id == c.coder_id)
    )


def row_to_coding(row: Any) -> Coding:
    return Coding(**row._asdict())


def get_coding(conn: Connection, coding_id: int) -> Coding | None:
    row = conn.execute(coding_query().where(schema.codings.c.id == coding_id)).first()
    return row_to_coding(row) if row is not None else None


def find_codings(
    conn: Connection,
    *,
    document: str | None = None,
    statuses: Iterable[str] | None = None,
    coder: str | None = None,
) -> list[Coding]:
    """Codings in document order, filtered."""
    query = coding_query()
    if document is not None:
        query = query.where(schema.documents.c.name == document)
    if statuses is not None:
        query = query.where(schema.codings.c.status.in_(list(statuses)))
    if coder is not None:
        query = query.where(schema.coders.c.name == coder)
    query = query.order_by(schema.documents.c.name, schema.codings.c.start, schema.codings.c.end,
                           schema.codings.c.code_id, schema.codings.c.id)
    return [row_to_coding(row) for row in conn.execute(query)]


def delete_coding(conn: Connection, coding_id: int) -> None:
    conn.execute(schema.codings.delete().where(schema.codings.c.id == coding_id))


def move_coding(conn: Connection, coding_id: int, start: int, end: int, quote: str) -> None:
    conn.execute(
        update(schema.codings)
        .where(schema.codings.c.id == coding_id)
        .values(start=start, end=end, quote=quote)
    )


def codings_per_code(conn: Connection, *, statuses: Sequence[str]) -> dict[str, int]:
    c = schema.codings.c
    query = select(c.code_id, func.count()).where(c.status.in_(list(statuses))).group_by(c.code_id)
    return {code: int(n) for code, n in conn.execute(query)}

"""Reads for writers that stream a whole project: no text held longer than one document.

The REFI-QDA writer asks for documents without their text, then for each document's
text or codings in turn, and for codings' states in small batches of ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, exists, select

from qualcode.models import Coding
from qualcode.store import schema
from qualcode.store.codings import coding_query, row_to_coding

IDS_PER_QUERY = 500  # well under SQLite's smallest limit on bound parameters (999)
CodingState = tuple[str, str, float | None, str | None]  # status, origin, score, rationale


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document without its text."""

    id: int
    name: str
    source_path: str
    source_sha256: str
    format: str
    case: str | None
    ingested_at: str
    attributes: dict[str, str]


def document_infos(conn: Connection) -> list[DocumentInfo]:
    """Every document (by name) with its details but not its text."""
    d = schema.documents.c
    query = (select(d.id, d.name, d.source_path, d.source_sha256, d.format, schema.cases.c.name,
                    d.ingested_at, d.attributes)
             .outerjoin(schema.cases, schema.cases.c.id == d.case_id).order_by(d.name))
    return [DocumentInfo(*row[:7], json.loads(row[7])) for row in conn.execute(query)]


def iter_texts(conn: Connection) -> Iterator[tuple[str, str]]:
    """Each document's name and text, by name, read from one cursor as consumed."""
    d = schema.documents.c
    for name, text in conn.execute(select(d.name, d.text).order_by(d.name)):
        yield str(name), str(text)


def coding_ids(conn: Connection, statuses: Sequence[str]) -> list[int]:
    """The ids of the codings with one of ``statuses``."""
    c = schema.codings.c
    query = select(c.id).where(c.status.in_(list(statuses)))
    return [int(coding_id) for coding_id in conn.execute(query).scalars()]


def coding_states(conn: Connection, ids: Sequence[int]) -> dict[int, CodingState]:
    """Status, origin, score and rationale of the codings ``ids``, by id."""
    c = schema.codings.c
    found: dict[int, CodingState] = {}
    for at in range(0, len(ids), IDS_PER_QUERY):
        query = (select(c.id, c.status, c.origin, c.score, c.rationale)
                 .where(c.id.in_(list(ids[at : at + IDS_PER_QUERY]))))
        found.update((int(i), (status, origin, score, rationale))
                     for i, status, origin, score, rationale in conn.execute(query))
    return found


def _with_memo(statuses: Sequence[str]) -> ColumnElement[bool]:
    c = schema.codings.c
    return and_(c.status.in_(list(statuses)), c.memo.is_not(None), c.memo != "")


def has_memos(conn: Connection, statuses: Sequence[str]) -> bool:
    """Whether any coding with one of ``statuses`` has a memo."""
    return bool(conn.execute(select(exists().where(_with_memo(statuses)))).scalar())


def iter_memo_codings(conn: Connection, statuses: Sequence[str]) -> Iterator[Coding]:
    """The codings with a memo, in document order, read from one cursor as consumed."""
    c = schema.codings.c
    query = (coding_query().where(_with_memo(statuses))
             .order_by(schema.documents.c.name, c.start, c.end, c.code_id, c.id))
    for row in conn.execute(query):
        yield row_to_coding(row)

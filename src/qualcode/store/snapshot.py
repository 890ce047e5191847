"""Bulk reads for tables and exports: a few queries for the whole project, never one per row.

Exports of large projects stream: codings come back in document order from one cursor,
and a document's text and sentence spans are read only when a row of it needs them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, select

from qualcode.models import Role, Turn
from qualcode.store import schema


@dataclass(frozen=True)
class DocumentHead:
    """A document without its text: what every row of an export needs."""

    id: int
    name: str
    case: str | None
    text_sha256: str


def document_heads(conn: Connection) -> list[DocumentHead]:
    """Every document (by name) with its case and text hash, but not its text."""
    d = schema.documents.c
    query = (select(d.id, d.name, schema.cases.c.name, d.text_sha256)
             .outerjoin(schema.cases, schema.cases.c.id == d.case_id).order_by(d.name))
    return [DocumentHead(*row) for row in conn.execute(query)]


def all_turns(conn: Connection) -> dict[int, list[Turn]]:
    """The turns of every document (by document id), in order, read in one query."""
    t = schema.turns.c
    query = select(t.document_id, t.speaker, t.role, t.start, t.end, t.media_start,
                   t.media_end).order_by(t.document_id, t.idx)
    found: dict[int, list[Turn]] = {}
    shared: dict[str, str] = {}
    for doc_id, speaker, role, start, end, media_start, media_end in conn.execute(query):
        turn = Turn(shared.setdefault(speaker, speaker), cast(Role, role), start, end,
                    media_start, media_end)
        found.setdefault(doc_id, []).append(turn)
    return found


def document_texts(conn: Connection) -> dict[int, str]:
    """The stored text of every document, by document id."""
    query = select(schema.documents.c.id, schema.documents.c.text)
    return {int(doc_id): str(text) for doc_id, text in conn.execute(query)}


def iter_sentences(conn: Connection, documents: Sequence[str] = ()
                   ) -> Iterator[tuple[str, str, list[tuple[int, int]]]]:
    """Each document's name, text and sentence spans (in text order), by name, one at a time.

    ``documents`` limits the documents read (all when empty).
    """
    d, s = schema.documents.c, schema.segments.c
    texts = select(d.name, d.text).order_by(d.name)
    spans = (select(d.name, s.start, s.end).join(schema.documents, d.id == s.document_id)
             .where(s.kind == "sentence").order_by(d.name, s.start))
    if documents:
        texts, spans = texts.where(d.name.in_(list(documents))), spans.where(d.name.in_(list(documents)))
    groups = groupby(conn.execute(spans), key=itemgetter(0))
    current = next(groups, None)
    for name, text in conn.execute(texts):
        found: list[tuple[int, int]] = []
        if current is not None and current[0] == name:
            found = [(start, end) for _, start, end in current[1]]
            current = next(groups, None)
        yield name, text, found


CODING_COLUMNS = ("coding_id", "document", "case", "start", "end", "quote", "code_id", "coder",
                  "origin", "status", "score", "memo")


def iter_coding_rows(
    conn: Connection,
    *,
    statuses: Sequence[str],
    coders: Sequence[str] | None = None,
    documents: Sequence[str] = (),
) -> Iterator[dict[str, Any]]:
    """One dict per selected coding (keys :data:`CODING_COLUMNS`), in document order.

    Rows are read from one cursor as they are consumed; repeated values (document,
    case, code, coder...) are shared between rows rather than copied.
    """
    c, d = schema.codings.c, schema.documents.c
    query = (
        select(c.id, c.document_id, c.start, c.end, c.quote, c.code_id, c.coder_id, c.origin,
               c.status, c.score, c.memo)
        .join(schema.documents, d.id == c.document_id)
        .where(c.status.in_(list(statuses)))
        .order_by(d.name, c.start, c.end, c.code_id, c.id)
    )
    coders_query = select(schema.coders.c.id, schema.coders.c.name)
    coder_names = {int(i): str(name) for i, name in conn.execute(coders_query)}
    if coders is not None:
        query = query.where(c.coder_id.in_([i for i, n in coder_names.items() if n in coders]))
    if documents:
        query = query.where(d.name.in_(list(documents)))
    heads = {head.id: head for head in document_heads(conn)}
    shared: dict[Any, Any] = {}
    share = shared.setdefault
    for (coding_id, doc_id, start, end, quote, code_id, coder_id, origin, status, score,
         memo) in conn.execute(query):
        head = heads[doc_id]
        yield {"coding_id": coding_id, "document": head.name, "case": head.case, "start": start,
               "end": end, "quote": quote, "code_id": share(code_id, code_id),
               "coder": coder_names[coder_id], "origin": share(origin, origin),
               "status": share(status, status), "score": score, "memo": memo}

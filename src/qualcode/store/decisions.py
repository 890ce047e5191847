"""Suggestions and the decisions taken on them (accept, reject, change), and runs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from qualcode.errors import CodingError
from qualcode.models import Coding, under_prefix
from qualcode.store import schema
from qualcode.store.codings import _check_span as check_span
from qualcode.store.codings import coding_query, ensure_coder, row_to_coding
from qualcode.store.engine import insert_rows, now

SpanKey = tuple[str, int, int, str]  # (document, start, end, code)


@dataclass(frozen=True)
class Run:
    id: str
    kind: str
    actor: str
    params: dict[str, Any]
    status: str
    started_at: str
    finished_at: str | None


def coding_keys(conn: Connection, *, documents: Iterable[str] | None = None) -> dict[SpanKey, str]:
    """``(document, start, end, code) -> status`` of every coding (any coder, any status).

    A suggestion maker skips keys already present, so a suggestion is never duplicated,
    never shadows a decision, and one rejected before is not proposed again.
    """
    query = select(
        schema.documents.c.name, schema.codings.c.start, schema.codings.c.end,
        schema.codings.c.code_id, schema.codings.c.status,
    ).join(schema.documents, schema.documents.c.id == schema.codings.c.document_id)
    keys: dict[SpanKey, str] = {}
    if documents is None:
        _add_keys(keys, conn.execute(query).fetchall())
        return keys
    names = list(dict.fromkeys(documents))
    for at in range(0, len(names), _NAMES_PER_QUERY):
        chunk = names[at : at + _NAMES_PER_QUERY]
        _add_keys(keys, conn.execute(query.where(schema.documents.c.name.in_(chunk))).fetchall())
    return keys


def _add_keys(keys: dict[SpanKey, str], rows: Iterable[Any]) -> None:
    for name, start, end, code, status in rows:
        key = (name, start, end, code)
        # a decision outranks a pending suggestion for the same key
        if keys.get(key) in (None, "suggested"):
            keys[key] = status


def pending_suggestions(
    conn: Connection,
    *,
    code_prefixes: Sequence[str] = (),
    document: str | None = None,
    origins: Sequence[str] = ("rule", "model"),
    order: str = "score",
) -> list[Coding]:
    """Suggestions waiting for a decision: by score (highest first) or in document order."""
    c = schema.codings.c
    query = coding_query().where(c.status == "suggested").where(c.origin.in_(list(origins)))
    if document is not None:
        query = query.where(schema.documents.c.name == document)
    if order == "score":
        query = query.order_by(c.score.desc(), schema.documents.c.name, c.start, c.code_id)
    else:
        query = query.order_by(schema.documents.c.name, c.start, c.end, c.code_id)
    found = [row_to_coding(row) for row in conn.execute(query)]
    if code_prefixes:
        found = [s for s in found if under_prefix(s.code, code_prefixes)]
    return found


def decide(
    conn: Connection,
    coding_id: int,
    *,
    status: str,
    coder: str,
    code: str | None = None,
    span: tuple[int, int, str] | None = None,
    memo: str | None = None,
) -> None:
    """Record a human decision on a coding: its status, and who took it.

    The decider becomes the coding's coder (its origin still says where it came from);
    ``code`` changes the code, ``span`` = (start, end, quote) moves it, ``memo`` sets a memo.
    """
    values: dict[str, Any] = {"status": status, "coder_id": ensure_coder(conn, coder)}
    if code is not None:
        values["code_id"] = code
    if span is not None:
        values["start"], values["end"], values["quote"] = span
    if memo is not None:
        values["memo"] = memo
    conn.execute(update(schema.codings).where(schema.codings.c.id == coding_id).values(**values))


def restore_fields(conn: Connection, coding_id: int, fields: dict[str, Any]) -> None:
    """Put back fields of a coding as recorded before a decision (for undo)."""
    values = dict(fields)
    if "coder" in values:
        values["coder_id"] = ensure_coder(conn, values.pop("coder"))
    if "code" in values:
        values["code_id"] = values.pop("code")
    conn.execute(update(schema.codings).where(schema.codings.c.id == coding_id).values(**values))


def run_codings(conn: Connection, run_id: str) -> list[Coding]:
    """Codings created by a run."""
    query = coding_query().where(schema.codings.c.run_id == run_id).order_by(schema.codings.c.id)
    return [row_to_coding(row) for row in conn.execute(query)]


def delete_codings(conn: Connection, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(schema.codings.delete().where(schema.codings.c.id.in_(list(ids))))


def get_run(conn: Connection, run_id: str) -> Run | None:
    row = conn.execute(select(schema.runs).where(schema.runs.c.id == run_id)).first()
    if row is None:
        return None
    return Run(row.id, row.kind, row.actor, json.loads(row.params), row.status, row.started_at,
               row.finished_at)


def list_runs(conn: Connection, *, kind: str | None = None) -> list[Run]:
    """Newest first."""
    query = select(schema.runs).order_by(schema.runs.c.started_at.desc(), schema.runs.c.id)
    if kind is not None:
        query = query.where(schema.runs.c.kind == kind)
    return [Run(r.id, r.kind, r.actor, json.loads(r.params), r.status, r.started_at, r.finished_at)
            for r in conn.execute(query)]


def set_memo(conn: Connection, coding_id: int, memo: str | None) -> None:
    """Set (or clear) the memo of a coding, leaving its status and coder alone."""
    conn.execute(update(schema.codings).where(schema.codings.c.id == coding_id).values(memo=memo))


Suggestion = tuple[str, int, int, str, str, str, float, str]
"""A new suggestion: (document, start, end, quote, code, origin, score, rationale)."""


def insert_suggestions(conn: Connection, items: Sequence[Suggestion], *, coder: str,
                       run_id: str) -> None:
    """Insert suggestions (status ``suggested``) of any documents in one statement, each
    quote checked against its document's text.

    For suggestion runs, which add many codings at once; the ids are read back with
    :func:`run_coding_ids`.
    """
    if not items:
        return
    documents = _document_texts(conn, {item[0] for item in items})
    # suggestions of one unit share its span and quote: check each span once
    for document, start, end, quote in dict.fromkeys(item[:4] for item in items):
        if document not in documents:
            msg = f"no document named {document!r}"
            raise CodingError(msg)
        _check_quote(document, documents[document][1], start, end, quote)
    coder_id = ensure_coder(conn, coder)
    stamp = now()
    ids = {name: doc_id for name, (doc_id, _) in documents.items()}
    rows = [(ids[document], start, end, quote, code, coder_id, origin, "suggested", score,
             rationale, None, stamp, run_id)
            for document, start, end, quote, code, origin, score, rationale in items]
    insert_rows(conn, schema.codings, _CODING_COLUMNS, rows)


def _check_quote(document: str, text: str, start: int, end: int, quote: str) -> None:
    if not (0 <= start < end <= len(text) and text[start:end] == quote):
        check_span(text, Coding(document, start, end, quote, "", ""))  # raises the error


_CODING_COLUMNS = ("document_id", "start", "end", "quote", "code_id", "coder_id", "origin",
                   "status", "score", "rationale", "memo", "created_at", "run_id")
_NAMES_PER_QUERY = 500  # well under SQLite's smallest limit on bound parameters (999)


def _document_texts(conn: Connection, names: Iterable[str]) -> dict[str, tuple[int, str]]:
    """``name -> (id, text)`` of the stored documents among ``names``."""
    d = schema.documents.c
    wanted = sorted(names)
    found: dict[str, tuple[int, str]] = {}
    for at in range(0, len(wanted), _NAMES_PER_QUERY):
        chunk = wanted[at : at + _NAMES_PER_QUERY]
        query = select(d.name, d.id, d.text).where(d.name.in_(chunk))
        found.update((name, (int(doc_id), text)) for name, doc_id, text in conn.execute(query))
    return found


def last_coding_id(conn: Connection) -> int:
    """The highest coding id so far (0 with none): codings added later have higher ids."""
    return int(conn.execute(select(func.max(schema.codings.c.id))).scalar() or 0)


def run_coding_ids(conn: Connection, run_id: str, *, after: int = 0) -> list[int]:
    """Ids of the codings a run created, in the order they were inserted; ``after`` (the
    :func:`last_coding_id` before the run) spares reading the codings that came before."""
    c = schema.codings.c
    query = select(c.id).where(c.run_id == run_id, c.id > after).order_by(c.id)
    return [int(i) for (i,) in conn.execute(query).fetchall()]  # fetchall: fewer calls per row

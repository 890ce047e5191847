"""Documents, their turns and segments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from qualcode.errors import UserError
from qualcode.models import ParsedDocument, Segment, Turn
from qualcode.store import schema
from qualcode.store.engine import driver, insert_row, insert_rows, now

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
_DOCUMENT_COLUMNS = ("name", "source_path", "source_sha256", "format", "text", "text_sha256",
                     "case_id", "ingested_at", "attributes")
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


def document_sizes(conn: Connection) -> list[tuple[str, int]]:
    """``(name, characters of text)`` of every document, in the order of :func:`document_names`."""
    d = schema.documents.c
    query = select(d.name, func.length(d.text)).order_by(d.name)
    return [(name, int(size or 0)) for name, size in conn.execute(query)]


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
    values = (doc.name, doc.source_path, doc.source_sha256, doc.format, doc.text,
              text_sha256 or doc.text_sha256, case_id, now(),
              json.dumps(dict(doc.attributes), ensure_ascii=False, sort_keys=True))
    doc_id = insert_row(conn, schema.documents, _DOCUMENT_COLUMNS, values)
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
    """The turns of one document, in order."""
    return documents_parts(conn, [doc_id])[doc_id][0]


def document_segments(conn: Connection, doc_id: int, kind: str | None = None) -> list[Segment]:
    """The segments (of one ``kind``, or all) of one document, in text order."""
    sql = 'SELECT kind, start, "end", turn_idx FROM segments WHERE document_id = ?'
    params: tuple[Any, ...] = (doc_id,)
    if kind is not None:
        sql, params = sql + " AND kind = ?", (doc_id, kind)
    rows = conn.exec_driver_sql(sql + " ORDER BY start, kind", params)
    return [Segment(kind=k, start=start, end=end, turn=turn) for k, start, end, turn in rows]


def documents_parts(conn: Connection, doc_ids: Sequence[int], kind: str | None = None
                    ) -> dict[int, tuple[list[Turn], list[tuple[int, int, int]]]]:
    """Per document of ``doc_ids``: its turns in order and its segments (of one ``kind``, or
    none) as ``(turn, start, end)`` in text order, two queries for a batch of documents."""
    found: dict[int, tuple[list[Turn], list[tuple[int, int, int]]]] = {
        doc_id: ([], []) for doc_id in doc_ids}
    for at in range(0, len(doc_ids), _NAMES_PER_QUERY):
        chunk = tuple(doc_ids[at : at + _NAMES_PER_QUERY])
        marks = ", ".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            'SELECT document_id, speaker, role, start, "end", media_start, media_end FROM turns '
            f"WHERE document_id IN ({marks}) ORDER BY document_id, idx", chunk)
        for doc_id, speaker, role, start, end, media_start, media_end in rows:
            found[doc_id][0].append(Turn(speaker, role, start, end, media_start, media_end))
        if kind is None:
            continue
        rows = conn.exec_driver_sql(
            'SELECT document_id, turn_idx, start, "end" FROM segments '
            f"WHERE kind = ? AND document_id IN ({marks}) ORDER BY document_id, start",
            (kind, *chunk))
        for doc_id, turn, start, end in rows:
            found[doc_id][1].append((turn, start, end))
    return found


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


@dataclass(frozen=True)
class StoredTokens:
    """The token boundaries kept for a document's text, and what they were made for."""

    text_sha256: str
    tokenizer: str
    data: bytes


def ensure_token_table(conn: Connection) -> None:
    """Create the token table in a project made before it existed (the change is additive)."""
    schema.document_tokens.create(conn, checkfirst=True)


def put_document_tokens(conn: Connection, doc_id: int, tokens: StoredTokens | None) -> None:
    """Keep ``tokens`` for a document, in place of any kept before (``None``: keep none).

    The table must exist (see :func:`ensure_token_table`).
    """
    table = schema.document_tokens
    if tokens is not None and conn.dialect.name == "sqlite":
        # straight to the driver: one statement per document, at ingest speed
        driver(conn).execute(
            'INSERT OR REPLACE INTO "document_tokens" '
            '("document_id", "text_sha256", "tokenizer", "data") VALUES (?, ?, ?, ?)',
            (doc_id, tokens.text_sha256, tokens.tokenizer, tokens.data))
        return
    conn.execute(delete(table).where(table.c.document_id == doc_id))
    if tokens is not None:
        conn.execute(table.insert(), {"document_id": doc_id, "text_sha256": tokens.text_sha256,
                                      "tokenizer": tokens.tokenizer, "data": tokens.data})


def iter_documents_tokens(
    conn: Connection, names: Sequence[str]
) -> Iterator[tuple[StoredDocument, StoredTokens | None]]:
    """The stored documents named, in the order named (unknown names left out), each with
    the tokens kept for it; read a few dozen documents per query as they are consumed.

    Tokens are ``None`` when none are kept (also in a project without the token table).
    Whether they still fit the document's text is the caller's to check.
    """
    d, t = schema.documents.c, schema.document_tokens.c
    has_tokens = conn.dialect.has_table(conn, schema.document_tokens.name)
    query = _doc_query()
    if has_tokens:
        query = query.add_columns(t.text_sha256.label("tokens_sha256"), t.tokenizer, t.data) \
            .outerjoin(schema.document_tokens, t.document_id == d.id)
    for at in range(0, len(names), _DOCUMENTS_PER_QUERY):
        chunk = names[at : at + _DOCUMENTS_PER_QUERY]
        found = {row.name: row._asdict() for row in conn.execute(query.where(d.name.in_(chunk)))}
        for name in chunk:
            if name in found:
                yield _with_tokens(found.pop(name))


_DOCUMENTS_PER_QUERY = 64  # texts held at once while streaming documents


def _with_tokens(values: dict[str, Any]) -> tuple[StoredDocument, StoredTokens | None]:
    tokens = None
    if "data" in values:
        sha, tokenizer, data = (values.pop(k) for k in ("tokens_sha256", "tokenizer", "data"))
        if data is not None:
            tokens = StoredTokens(sha, tokenizer, bytes(data))
    values["attributes"] = json.loads(values["attributes"])
    return StoredDocument(**values), tokens

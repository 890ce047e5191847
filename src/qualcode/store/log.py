"""The append-only event log: every change, who made it and when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from qualcode.store import schema
from qualcode.store.engine import insert_row, now


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    payload: dict[str, Any]


_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "payload")


def log_event(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Append one event and return its id."""
    values = (now(), actor, action, entity, None if entity_id is None else str(entity_id),
              json.dumps(payload or {}, ensure_ascii=False, sort_keys=True))
    return insert_row(conn, schema.events, _COLUMNS, values)  # once per document at ingest


def _event(row: Any) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        payload=json.loads(row.payload),
    )


def get_event(conn: Connection, event_id: int) -> Event | None:
    row = conn.execute(select(schema.events).where(schema.events.c.id == event_id)).first()
    return _event(row) if row is not None else None


def list_events(conn: Connection, *, limit: int | None = None, action: str | None = None) -> list[Event]:
    """Newest first."""
    query = select(schema.events).order_by(schema.events.c.id.desc())
    if action is not None:
        query = query.where(schema.events.c.action == action)
    if limit is not None:
        query = query.limit(limit)
    return [_event(row) for row in conn.execute(query)]

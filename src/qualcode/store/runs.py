"""Runs: one id for every batch of changes (an import, a suggestion run), so it can be undone."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, update

from qualcode.store import schema
from qualcode.store.engine import now


def start_run(conn: Connection, *, kind: str, actor: str, params: dict[str, Any]) -> str:
    """Record a new run and return its id."""
    run_id = f"{kind}-{uuid.uuid4().hex[:10]}"
    conn.execute(
        schema.runs.insert().values(
            id=run_id,
            kind=kind,
            actor=actor,
            params=json.dumps(params, ensure_ascii=False, sort_keys=True),
            status="running",
            started_at=now(),
        )
    )
    return run_id


def finish_run(conn: Connection, run_id: str, *, status: str = "done") -> None:
    conn.execute(
        update(schema.runs).where(schema.runs.c.id == run_id).values(status=status, finished_at=now())
    )

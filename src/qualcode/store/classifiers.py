"""Trained classifiers stored in the project (``qualcode learn``), newest last."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from qualcode.store import schema
from qualcode.store.engine import inserted_id, now


@dataclass(frozen=True)
class StoredClassifier:
    """One trained model: what it was trained on, its settings, metrics and weights."""

    id: int
    created_at: str
    codebook_version: int
    coder: str | None
    unit: str
    labels: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any]
    data: bytes


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _ensure_table(conn: Connection) -> None:
    # projects made before the table existed get it on first use (the change is additive)
    schema.classifiers.create(conn, checkfirst=True)


def store_classifier(
    conn: Connection,
    *,
    codebook_version: int,
    coder: str | None,
    unit: str,
    labels: list[str],
    params: dict[str, Any],
    metrics: dict[str, Any],
    data: bytes,
) -> int:
    """Store a new classifier version and return its id."""
    _ensure_table(conn)
    result = conn.execute(schema.classifiers.insert().values(
        created_at=now(), codebook_version=codebook_version, coder=coder, unit=unit,
        labels=_dumps(labels), params=_dumps(params), metrics=_dumps(metrics), data=data,
    ))
    return inserted_id(result)


def _row(row: Any) -> StoredClassifier:
    return StoredClassifier(row.id, row.created_at, row.codebook_version, row.coder, row.unit,
                            json.loads(row.labels), json.loads(row.params),
                            json.loads(row.metrics), bytes(row.data))


def latest_classifier(conn: Connection) -> StoredClassifier | None:
    """The most recently trained classifier, or ``None``."""
    if not conn.dialect.has_table(conn, "classifiers"):
        return None
    query = select(schema.classifiers).order_by(schema.classifiers.c.id.desc()).limit(1)
    row = conn.execute(query).first()
    return _row(row) if row is not None else None


def list_classifiers(conn: Connection) -> list[StoredClassifier]:
    """Every stored classifier, oldest first."""
    if not conn.dialect.has_table(conn, "classifiers"):
        return []
    rows = conn.execute(select(schema.classifiers).order_by(schema.classifiers.c.id))
    return [_row(row) for row in rows]

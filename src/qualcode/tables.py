"""Pure pandas builders over a :class:`~qualcode.dataset.Dataset`."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from qualcode.dataset import Dataset

if TYPE_CHECKING:
    import pandas as pd

UNSTAGED = "unstaged"

SEGMENT_COLUMNS = [
    "coding_id", "document", "case", "speaker", "role", "turn", "start", "end", "text",
    "code", "code_name", "category", "code_path", "stage", "coder", "origin", "status",
    "score", "memo", "text_sha256",
]


def coding_stages(dataset: Dataset) -> dict[int, list[str]]:
    """The lifecycle stage(s) of every coding, by coding id.

    A code fixed to a stage gives that stage; a stage code is its own stage; any other
    coding takes the stage codes of codings that overlap it in the same turn; failing
    that it is ``unstaged``.
    """
    stage_ids = set(dataset.stage_ids())
    order = {stage: i for i, stage in enumerate(dataset.stage_ids())}
    by_turn: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)
    for row in dataset.codings:
        if row["code_id"] in stage_ids:
            doc = dataset.documents[row["document"]]
            by_turn[(row["document"], doc.turn_index(row["start"]))].append(row)
    stages: dict[int, list[str]] = {}
    for row in dataset.codings:
        code = dataset.code(row["code_id"])
        if row["code_id"] in stage_ids:
            found = [row["code_id"]]
        elif code is not None and code.stage:
            found = [code.stage]
        else:
            doc = dataset.documents[row["document"]]
            key = (row["document"], doc.turn_index(row["start"]))
            found = sorted(
                {s["code_id"] for s in by_turn.get(key, ())
                 if s["start"] < row["end"] and row["start"] < s["end"]},
                key=lambda stage: order.get(stage, len(order)),
            )
        stages[row["coding_id"]] = found or [UNSTAGED]
    return stages


def segment_table(dataset: Dataset) -> pd.DataFrame:
    """One row per coding, in document order, with its context and code path."""
    import pandas as pd

    stages = coding_stages(dataset)
    records = []
    for row in dataset.codings:
        doc = dataset.documents[row["document"]]
        index = doc.turn_index(row["start"])
        turn = doc.turns[index] if index is not None else None
        code = dataset.code(row["code_id"])
        category = dataset.code(code.category) if code is not None else None
        records.append({
            "coding_id": row["coding_id"],
            "document": row["document"],
            "case": row["case"] or "",
            "speaker": turn.speaker if turn else "",
            "role": turn.role if turn else "",
            "turn": index if index is not None else "",
            "start": row["start"],
            "end": row["end"],
            "text": row["quote"],
            "code": row["code_id"],
            "code_name": code.name if code else "",
            "category": category.name if category else "",
            "code_path": " > ".join(dataset.codebook.path(row["code_id"])),
            "stage": "; ".join(stages[row["coding_id"]]),
            "coder": row["coder"],
            "origin": row["origin"],
            "status": row["status"],
            "score": row["score"],
            "memo": row["memo"] or "",
            "text_sha256": doc.text_sha256,
        })
    frame: pd.DataFrame = pd.DataFrame.from_records(records, columns=SEGMENT_COLUMNS)
    return frame

"""The coded segment table: one row per coding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.dataset import load_dataset
from qualcode.errors import ExportError
from qualcode.fileio import atomic_text
from qualcode.models import STATUSES
from qualcode.store import Project
from qualcode.tables import segment_table

FORMATS = ("csv",)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: str


def resolve_statuses(status: str) -> tuple[str, ...]:
    """``all`` or one status name, as the tuple of statuses to include."""
    if status == "all":
        return STATUSES
    if status not in STATUSES:
        msg = f"unknown status {status!r}; use all, {', '.join(STATUSES)}"
        raise ExportError(msg)
    return (status,)


def export_segments(
    project: Project,
    output: Path,
    *,
    status: str = "accepted",
    coders: Sequence[str] | None = None,
) -> ExportResult:
    """Write the coded segment table of ``project`` to ``output`` (format from the suffix)."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        msg = f"cannot write .{fmt} files; use one of: {', '.join('.' + f for f in FORMATS)}"
        raise ExportError(msg, path=output)
    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders)
    frame = segment_table(dataset)
    segments_csv(frame, output)
    return ExportResult(output, len(frame), fmt)


def segments_csv(frame: object, output: Path) -> None:
    """Write a segment DataFrame as UTF-8 CSV."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    with atomic_text(output, newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")

"""Summaries of a project's codings written to files: frequencies, matrices, co-occurrence.

The format follows the file's suffix (``.csv``, ``.xlsx``, ``.json``). In Excel the
numbers of a matrix get a colour scale, and frequencies by stage add a sheet with a
native stacked column chart of codings per stage and category.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.dataset import Dataset, load_dataset
from qualcode.export.formats import json_records, output_format, write_csv, write_json
from qualcode.export.segments import (
    FORMATS,
    ExportResult,
    provenance_pairs,
    resolve_statuses,
)
from qualcode.store import Project
from qualcode.tables import code_matrix, cooccurrence, frequencies, stage_summary

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook

Decorate = Callable[["Workbook", Dataset, list[str]], None]


def export_frequencies(project: Project, output: Path, *, by: str = "stage",
                       count: str = "segments", status: str = "accepted",
                       coders: Sequence[str] | None = None) -> ExportResult:
    """Code frequencies by stage, case, coder or ``attribute:NAME`` (see :func:`frequencies`)."""
    fmt = output_format(output, FORMATS)
    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders)
    frame = frequencies(dataset, by=by, count=count)
    title = f"Codes by {by} ({count})"
    chart = _stage_chart if by == "stage" else None
    settings = [("by", by), ("count", count)]
    return _write(project, dataset, output, fmt, frame, title, status, settings, chart,
                  key="frequencies")


def export_matrix(project: Project, output: Path, *, cols: str = "case", binary: bool = False,
                  status: str = "accepted", coders: Sequence[str] | None = None) -> ExportResult:
    """Codes by case, stage or ``attribute:NAME``: codings per cell, or 1/0 with ``binary``."""
    fmt = output_format(output, FORMATS)
    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders)
    frame = code_matrix(dataset, cols=cols, binary=binary)
    title = f"Codes by {cols}" + (" (present = 1)" if binary else " (codings)")
    settings = [("rows", "code"), ("cols", cols), ("binary", "yes" if binary else "no")]
    return _write(project, dataset, output, fmt, frame, title, status, settings, None,
                  key="matrix", scale=2)


def export_cooccurrence(project: Project, output: Path, *, scope: str = "segment",
                        status: str = "accepted",
                        coders: Sequence[str] | None = None) -> ExportResult:
    """Code co-occurrence within overlapping codings, turns or documents."""
    fmt = output_format(output, FORMATS)
    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders)
    frame = cooccurrence(dataset, scope=scope)
    title = f"Code co-occurrence by {scope}"
    return _write(project, dataset, output, fmt, frame, title, status, [("scope", scope)], None,
                  key="cooccurrence", scale=2)


def _write(project: Project, dataset: Dataset, output: Path, fmt: str, frame: pd.DataFrame,
           title: str, status: str, settings: list[tuple[str, str]], decorate: Decorate | None,
           *, key: str, scale: int | None = None) -> ExportResult:
    coders = ", ".join(dataset.coders) if dataset.coders else "all"
    filters = [("table", title), *settings, ("status", status), ("coders", coders)]
    provenance = provenance_pairs(project, dataset, filters, rows=len(frame))
    warnings: list[str] = []
    if fmt == "csv":
        write_csv(frame, output)
    elif fmt == "json":
        write_json({"provenance": dict(provenance), "rows": json_records(frame)}, output)
    else:
        _workbook(key, frame, title, dataset, provenance, output, warnings, decorate, scale)
    return ExportResult(output, len(frame), fmt, warnings)


def _workbook(key: str, frame: pd.DataFrame, title: str, dataset: Dataset,
              provenance: Sequence[tuple[str, Any]], output: Path, warnings: list[str],
              decorate: Decorate | None, scale: int | None) -> None:
    from qualcode.export.excel import (
        add_pairs,
        add_table,
        colour_scale,
        new_workbook,
        save_workbook,
    )

    book = new_workbook()
    used: set[str] = set()
    sheet = add_table(book, key, title, frame, used, warnings)[0]
    if scale is not None:
        colour_scale(sheet, scale + 1, len(frame) + 1, frame.shape[1])
    if decorate is not None:
        decorate(book, dataset, warnings)
    add_pairs(book, "provenance", provenance, used)
    save_workbook(book, output)


def _stage_chart(book: Workbook, dataset: Dataset, warnings: list[str]) -> None:
    from qualcode.export.excel import fill_sheet, stacked_chart

    summary = stage_summary(dataset)
    sheet = book.create_sheet("stage chart")
    fill_sheet(sheet, "Codings by lifecycle stage and category", summary, warnings)
    stacked_chart(sheet, summary, title="Codings by lifecycle stage, stacked by category",
                  anchor=f"A{len(summary) + 4}")

"""The main job: one call from transcripts to result files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.assist.suggest import SuggestReport
from qualcode.assist.suggest import suggest as assist_suggest
from qualcode.coding import ImportReport, import_codings
from qualcode.corpus import IngestReport, ingest_paths
from qualcode.export.segments import export_segments
from qualcode.ingest import ReadOptions
from qualcode.project import CategoryCount, category_counts, install_codebook
from qualcode.store import Project
from qualcode.store.codes import CodebookChange

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[int, int, str], None]


@dataclass
class RunSummary:
    """What ``qualcode run`` did, and where each file went."""

    ingest: IngestReport
    codebook: CodebookChange
    codings: ImportReport | None
    suggestions: SuggestReport | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    categories: list[CategoryCount] = field(default_factory=list)


def run_study(
    project: Project,
    paths: Sequence[Path],
    *,
    codebook: Path,
    output: Path,
    cases: Path | None = None,
    codings: Path | None = None,
    coder: str | None = None,
    options: ReadOptions | None = None,
    suggest: bool = True,
    progress: Progress | None = None,
) -> RunSummary:
    """Ingest, load the codebook, import reference codings, suggest codes from the
    codebook's cues (as pending suggestions, unless ``suggest`` is false) and write the
    results: the coded segment table and the thematic tables (Markdown, CSV, LaTeX, Excel).

    Re-running on the same inputs changes nothing in the project and rewrites the
    same result files.
    """
    change = install_codebook(project, codebook, force=False)
    ingested = ingest_paths(project, list(paths), options=options, cases=cases, progress=progress)
    imported = import_codings(project, codings, coder=coder) if codings is not None else None
    # suggestions stay suggestions: the tables below count accepted codings only
    suggested = assist_suggest(project, method="cues", progress=progress) if suggest else None
    output.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(ingested, change, imported, suggested)
    summary.outputs["segments"] = export_segments(project, output / "segments.csv").path
    for path in write_thematic_tables(project, output, formats=("md", "csv", "tex", "xlsx")):
        summary.outputs[path.name] = path
    summary.categories = category_counts(project)
    return summary


def build_tables(
    project: Project, *, status: str = "accepted", coders: Sequence[str] | None = None
) -> dict[str, tuple[str, pd.DataFrame]]:
    """The thematic tables of the project's codings (see :mod:`qualcode.thematic`)."""
    from qualcode.dataset import load_dataset
    from qualcode.export.segments import resolve_statuses
    from qualcode.thematic import thematic_tables

    dataset = load_dataset(project, statuses=resolve_statuses(status), coders=coders)
    return thematic_tables(dataset)


def write_thematic_tables(
    project: Project,
    output: Path,
    *,
    formats: Sequence[str] = ("md",),
    status: str = "accepted",
    coders: Sequence[str] | None = None,
) -> list[Path]:
    """Write the thematic tables in each format into ``output``; returns the files."""
    from qualcode.export.tables import write_tables

    tables = build_tables(project, status=status, coders=coders)
    written: list[Path] = []
    for fmt in formats:
        written.extend(write_tables(tables, output, fmt=fmt))
    return written

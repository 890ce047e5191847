"""The coded segment table: one row per coding, as CSV, Excel or JSON.

The Excel workbook holds the segments sheet, the codebook, the cases and a provenance
sheet (qualcode version, project, codebook version and hash, filters, date, rows); the
JSON file holds the provenance record and the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode import __version__
from qualcode.dataset import Dataset, read_dataset
from qualcode.errors import ExportError
from qualcode.export.formats import output_format, plain_record, write_csv_rows, write_json
from qualcode.models import STATUSES
from qualcode.store import Project
from qualcode.store import snapshot as store_snapshot
from qualcode.tables import (
    Context,
    attribute_keys,
    segment_columns,
    segment_filter,
    segment_rows,
)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

FORMATS = ("csv", "xlsx", "json")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentFilters:
    """Which codings a segment table keeps (see :func:`qualcode.tables.filter_segments`)."""

    status: str = "accepted"
    coders: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()  # KEY=VALUE

    def described(self) -> list[tuple[str, str]]:
        """The filters as (name, value) pairs for a provenance record."""
        pairs = [("status", self.status)]
        for name in ("coders", "codes", "stages", "documents", "attributes"):
            pairs.append((name, ", ".join(getattr(self, name)) or "all"))
        return pairs


def resolve_statuses(status: str) -> tuple[str, ...]:
    """``all`` or one status name, as the tuple of statuses to include."""
    if status == "all":
        return STATUSES
    if status not in STATUSES:
        msg = f"unknown status {status!r}; use all, {', '.join(STATUSES)}"
        raise ExportError(msg)
    return (status,)


def parse_attributes(pairs: Sequence[str]) -> dict[str, list[str]]:
    """``KEY=VALUE`` filters as a mapping of each key to its allowed values."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            msg = f"an attribute filter must look like KEY=VALUE, not {pair!r}"
            raise ExportError(msg)
        found.setdefault(key.strip(), []).append(value.strip())
    return found


def export_segments(
    project: Project,
    output: Path,
    *,
    status: str = "accepted",
    coders: Sequence[str] | None = None,
    codes: Sequence[str] = (),
    stages: Sequence[str] = (),
    documents: Sequence[str] = (),
    attributes: Sequence[str] = (),
    context: bool = False,
) -> ExportResult:
    """Write the coded segment table of ``project`` to ``output`` (format from the suffix).

    Filters: ``status`` (or ``all``), ``coders``, ``codes`` (code id prefixes),
    ``stages`` (stage ids), ``documents`` (names) and ``attributes`` (``KEY=VALUE``).
    ``context`` adds the sentences before and after each coding. Rows stream from the
    project to the file: one document's codings are held in memory at a time.
    """
    fmt = output_format(output, FORMATS)
    filters = SegmentFilters(status, tuple(coders or ()), tuple(codes), tuple(stages),
                             tuple(documents), tuple(attributes))
    statuses = resolve_statuses(status)
    wanted = parse_attributes(attributes)
    with project.read() as conn:
        dataset = read_dataset(conn, project.target, statuses=statuses, coders=coders,
                               texts=False, codings=False)
        _check_filters(dataset, filters, wanted)
        stream = store_snapshot.iter_coding_rows(conn, statuses=statuses, coders=coders,
                                                 documents=documents)
        rows = segment_rows(dataset, stream, context=_context(conn, documents) if context else None,
                            keep=segment_filter(dataset, codes=codes, stages=stages,
                                                attributes=wanted))
        columns = segment_columns(dataset, context=context)
        extra = [("context", "yes" if context else "no")]
        return _write(project, dataset, filters.described(), extra, columns, rows, output, fmt)


def _write(project: Project, dataset: Dataset, filters: list[tuple[str, str]],
           extra: list[tuple[str, str]], columns: list[str], rows: Iterator[tuple[Any, ...]],
           output: Path, fmt: str) -> ExportResult:
    warnings: list[str] = []
    if fmt == "csv":
        count = write_csv_rows(columns, rows, output)
    elif fmt == "json":
        records = [plain_record(columns, row) for row in rows]
        about = provenance_pairs(project, dataset, filters, rows=len(records), extra=extra)
        write_json({"provenance": dict(about), "rows": records}, output)
        count = len(records)
    else:
        def provenance(count: int) -> list[tuple[str, Any]]:
            return provenance_pairs(project, dataset, filters, rows=count, extra=extra)

        count = segments_workbook(columns, rows, dataset, provenance, output, warnings)
    return ExportResult(output, count, fmt, warnings)


def _check_filters(dataset: Dataset, filters: SegmentFilters,
                   attributes: Mapping[str, list[str]]) -> None:
    ids = [code.id for code in dataset.codebook.codes]
    for prefix in filters.codes:
        if not any(code_id.startswith(prefix) for code_id in ids):
            msg = f"no code id starts with {prefix!r}"
            raise ExportError(msg, hint="see `qualcode codebook show`")
    stage_ids = [*dataset.stage_ids(), "unstaged"]
    for stage in filters.stages:
        if stage not in stage_ids:
            msg = f"unknown stage {stage!r}; use one of {', '.join(stage_ids)}"
            raise ExportError(msg)
    for name in filters.documents:
        if name not in dataset.documents:
            msg = f"no document named {name!r}"
            raise ExportError(msg, hint="see `qualcode documents`")
    known = attribute_keys(dataset)
    for key in attributes:
        if key not in known:
            msg = f"no case has the attribute {key!r}"
            raise ExportError(msg, hint=f"attributes: {', '.join(known) or 'none'}")


def _context(conn: Connection, documents: Sequence[str]) -> Context:
    """A document's text and sentence spans, read as the rows reach it (in name order)."""
    stream = store_snapshot.iter_sentences(conn, documents)

    def read(document: str) -> tuple[str, list[tuple[int, int]]]:
        for name, text, spans in stream:
            if name == document:
                return text, spans
        msg = f"no text for document {document!r}"
        raise AssertionError(msg)

    return read


def project_label(project: Project) -> str:
    """The project's file name (or its database URL without credentials)."""
    if project.path is not None:
        return project.path.name
    return project.target.rpartition("@")[2]


def provenance_pairs(
    project: Project,
    dataset: Dataset,
    filters: Sequence[tuple[str, str]],
    *,
    rows: int,
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, Any]]:
    """Where an export comes from: tool, project, codebook, filters, date and size."""
    codebook = dataset.codebook
    return [
        ("qualcode version", __version__),
        ("project", project_label(project)),
        ("codebook", codebook.name),
        ("codebook version", codebook.version),
        ("codebook sha256", codebook.sha256),
        *filters,
        *extra,
        ("exported at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        ("rows", rows),
    ]


def segments_workbook(columns: Sequence[str], rows: Iterable[Sequence[Any]], dataset: Dataset,
                      provenance: Callable[[int], Sequence[tuple[str, Any]]], output: Path,
                      warnings: list[str]) -> int:
    """The segments workbook: segments, codebook, cases and provenance sheets.

    ``provenance`` makes the provenance record from the number of rows written; returns
    that number.
    """
    from qualcode.export.excel import add_pairs, add_table, new_workbook, save_workbook
    from qualcode.export.sheets import add_rows

    book = new_workbook(write_only=True)
    used: set[str] = set()
    count = add_rows(book, "segments", "Coded segments", columns, rows, used, warnings)
    add_table(book, "codebook", "Codebook", codebook_frame(dataset), used, warnings)
    add_table(book, "cases", "Cases", cases_frame(dataset), used, warnings)
    add_pairs(book, "provenance", provenance(count), used)
    save_workbook(book, output)
    return count


def codebook_frame(dataset: Dataset) -> pd.DataFrame:
    """One row per category and code: id, name, kind, path, stage and the definitions."""
    import pandas as pd

    codebook = dataset.codebook
    rows = [[code.id, code.name, code.kind, " > ".join(codebook.path(code.id)), code.stage or "",
             code.definition, code.include, code.exclude] for code in codebook.codes]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=["id", "name", "kind", "path", "stage",
                                                      "definition", "include", "exclude"])
    return frame


def cases_frame(dataset: Dataset) -> pd.DataFrame:
    """One row per case: its name, documents and every attribute."""
    import pandas as pd

    keys = attribute_keys(dataset)
    documents: dict[str, list[str]] = {}
    for name, info in dataset.documents.items():
        documents.setdefault(info.case or name, []).append(name)
    rows = [[case, "; ".join(documents.get(case, [])), *(values.get(key, "") for key in keys)]
            for case, values in sorted(dataset.cases.items(), key=lambda i: i[0].casefold())]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=["case", "documents", *keys])
    return frame

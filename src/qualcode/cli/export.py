"""``qualcode export``: tables written to files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def export() -> None:
    """Write coded segments and summaries to files.

    \b
    Example:
      qualcode export segments -o segments.csv
    """


STATUSES = click.Choice(["accepted", "suggested", "rejected", "all"])


def _filters(func: F) -> F:
    """``--status`` and ``--coder``, shared by every table export."""
    func = click.option("--coder", "coders", multiple=True,
                        help="Only these coders (repeatable).")(func)
    return click.option("--status", default="accepted", show_default=True, type=STATUSES,
                        help="Which codings to export.")(func)


def _output(formats: str) -> Callable[[F], F]:
    return click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
                        required=True, help=f"The file to write ({formats}, by its suffix).")


def _done(result: object, as_json: bool, noun: str = "row(s)") -> None:
    from qualcode.export.segments import ExportResult

    assert isinstance(result, ExportResult)
    for warning in result.warnings:
        render.warning(warning)
    if as_json:
        render.print_json({"path": str(result.path), "rows": result.rows, "format": result.format,
                           "warnings": result.warnings})
        return
    render.message(f"wrote {result.rows} {noun} to {result.path}")


def _summary(function: str, project: str, output: Path, as_json: bool, **options: Any) -> None:
    """Call one exporter of :mod:`qualcode.export.summaries` and render what it wrote."""
    from qualcode.export import summaries
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        result = getattr(summaries, function)(proj, output, **options)
    _done(result, as_json, "code(s)")


@export.command()
@project_option
@_output(".csv, .xlsx or .json")
@_filters
@click.option("--code", "codes", multiple=True, metavar="PREFIX",
              help="Only codes whose id starts with PREFIX (repeatable).")
@click.option("--stage", "stages", multiple=True, metavar="STAGE",
              help="Only codings at this lifecycle stage id, or 'unstaged' (repeatable).")
@click.option("--doc", "documents", multiple=True, metavar="NAME",
              help="Only this document (repeatable).")
@click.option("--attribute", "attributes", multiple=True, metavar="KEY=VALUE",
              help="Only cases with this attribute value (repeatable; values of one key are "
                   "alternatives).")
@click.option("--context", is_flag=True, help="Add the sentences before and after each coding.")
@json_option
def segments(project: str, output: Path, status: str, coders: tuple[str, ...],
             codes: tuple[str, ...], stages: tuple[str, ...], documents: tuple[str, ...],
             attributes: tuple[str, ...], context: bool, as_json: bool) -> None:
    """Write the coded segment table: one row per coding, in document order.

    Columns: the coding, its document, case, speaker and turn, offsets, text, code
    and code path (one column per level), stage, coder, status, memo, every case
    attribute (case_KEY) and the text hash. The .xlsx workbook adds codebook, cases
    and provenance sheets. In CSV, text starting with = + - @ gets a leading ' so
    spreadsheets never run it as a formula (the .json export keeps text as is).

    \b
    Example:
      qualcode export segments -o segments.xlsx --code challenge --attribute region=Europe
    """
    from qualcode.export.segments import export_segments
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        result = export_segments(proj, output, status=status, coders=coders or None, codes=codes,
                                 stages=stages, documents=documents, attributes=attributes,
                                 context=context)
    _done(result, as_json, "coding(s)")


@export.command()
@project_option
@_output(".csv, .xlsx or .json")
@click.option("--by", default="stage", show_default=True, metavar="stage|case|coder|attribute:NAME",
              help="The columns: lifecycle stages, cases, coders or values of a case attribute.")
@click.option("--count", default="segments", show_default=True,
              type=click.Choice(["segments", "cases", "words"]),
              help="What a cell counts: codings, distinct cases, or words of the quotes.")
@_filters
@json_option
def frequencies(project: str, output: Path, by: str, count: str, status: str,
                coders: tuple[str, ...], as_json: bool) -> None:
    """Write code frequencies: one row per code, one column per stage (case, coder...).

    With --by stage the .xlsx workbook adds a stacked column chart of codings per
    lifecycle stage and category.

    \b
    Example:
      qualcode export frequencies --by attribute:region --count cases -o by-region.xlsx
    """
    _summary("export_frequencies", project, output, as_json, by=by, count=count, status=status,
             coders=coders or None)


@export.command()
@project_option
@_output(".csv, .xlsx or .json")
@click.option("--rows", type=click.Choice(["code"]), default="code", show_default=True,
              help="The rows of the matrix.")
@click.option("--cols", default="case", show_default=True, metavar="case|stage|attribute:NAME",
              help="The columns of the matrix.")
@click.option("--binary", is_flag=True, help="1 when the code is present, 0 when not.")
@_filters
@json_option
def matrix(project: str, output: Path, rows: str, cols: str, binary: bool, status: str,
           coders: tuple[str, ...], as_json: bool) -> None:
    """Write a code x case (stage, attribute) matrix of codings, or of presence with --binary.

    \b
    Example:
      qualcode export matrix --rows code --cols case --binary -o presence.csv
    """
    _summary("export_matrix", project, output, as_json, cols=cols, binary=binary, status=status,
             coders=coders or None)


@export.command()
@project_option
@_output(".csv, .xlsx or .json")
@click.option("--scope", default="segment", show_default=True,
              type=click.Choice(["segment", "turn", "document"]),
              help="Where two codes meet: overlapping codings, the same turn, the same document.")
@_filters
@json_option
def cooccurrence(project: str, output: Path, scope: str, status: str, coders: tuple[str, ...],
                 as_json: bool) -> None:
    """Write a code x code co-occurrence matrix of the codes in use.

    segment counts pairs of overlapping codings (the diagonal: a code's codings);
    turn and document count the turns or documents holding both codes.

    \b
    Example:
      qualcode export cooccurrence --scope turn -o cooccurrence.xlsx
    """
    _summary("export_cooccurrence", project, output, as_json, scope=scope, status=status,
             coders=coders or None)


@export.command()
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The codebook file to write (.qdc).")
@json_option
def qdc(project: str, output: Path, as_json: bool) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA...

    Categories become codes that cannot be applied; definitions with their include and
    exclude hints become the descriptions; colours are kept.

    \b
    Example:
      qualcode export qdc -o codebook.qdc
    """
    from qualcode.refi.writer import export_qdc
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        result = export_qdc(proj, output)
    if as_json:
        render.print_json({"path": str(result.path), "codes": result.codes})
        return
    render.message(f"wrote {result.codes} code(s) to {result.path}")


@export.command()
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The project file to write (.qdpx).")
@click.option("--status", default="accepted", show_default=True, type=STATUSES,
              help="Which codings to export (other programs see them all as codings).")
@click.option("--for", "target", type=click.Choice(["any", "nvivo"]), default="any",
              show_default=True,
              help="The program that will open it: nvivo counts positions in UTF-16 units, "
                   "so codings after an emoji land where they should.")
@json_option
def qdpx(project: str, output: Path, status: str, target: str, as_json: bool) -> None:
    """Write the project as a REFI-QDA project (.qdpx) for other QDA programs.

    Holds coders, the codebook, cases with their attributes, the texts, codings with
    their positions, and memos as notes. qualcode's own fields (turns, status, origin)
    ride along in an XML comment other programs ignore; `qualcode import qdpx` reads
    them back. Positions count code points, as the standard says; NVivo counts
    UTF-16 units instead, so give `--for nvivo` when NVivo will open the file.

    \b
    Example:
      qualcode export qdpx -o project.qdpx
      qualcode export qdpx -o for-nvivo.qdpx --for nvivo
    """
    from qualcode.refi.writer import export_qdpx
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        result = export_qdpx(proj, output, status=status, target=target)
    if as_json:
        render.print_json({"path": str(result.path), "codes": result.codes,
                           "documents": result.documents, "codings": result.codings})
        return
    render.message(f"wrote {result.documents} document(s), {result.codes} code(s) and "
                   f"{result.codings} coding(s) to {result.path}")


COMMANDS: list[click.Command] = [export]


@click.command()
@project_option
@click.option("--format", "formats", multiple=True, type=click.Choice(["md", "tex", "csv", "xlsx"]),
              help="Write files in this format (repeatable); without -o, tables are printed.")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the files (created if needed).")
@click.option("--status", default="accepted", show_default=True,
              type=click.Choice(["accepted", "suggested", "rejected", "all"]),
              help="Which codings count.")
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@json_option
def tables(project: str, formats: tuple[str, ...], output: Path | None, status: str,
           coders: tuple[str, ...], as_json: bool) -> None:
    """Build the thematic tables: sample, stage boards, motivations, models, domains, frequencies.

    Without -o the tables are printed; with -o they are written as Markdown (default),
    LaTeX (booktabs, for \\input), CSV, or one Excel workbook.

    \b
    Example:
      qualcode tables --format md --format xlsx -o results/
    """
    from qualcode.pipeline import build_tables, write_thematic_tables
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        if output is not None:
            written = write_thematic_tables(proj, output, formats=formats or ("md",), status=status,
                                            coders=coders or None)
        else:
            built = build_tables(proj, status=status, coders=coders or None)
    if output is not None:
        if as_json:
            render.print_json([str(p) for p in written])
        else:
            for path in written:
                render.message(f"wrote {path}")
        return
    if as_json:
        render.print_json({key: {"title": title, "rows": frame.to_dict(orient="records")}
                           for key, (title, frame) in built.items()})
        return
    console = render.out()
    for title, frame in built.values():
        rows = [list(r) for r in frame.itertuples(index=False)]
        console.print(render.table(title, [str(c) for c in frame.columns], rows))


COMMANDS.append(tables)

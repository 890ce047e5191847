"""``qualcode export``: tables written to files."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option


@click.group()
def export() -> None:
    """Write coded segments and summaries to files.

    \b
    Example:
      qualcode export segments -o segments.csv
    """


@export.command()
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The file to write (.csv).")
@click.option("--status", default="accepted", show_default=True,
              type=click.Choice(["accepted", "suggested", "rejected", "all"]),
              help="Which codings to export.")
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@json_option
def segments(project: str, output: Path, status: str, coders: tuple[str, ...], as_json: bool) -> None:
    """Write the coded segment table: one row per coding, in document order.

    \b
    Example:
      qualcode export segments -o segments.csv --status all
    """
    from qualcode.export.segments import export_segments
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        result = export_segments(proj, output, status=status, coders=coders or None)
    if as_json:
        render.print_json({"path": str(result.path), "rows": result.rows, "format": result.format})
        return
    render.message(f"wrote {result.rows} coding(s) to {result.path}")


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

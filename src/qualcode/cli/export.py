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


COMMANDS = [export]

"""``qualcode report``: one self-contained HTML file about the project."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option


@click.command()
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The HTML file to write.")
@click.option("--status", default="accepted", show_default=True,
              type=click.Choice(["accepted", "suggested", "rejected", "all"]),
              help="Which codings count.")
@click.option("--coder", "coders", multiple=True, help="Only these coders (repeatable).")
@click.option("--quotes", default=3, show_default=True, type=click.IntRange(0, 20),
              help="Example quotes shown per code.")
@json_option
def report(project: str, output: Path, status: str, coders: tuple[str, ...], quotes: int,
           as_json: bool) -> None:
    """Write an HTML report: overview, thematic tables, stage chart, code x case heat map
    and example quotes. One file, no external assets: it opens offline in any browser.

    \b
    Example:
      qualcode report -o report.html
    """
    from qualcode.report import write_report
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        written = write_report(proj, output, status=status, coders=coders or None, quotes=quotes)
    if as_json:
        render.print_json({"path": str(written)})
        return
    render.message(f"wrote {written}")


COMMANDS: list[click.Command] = [report]

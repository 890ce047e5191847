"""``qualcode import``: REFI-QDA codebooks and projects from other QDA programs."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode


@click.group(name="import")
def import_() -> None:
    """Bring in codebooks and projects from NVivo, ATLAS.ti, MAXQDA, QualCoder...

    \b
    Example:
      qualcode import qdpx project.qdpx --project imported.db
    """


@import_.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the codebook as a YAML file instead of adding it to the project.")
@json_option
def qdc(file: Path, project: str, output: Path | None, as_json: bool) -> None:
    """Add the codes of a REFI-QDA codebook (.qdc) to the project's codebook.

    Codes already in the project (by id) stay as they are. With -o the codebook is
    written as a YAML codebook file to edit and load with `qualcode codebook load`.

    \b
    Example:
      qualcode import qdc codebook.qdc -o codebook.yaml
    """
    from qualcode.refi.importer import import_qdc, qdc_to_yaml

    if output is not None:
        summary = qdc_to_yaml(file, output)
        _render(summary, as_json, f"wrote {summary.codes} code(s) to {output}")
        return
    from qualcode.store import open_project

    with open_project(project) as proj:
        summary = import_qdc(proj, file)
    _render(summary, as_json, f"{file}: {summary.codes} code(s) added to the codebook")


@import_.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@project_option
@json_option
def qdpx(file: Path, project: str, as_json: bool) -> None:
    """Import a REFI-QDA project (.qdpx, or a bare .qde) into a new or existing project.

    Brings text sources, codes, codings with their coders, cases, variables and memos.
    Positions are checked against each text, allowing for the way each program counts
    them. Whatever cannot be placed is listed, one line each, and the exit code is 3.

    \b
    Example:
      qualcode import qdpx nvivo-export.qdpx --project study.db
    """
    from qualcode.refi.importer import import_qdpx
    from qualcode.store import open_project

    with open_project(project) as proj:
        summary = import_qdpx(proj, file)
    _render(summary, as_json,
            f"{file}: {summary.documents} document(s) added ({summary.matched} already there), "
            f"{summary.codes} code(s), {summary.codings} coding(s) ({summary.duplicates} already "
            f"there), {summary.cases} case(s); {len(summary.problems)} problem(s)")


def _render(summary: object, as_json: bool, line: str) -> None:
    """Print the summary (each problem as a warning); exit 3 when something was left out."""
    from qualcode.refi.importer import ImportSummary

    assert isinstance(summary, ImportSummary)
    if as_json:
        render.print_json(asdict(summary))
    else:
        for problem in summary.problems:
            render.warning(problem)
        render.message(line)
    if summary.problems:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


COMMANDS: list[click.Command] = [import_]

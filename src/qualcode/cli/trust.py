"""Keeping a project safe: verify and backup."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode


@click.command()
@project_option
@json_option
def verify(project: str, as_json: bool) -> None:
    """Check the project: integrity, text hashes, spans, and every coding's quote.

    Reads everything back and lists each problem: SQLite's integrity and foreign-key
    checks (orphan rows), each document's text against its stored SHA-256, turn and
    segment spans, and each coding's quote against its text. Exit code 4 means
    problems were found; restore your latest backup.

    \b
    Example:
      qualcode verify --project study.db
    """
    from qualcode.verify import verify_file

    report = verify_file(project)
    if as_json:
        render.print_json({**asdict(report), "ok": report.ok})
    else:
        for problem in report.problems:
            click.echo(str(problem))
        for note in report.notes:
            render.message(f"Note: {note}")
        counts = (f"{report.documents} documents, {report.turns} turns, "
                  f"{report.segments} segments, {report.codings} codings")
        verdict = "no problems" if report.ok else f"{len(report.problems)} problem(s)"
        render.message(f"{report.target}: {counts} checked: {verdict}")
    if not report.ok:
        if not as_json:
            render.message("Restore your latest backup (see `qualcode backup`), "
                           "or ask for help with the report above.")
        raise click.exceptions.Exit(int(ExitCode.INVALID))


@click.command()
@project_option
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The backup file to write (replaced only when the copy is complete).")
@json_option
def backup(project: str, output: Path, as_json: bool) -> None:
    """Copy the project to a file, safely, even while it is in use.

    Uses SQLite's backup API, so the copy is consistent while other qualcode
    commands write; the copy is verified before it is put in place.

    \b
    Example:
      qualcode backup -o backups/study-2025-06-01.db
    """
    from qualcode.store import open_project
    from qualcode.verify import backup_project

    with open_project(project, create=False) as proj:
        result = backup_project(proj, output)
    report = result.report
    if as_json:
        render.print_json({"path": str(result.path), "bytes": result.size,
                           "documents": report.documents, "codings": report.codings,
                           "problems": [str(p) for p in report.problems]})
    else:
        for problem in report.problems:
            render.warning(f"the copy has a problem: {problem}")
        state = "verified" if report.ok else "with problems (see above)"
        render.message(f"wrote {result.path} ({result.size:,} bytes): {report.documents} "
                       f"documents, {report.codings} codings, {state}")
    if report.problems:
        raise click.exceptions.Exit(int(ExitCode.INVALID))


COMMANDS: list[click.Command] = [verify, backup]

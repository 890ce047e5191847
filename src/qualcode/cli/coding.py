"""Coding by hand: code, uncode, restore, import-codings."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode


@click.command()
@click.argument("document")
@project_option
@click.option("--code", "code", required=True, help="Code id (or unique code name).")
@click.option("--coder", required=True, help="Who codes.")
@click.option("--quote", help="The passage, as it stands in the text (white space may differ).")
@click.option("--start", type=int, help="Start offset (code points).")
@click.option("--end", type=int, help="End offset (code points, excluded).")
@click.option("--occurrence", type=int, help="Which match of an ambiguous quote (1 = first).")
@click.option("--memo", help="A note on this coding.")
@json_option
def code(document: str, project: str, code: str, coder: str, quote: str | None, start: int | None,
         end: int | None, occurrence: int | None, memo: str | None, as_json: bool) -> None:
    """Code a passage of DOCUMENT by hand (status accepted).

    \b
    Example:
      qualcode code ai2-olmo --code challenge.pre.secrecy --coder alice \\
        --quote "they keep their recipes to themselves"
    """
    from qualcode.coding import add_coding
    from qualcode.store import open_project

    if (quote is None) == (start is None or end is None):
        raise click.UsageError("give either --quote or both --start and --end")
    with open_project(project, create=False) as proj:
        coding = add_coding(proj, document=document, code=code, coder=coder, quote=quote,
                            start=start, end=end, occurrence=occurrence, memo=memo)
    if as_json:
        render.print_json(asdict(coding))
        return
    render.message(f"coding {coding.id}: {coding.code} on {document} {coding.start}-{coding.end}")


@click.command()
@click.argument("coding_id", type=int)
@project_option
@click.option("--coder", default="qualcode", show_default=True, help="Who removes it (for the log).")
def uncode(coding_id: int, project: str, coder: str) -> None:
    """Remove a coding. It stays in the event log and can be restored.

    \b
    Example:
      qualcode uncode 42
    """
    from qualcode.coding import remove_coding
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        coding, event_id = remove_coding(proj, coding_id, actor=coder)
    render.message(f"removed coding {coding_id} ({coding.code} on {coding.document}); "
                   f"restore it with: qualcode restore {event_id}")


@click.command()
@click.argument("event_id", type=int)
@project_option
@click.option("--coder", default="qualcode", show_default=True, help="Who restores it (for the log).")
def restore(event_id: int, project: str, coder: str) -> None:
    """Restore a coding removed by `uncode` (or lost on re-ingest) from its event.

    \b
    Example:
      qualcode restore 57
    """
    from qualcode.coding import restore_coding
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        coding = restore_coding(proj, event_id, actor=coder)
    render.message(f"restored as coding {coding.id}: {coding.code} on {coding.document}")


@click.command("import-codings")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@project_option
@click.option("--coder", help="Coder for rows without a coder column.")
@click.option("--skip-bad", is_flag=True, help="Commit the good rows even if some cannot be placed.")
@json_option
def import_codings_cmd(file: Path, project: str, coder: str | None, skip_bad: bool,
                       as_json: bool) -> None:
    """Import codings from a CSV/XLSX sheet.

    Columns: document, code (id or name), quote or start and end; optional coder,
    memo, occurrence. Rows already in the project are skipped. If a row cannot
    be placed, nothing is imported (unless --skip-bad) and every bad row is listed.

    \b
    Example:
      qualcode import-codings transcripts_sample/codings.csv
    """
    from qualcode.coding import import_codings
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = import_codings(proj, file, coder=coder, skip_bad=skip_bad)
    if as_json:
        render.print_json(asdict(report))
    for problem in report.problems:
        render.error(problem)
    if not report.committed:
        render.message(f"{file}: nothing imported: {len(report.problems)} row(s) cannot be placed "
                       "(fix them, or pass --skip-bad)")
        raise click.exceptions.Exit(int(ExitCode.ERROR))
    render.message(f"{file}: {report.added} coding(s) added, {report.duplicates} already present, "
                   f"{len(report.problems)} skipped (run {report.run_id})")
    if report.problems:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


COMMANDS: list[click.Command] = [code, uncode, restore, import_codings_cmd]

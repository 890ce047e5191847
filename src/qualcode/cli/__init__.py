"""The ``qualcode`` command: a thin click layer over the library.

Each command parses its arguments, calls one library function and renders the result.
Library errors a user can fix become one ``Error: ...`` line on stderr and an exit code
from :class:`qualcode.errors.ExitCode`; anything else keeps its traceback (``--debug``
shows it for user errors too).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from qualcode import __version__
from qualcode.cli import agree as _agree
from qualcode.cli import assist as _assist
from qualcode.cli import codebook as _codebook
from qualcode.cli import coding as _coding
from qualcode.cli import documents as _documents
from qualcode.cli import export as _export
from qualcode.cli import privacy as _privacy
from qualcode.cli import refi as _refi
from qualcode.cli import report as _report
from qualcode.cli import review as _review
from qualcode.cli import trust as _trust
from qualcode.errors import ExitCode, QualcodeError, ValidationError


class QualcodeGroup(click.Group):
    """Turns library errors into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            if ctx.meta.get("qualcode.debug"):
                raise
            if isinstance(exc, ValidationError):
                for line in exc.lines():
                    click.echo(f"Error: {line}", err=True)
            else:
                click.echo(f"Error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Code interview transcripts: ingest, codebooks, coding and thematic tables.

    A project is one SQLite file (qualcode.db here, or --project PATH, or the
    QUALCODE_PROJECT environment variable).

    \b
    Example:
      qualcode ingest transcripts/ --cases cases.csv
      qualcode codebook load codebooks/open-llm-collaboration.yaml
      qualcode import-codings codings.csv --coder alice
      qualcode export segments -o segments.csv
    """
    ctx.meta["qualcode.debug"] = debug


for module in (_documents, _codebook, _coding, _export, _review, _agree, _refi, _report, _trust, _privacy, _assist):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="qualcode")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))

"""Generate the command reference (docs/cli.md) from the commands' own help.

Run ``python -m qualcode.cli._reference > docs/cli.md``; a test fails when the file
is out of date, so the reference cannot drift from the code.
"""

from __future__ import annotations

import click

from qualcode.cli import cli


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name]))
    return found


def render_reference() -> str:
    """Markdown with the ``--help`` text of every command."""
    parts = ["# Command reference", "",
             "Generated from `qualcode <command> --help` by `python -m qualcode.cli._reference`.", ""]
    for path, command in _walk(cli, ["qualcode"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100,
                           max_content_width=100) as ctx:
            text = command.get_help(ctx)
        parts += [f"## {' '.join(path)}", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(render_reference(), nl=False)

"""Generate the command reference (docs/cli.md) from the commands' own help.

Run ``python -m qualcode.cli._reference > docs/cli.md``; a test fails when the file
is out of date, so the reference cannot drift from the code.
"""

from __future__ import annotations

import click

from qualcode.cli import cli


def _walk(
    command: click.Command, path: list[str], parent: click.Context | None
) -> list[tuple[list[str], str]]:
    # each context has its parent, as when the command runs, so inherited settings
    # (such as the -h help option) show the same whatever ran before in the process
    settings = dict(command.context_settings) if parent is None else {}
    ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100,
                        max_content_width=100, **settings)
    if parent is None:
        ctx.info_name = " ".join(path)
    found = [(path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name], ctx))
    return found


def render_reference() -> str:
    """Markdown with the ``--help`` text of every command."""
    parts = ["# Command reference", "",
             "Generated from `qualcode <command> --help` by `python -m qualcode.cli._reference`.", ""]
    for path, text in _walk(cli, ["qualcode"], None):
        parts += [f"## {' '.join(path)}", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(render_reference(), nl=False)

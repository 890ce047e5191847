"""``qualcode codebook``: validate, load and show codebooks."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option


@click.group()
def codebook() -> None:
    """Validate, load and show codebooks (YAML files).

    \b
    Example:
      qualcode codebook validate codebooks/open-llm-collaboration.yaml
    """


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@json_option
def validate(file: Path, as_json: bool) -> None:
    """Check a codebook file and report every problem as FILE:LINE: message.

    Exit code 4 when there are problems.

    \b
    Example:
      qualcode codebook validate my-codebook.yaml
    """
    from qualcode.codebook import load_codebook

    result = load_codebook(file)
    codes = [c for c in result.codes if c.kind == "code"]
    if as_json:
        render.print_json({"file": str(file), "valid": True, "codes": len(codes),
                           "categories": len(result.codes) - len(codes)})
        return
    render.message(f"{file}: valid ({len(result.codes) - len(codes)} categories, {len(codes)} codes)")


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@project_option
@click.option("--force", is_flag=True, help="Archive dropped codes that still have codings.")
@json_option
def load(file: Path, project: str, force: bool, as_json: bool) -> None:
    """Load a codebook into the project as a new version.

    Codings keep referring to code ids. A code that the new version drops but
    that has codings is refused unless --force, which archives it.

    \b
    Example:
      qualcode codebook load codebooks/open-llm-collaboration.yaml
    """
    from dataclasses import asdict

    from qualcode.project import install_codebook
    from qualcode.store import open_project

    with open_project(project) as proj:
        change = install_codebook(proj, file, force=force)
    if as_json:
        render.print_json(asdict(change))
        return
    render.message(
        f"codebook {change.name!r} version {change.version}: {len(change.added)} added, "
        f"{len(change.changed)} changed, {len(change.archived)} archived, {change.unchanged} unchanged"
    )


@codebook.command("show")
@project_option
@json_option
def show_codebook(project: str, as_json: bool) -> None:
    """Print the project's codebook as a tree with coding counts.

    \b
    Example:
      qualcode codebook show
    """
    from qualcode.project import codebook_overview
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        book, rows = codebook_overview(proj)
    if as_json:
        render.print_json([
            {"id": r.code.id, "name": r.code.name, "kind": r.code.kind, "parent": r.code.parent,
             "stage": r.code.stage, "accepted": r.accepted, "suggested": r.suggested}
            for r in rows
        ])
        return
    from rich.tree import Tree

    tree = Tree(f"[bold]{book.name}[/bold] (version {book.version})")
    branches = {0: tree}
    for row in rows:
        code = row.code
        stage = f" [dim]{code.stage}[/dim]" if code.stage else ""
        counts = f"  [green]{row.accepted}[/green]" + (f" [yellow]+{row.suggested}?[/yellow]" if row.suggested else "")
        label = f"[bold]{code.name}[/bold]" if code.kind == "category" else f"{code.id}  {code.name}{stage}"
        parent = branches.get(row.depth, tree)
        branches[row.depth + 1] = parent.add(label + counts)
    render.out().print(tree)


COMMANDS: list[click.Command] = [codebook]

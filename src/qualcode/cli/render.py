"""Rendering for the CLI: rich tables on stdout, messages and progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def out() -> Console:
    """The console for data (stdout)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def err() -> Console:
    """The console for messages and progress (stderr)."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False)


def message(text: str) -> None:
    """A plain message on stderr."""
    click.echo(text, err=True)


def error(text: str) -> None:
    """One ``Error: ...`` line on stderr (the form every command uses)."""
    click.echo(f"Error: {text}", err=True)


def warning(text: str) -> None:
    click.echo(f"Warning: {text}", err=True)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
          *, justify_numbers: bool = True) -> Table:
    """A rich table; numeric cells are right-aligned."""
    from rich.table import Table
    from rich.text import Text

    result = Table(title=Text(title) if title else None, title_justify="left", show_lines=False)
    numeric = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(columns))]
    for name, is_number in zip(columns, numeric, strict=True):
        result.add_column(name, justify="right" if is_number and justify_numbers else "left",
                          overflow="fold")
    for row in rows:
        # data is never read as rich markup: a name like "[bold]x" stays as written
        result.add_row(*(Text("" if v is None else str(v)) for v in row))
    return result


@contextmanager
def progress(description: str) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar on stderr (only on a terminal); yields the library callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = err()
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task(description, total=None, item="")

    def update(done: int, total: int, item: str) -> None:
        bar.update(task, completed=done, total=total, item=item)

    with bar:
        yield update

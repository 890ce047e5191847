"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

PROJECT_HELP = "Project file or database URL [env QUALCODE_PROJECT; default qualcode.db]."


def project_option(func: F) -> F:
    """``--project PATH`` (or QUALCODE_PROJECT), default ``qualcode.db``."""
    return click.option(
        "--project",
        "-p",
        "project",
        envvar="QUALCODE_PROJECT",
        default="qualcode.db",
        show_envvar=False,
        metavar="PATH",
        help=PROJECT_HELP,
    )(func)


def json_option(func: F) -> F:
    """``--json``: print a machine-readable result on stdout instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)

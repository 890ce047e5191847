"""The README, CI and the command reference agree with the code."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from qualcode.cli import cli
from qualcode.cli._reference import render_reference

REPO = Path(__file__).parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _bash_blocks()[1]
    assert "pytest" in test_command
    assert "\n" not in test_command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.startswith(test_command) for line in ci.splitlines())


def test_readme_run_command_uses_shipped_files() -> None:
    run_command = _bash_blocks()[0]
    assert "qualcode run transcripts_sample" in run_command
    for path in re.findall(r"(?:codebooks|transcripts_sample)/[\w./-]+", run_command):
        assert (REPO / path).exists(), path


def test_every_command_is_in_the_readme() -> None:
    reference = README.split("## Command reference", 1)[1]
    for name, command in cli.commands.items():
        assert f"qualcode {name}" in reference or f"`{name}" in reference, name
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert sub in reference, f"{name} {sub}"


def test_command_reference_is_up_to_date() -> None:
    path = REPO / "docs" / "cli.md"
    expected = render_reference()
    if os.environ.get("QUALCODE_REGEN"):
        path.write_text(expected, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale: python -m qualcode.cli._reference > docs/cli.md")

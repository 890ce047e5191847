"""The command line: help, start-up cost, the main flows and their error lines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from qualcode.cli import cli

GOLDEN = Path(__file__).parent / "golden"
Invoke = Callable[..., Result]


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...], invoke: Invoke) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "qualcode " in result.stdout.split("Example:")[1]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import sys, qualcode.cli; heavy = [m for m in ('spacy', 'pandas', 'openpyxl', 'sqlalchemy') "
            "if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _setup(invoke: Invoke) -> None:
    assert invoke("codebook", "load", "codebook.yaml").exit_code == 0
    result = invoke("ingest", ".", "--cases", "cases.csv")
    assert result.exit_code == 0, result.stderr
    result = invoke("import-codings", "codings.csv")
    assert result.exit_code == 0, result.stderr


def test_main_flow_and_segment_export_golden(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("export", "segments", "-o", "segments.csv")
    assert result.exit_code == 0
    assert result.stderr == "wrote 6 coding(s) to segments.csv\n"
    written = (Path.cwd() / "segments.csv").read_text(encoding="utf-8")
    assert written == (GOLDEN / "segments-project.csv").read_text(encoding="utf-8")


def test_ingest_reports_unchanged_on_second_run(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("ingest", ".", "--json")
    assert result.exit_code == 0
    actions = [d["action"] for d in json.loads(result.stdout)["documents"]]
    assert actions == ["unchanged", "unchanged"]


def test_ingest_failure_exit_code_and_message(invoke: Invoke) -> None:
    Path("empty.txt").write_text("", encoding="utf-8")
    result = invoke("ingest", "empty.txt", "interview-a.txt")
    assert result.exit_code == 3
    assert "Error: empty.txt: file is empty (leave it out, or check that it is the file you meant)" in result.stderr.splitlines()
    assert "1 added, 1 failed" in result.stderr


def test_documents_and_show(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("documents", "--json")
    data = {d["name"]: d for d in json.loads(result.stdout)}
    assert data["interview-a"]["codings"] == 5
    assert data["interview-b"]["case"] == "Lab B"
    result = invoke("show", "interview-b")
    assert result.exit_code == 0
    assert "P02" in result.stdout
    assert "版权 was a worry" in result.stdout
    result = invoke("show", "interview-b", "--json")
    turns = json.loads(result.stdout)["turns"]
    assert [t["role"] for t in turns] == ["other", "interviewer", "participant"]


def test_code_uncode_restore(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("code", "interview-a", "--code", "domain.models", "--coder", "bob",
                    "--quote", "sent fixes   back", "--json")
    assert result.exit_code == 0
    coding = json.loads(result.stdout)
    assert coding["quote"] == "sent fixes back"
    result = invoke("uncode", str(coding["id"]))
    assert result.exit_code == 0
    event_id = result.stderr.rsplit(" ", 1)[1].strip()
    result = invoke("restore", event_id)
    assert result.exit_code == 0
    assert result.stderr.startswith("restored as coding ")


def test_code_error_is_one_line(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("code", "interview-a", "--code", "domain.models", "--coder", "bob", "--quote", "zebra")
    assert result.exit_code == 1
    assert result.stderr == ("Error: interview-a: quote not found: 'zebra' "
                             "(check the wording; case and punctuation count)\n")


def test_code_needs_quote_or_offsets(invoke: Invoke) -> None:
    result = invoke("code", "interview-a", "--code", "x", "--coder", "bob")
    assert result.exit_code == 2
    assert "give either --quote or both --start and --end" in result.stderr


def test_import_codings_bad_rows_exit_code(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("import-codings", "codings-bad.csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == ("Error: codings-bad.csv:3: unknown document 'interview-x' "
                        "(see `qualcode documents` for the names)")
    assert lines[-1] == "codings-bad.csv: nothing imported: 5 row(s) cannot be placed (fix them, or pass --skip-bad)"


def test_commands_on_a_missing_project(invoke: Invoke) -> None:
    result = invoke("documents", "--project", "missing.db")
    assert result.exit_code == 1
    assert result.stderr == "Error: missing.db: no project here yet (ingest transcripts first, or pass --project)\n"
    assert not Path("missing.db").exists()


def test_codebook_show_tree(invoke: Invoke) -> None:
    _setup(invoke)
    result = invoke("codebook", "show")
    assert result.exit_code == 0
    assert "Test codebook" in result.stdout
    assert "challenge.data-work  Data work is undervalued stage.pre  1" in result.stdout


def test_codebook_load_refuses_dropping_used_codes(invoke: Invoke) -> None:
    _setup(invoke)
    text = Path("codebook.yaml").read_text(encoding="utf-8")
    Path("smaller.yaml").write_text(text.replace("      - id: domain.models\n        name: Models\n", ""),
                                    encoding="utf-8")
    result = invoke("codebook", "load", "smaller.yaml")
    assert result.exit_code == 1
    assert result.stderr == ("Error: smaller.yaml: the new codebook drops codes that have codings: "
                             "domain.models (1) (keep them, or pass --force to archive them)\n")
    result = invoke("codebook", "load", "smaller.yaml", "--force", "--json")
    assert json.loads(result.stdout)["archived"] == ["domain.models"]
    # the archived code keeps its coding, which still exports
    assert json.loads(invoke("export", "segments", "-o", "s.csv", "--json").stdout)["rows"] == 6


def test_debug_shows_traceback(invoke: Invoke) -> None:
    from qualcode.errors import ProjectError

    with pytest.raises(ProjectError):
        invoke("--debug", "documents", "--project", "missing.db")

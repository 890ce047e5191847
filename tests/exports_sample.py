"""The sample study as a project, built once per test session for the export tests.

Tests only read it; an import test writes to a project of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "open-llm-collaboration.yaml"
GOLDEN = Path(__file__).parent / "golden" / "exports"
SHARED = Path(__file__).parents[2] / "shared"
REFI = SHARED / "refi-qda"
_BUILT: dict[str, Path] = {}


def sample_path(factory: pytest.TempPathFactory) -> Path:
    """The path of the sample project (built on first use)."""
    if "sample" not in _BUILT:
        from qualcode.coding import import_codings
        from qualcode.corpus import ingest_paths
        from qualcode.project import install_codebook
        from qualcode.store import open_project

        path = factory.mktemp("exports-sample") / "sample.db"
        with open_project(path) as project:
            install_codebook(project, CODEBOOK)
            assert not ingest_paths(project, [SAMPLE], cases=SAMPLE / "cases.csv").failed
            assert import_codings(project, SAMPLE / "codings.csv").committed
        _BUILT["sample"] = path
    return _BUILT["sample"]


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/exports/NAME (QUALCODE_REGEN=1 rewrites it)."""
    conftest.check_golden(GOLDEN / name, text)

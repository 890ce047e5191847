"""The survey-style variant: many short answers in one CSV, measured in its own process.

Run by :mod:`run` as ``python benchmarks/survey.py CSV WORK``; prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from steps import Timer, warm_up

from qualcode.assist.suggest import suggest
from qualcode.corpus import ingest_paths
from qualcode.ingest import ReadOptions
from qualcode.project import install_codebook
from qualcode.store import open_project

BASE_CODEBOOK = Path(__file__).resolve().parent.parent / "codebooks" / "open-llm-collaboration.yaml"


def measure_survey(table: Path, work: Path) -> dict[str, Any]:
    """Ingest every answer of ``table`` as a document, then suggest codes from cues."""
    work.mkdir(parents=True, exist_ok=True)
    text = table.read_text(encoding="utf-8")
    words = len(text.split())
    path = work / "survey.qualcode"
    timer = Timer(words, path)
    warm_up()
    options = ReadOptions(text_column="answer", id_column="id")
    with open_project(path) as project:
        install_codebook(project, BASE_CODEBOOK)
        report = timer.time("ingest", lambda: ingest_paths(project, [table], options=options))
        suggested = timer.time("suggest_cues_60", lambda: suggest(project))
    return {"answers": len(report.outcomes), "words": words, "suggestions": suggested.added,
            "steps": timer.steps, "peak_rss_mb": timer.peak,
            "rss_scope": timer.scope}


if __name__ == "__main__":
    print(json.dumps(measure_survey(Path(sys.argv[1]), Path(sys.argv[2]))))

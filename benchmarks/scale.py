"""Tables and segment exports on a large coded project, measured in a process of its own.

Run by :mod:`run` as ``python benchmarks/scale.py SPEC.json``; prints one JSON object.
The project (the spec's documents, the 60-code codebook, then ``codings`` accepted
codings spread evenly over the documents' participant sentences) is built untimed;
then ``tables`` and ``export segments`` to CSV and XLSX are timed, as the issue's target
"under 10 s for 1,000 documents and 100,000 codings" asks.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from functools import partial
from pathlib import Path
from typing import Any

from steps import Timer, disk_mb, warm_up

from qualcode.corpus import ingest_paths
from qualcode.export.segments import export_segments
from qualcode.pipeline import build_tables
from qualcode.project import install_codebook
from qualcode.store import open_project

CODER = "researcher"


def add_codings(path: Path, wanted: int) -> int:
    """Accept ``wanted`` codings, round-robin over documents, their sentences and the codes.

    Written straight into the SQLite file: this is the set-up, not what is measured.
    """
    connection = sqlite3.connect(path)
    try:
        codes = [row[0] for row in connection.execute(
            "SELECT id FROM codes WHERE kind = 'code' AND archived = 0 ORDER BY position")]
        connection.execute("INSERT OR IGNORE INTO coders (name, created_at) VALUES (?, ?)",
                           (CODER, "2026-11-23T00:00:00+00:00"))
        coder = connection.execute("SELECT id FROM coders WHERE name = ?", (CODER,)).fetchone()[0]
        sentences = connection.execute(
            "SELECT s.document_id, s.start, s.\"end\", substr(d.text, s.start + 1, s.\"end\" - s.start) "
            "FROM segments s JOIN documents d ON d.id = s.document_id "
            "JOIN turns t ON t.document_id = s.document_id AND t.idx = s.turn_idx "
            "WHERE s.kind = 'sentence' AND t.role = 'participant' ORDER BY s.id").fetchall()
        rows = [(doc, start, end, quote, codes[n % len(codes)], coder, "human", "accepted",
                 "2026-11-23T00:00:00+00:00")
                for n, (doc, start, end, quote) in enumerate(
                    sentences[i % len(sentences)] for i in range(wanted))]
        connection.executemany(
            'INSERT INTO codings (document_id, start, "end", quote, code_id, coder_id, origin, '
            "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        connection.commit()
        return len(rows)
    finally:
        connection.close()


def measure_scale(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the coded project (untimed), then time tables and the two segment exports."""
    files = [Path(p) for p in spec["files"]]
    work = Path(spec["work"])
    work.mkdir(parents=True, exist_ok=True)
    path = work / "scale.qualcode"
    warm_up()
    with open_project(path) as project:
        install_codebook(project, Path(spec["codebook"]))
        ingest_paths(project, files, privacy="off", processes=spec.get("processes", 1))
    codings = add_codings(path, spec["codings"])
    words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
    timer = Timer(words, path)
    out = work / "out"
    out.mkdir(exist_ok=True)
    with open_project(path) as project:
        timer.time("tables", lambda: build_tables(project, status="all"))
        for fmt in ("csv", "xlsx"):
            exported = timer.time(f"export_segments_{fmt}", partial(
                export_segments, project, out / f"segments.{fmt}", status="all"))
    return {"documents": len(files), "words": words, "codings": codings,
            "exported_rows": exported.rows, "steps": timer.steps, "peak_rss_mb": timer.peak,
            "rss_scope": timer.scope, "project_mb": disk_mb(path)}


if __name__ == "__main__":
    print(json.dumps(measure_scale(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))))

"""Timing the bulk steps (tables, export of segments) on a project that already exists.

Each step runs in a child process of its own, so its peak RSS is its own and not the
peak of whatever ran before it. From :mod:`steps` or a shell::

    from bulk import time_bulk_steps
    figures = time_bulk_steps(Path("bench.qualcode"), Path("out"), status="all")
    # {"tables": {"seconds": 3.1, "cpu_seconds": 3.0, "peak_rss_mb": 380.2, "rows": 0}, ...}

    python benchmarks/bulk.py PROJECT OUT [--status all] [--steps tables csv xlsx]

``PYTHONPATH`` is passed on to the children, so the same call can time another copy of
qualcode (``env={"PYTHONPATH": "/path/to/other/src"}``) in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# step -> (what it does, file suffix, with context); "tables" builds the thematic tables
STEPS: dict[str, tuple[str, str, bool]] = {
    "tables": ("tables", "", False),
    "csv": ("segments", "csv", False),
    "csv_context": ("segments", "csv", True),
    "xlsx": ("segments", "xlsx", False),
    "xlsx_context": ("segments", "xlsx", True),
}


def time_bulk_steps(project: Path, out: Path, *, status: str = "all",
                    steps: Sequence[str] = ("tables", "csv", "xlsx"),
                    env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Seconds (wall and CPU), peak RSS (MB) and rows written of each step, one child each."""
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for step in steps:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", step, str(project),
                   str(out), "--status", status]
        done = subprocess.run(command, capture_output=True, text=True, check=True,
                              env={**os.environ, **(env or {})})
        results[step] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def run_step(step: str, project: Path, out: Path, status: str) -> dict[str, Any]:
    """One step in this process (the child's side of :func:`time_bulk_steps`)."""
    from qualcode.store import open_project

    what, suffix, context = STEPS[step]
    with open_project(project, create=False) as opened:
        began, cpu = time.perf_counter(), time.process_time()
        rows = 0
        if what == "tables":
            from qualcode.pipeline import build_tables

            build_tables(opened, status=status)
        else:
            from qualcode.export.segments import export_segments

            rows = export_segments(opened, out / f"segments-{step}.{suffix}", status=status,
                                   context=context).rows
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "peak_rss_mb": round(peak, 1), "rows": rows}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--status", default="all")
    parser.add_argument("--steps", nargs="+", default=["tables", "csv", "xlsx"], choices=STEPS)
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_step(args.child, args.project, args.out, args.status)))
        return
    print(json.dumps(time_bulk_steps(args.project, args.out, status=args.status, steps=args.steps),
                     indent=2))


if __name__ == "__main__":
    main()

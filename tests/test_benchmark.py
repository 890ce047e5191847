"""The benchmark in --quick mode still runs end to end and writes its files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_writes_results(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(RUN), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(results) >= {"machine", "quick", "help_seconds", "sizes", "growth", "command"}
    assert results["quick"] is True
    (size,) = results["sizes"]
    assert set(size["steps"]) >= {"tokenizer_floor", "ingest", "suggest_cues_60",
                                  "suggest_cues_600", "naive_60", "naive_600", "learn",
                                  "suggest_model", "tables", "export_segments_csv",
                                  "export_segments_xlsx", "export_qdpx"}
    assert set(size["ratios"]) == {"ingest_suggest_vs_tokenizer", "suggest_speedup_vs_naive_60",
                                   "suggest_speedup_vs_naive_600", "suggest_600_over_60",
                                   "naive_600_over_60"}
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Ratios" in text
    assert "tokenizer only" in text

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
    assert set(size["steps"]) >= {"tokenizer_floor", "tokenizer_floor_warm", "ingest", "ingest_processes_2",
                                  "suggest_cues_60", "suggest_cues_60_processes_2",
                                  "suggest_cues_600", "suggest_cues_600_own", "naive_60",
                                  "naive_600", "learn",
                                  "suggest_model", "tables", "export_segments_csv",
                                  "export_segments_xlsx", "export_qdpx"}
    assert set(size["ratios"]) == {"ingest_suggest_vs_tokenizer", "ingest_vs_tokenizer",
                                   "ingest_suggest_processes_2_vs_tokenizer",
                                   "ingest_suggest_vs_warm_tokenizer",
                                   "suggest_speedup_vs_naive_60", "suggest_speedup_vs_naive_600",
                                   "suggest_600_over_60", "suggest_600_own_over_60",
                                   "naive_600_over_60",
                                   "ingest_speedup_processes_2", "suggest_speedup_processes_2"}
    assert set(results["scale"]["steps"]) == {"tables", "export_segments_csv",
                                              "export_segments_xlsx"}
    assert results["scale"]["codings"] == 300
    assert results["survey"]["answers"] == 200
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Ratios" in text
    assert "cues of their own" in text
    assert "tokenizer only" in text
    assert "## Tables and exports at scale" in text


def test_growth_and_ratios_without_naive_baselines() -> None:
    sys.path.insert(0, str(RUN.parent))
    try:
        import run
    finally:
        sys.path.remove(str(RUN.parent))

    def size(documents: int, seconds: float, rss: float) -> dict[str, object]:
        steps = {name: {"seconds": seconds * documents, "peak_rss_mb": rss}
                 for name in ("tokenizer_floor", "ingest", "suggest_cues_60", "suggest_cues_600")}
        return {"documents": documents, "words": documents * 10, "peak_rss_mb": rss,
                "steps": steps}

    sizes = [size(10, 1.0, 100), size(100, 1.0, 200), size(1000, 2.0, 300)]
    (growth,) = run.growth(sizes)
    assert (growth["from_documents"], growth["to_documents"]) == (100, 1000)
    assert growth["time_per_word_factor"]["ingest"] == 2.0
    assert growth["peak_rss_factor"] == 1.5
    ratios = run.ratios(sizes[2])
    assert ratios["suggest_speedup_vs_naive_60"] is None
    assert ratios["ingest_speedup_processes_2"] is None
    assert ratios["ingest_vs_tokenizer"] == 1.0
    assert ratios["ingest_suggest_processes_2_vs_tokenizer"] is None
    assert ratios["ingest_suggest_vs_warm_tokenizer"] is None


def test_each_step_reports_its_own_peak(tmp_path: Path) -> None:
    sys.path.insert(0, str(RUN.parent))
    try:
        import steps
    finally:
        sys.path.remove(str(RUN.parent))
    if not steps.reset_peak():
        import pytest

        pytest.skip("this system cannot reset a process's peak RSS")
    timer = steps.Timer(10, tmp_path / "none.qualcode")

    def big() -> int:
        held = bytearray(200 * 2**20)
        held[::4096] = b"x" * len(held[::4096])  # touch every page, so it is resident
        return len(held)

    timer.time("big", big)
    timer.time("small", lambda: sum(range(1000)))
    big_peak, small_peak = timer.steps["big"]["peak_rss_mb"], timer.steps["small"]["peak_rss_mb"]
    # the 200 MB of the first step are not carried into the second one's peak
    assert big_peak - small_peak > 150
    assert (timer.peak, timer.scope) == (big_peak, "step")

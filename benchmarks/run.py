"""The qualcode benchmark: time every step against spaCy's tokenizer and a naive autocoder.

    python benchmarks/run.py [--sizes 10 100 ...] [--words N] [--quick] [--out DIR]
        [--naive-cap 300] [--processes 2] [--scale-documents 1000] [--scale-codings 100000]
        [--survey 20000]

Each size runs in a fresh process (benchmarks/steps.py), so its peak memory is its own;
the baselines run in that same process on the same texts (the naive ones only up to
--naive-cap documents: with 600 codes they take minutes above that). Tables and segment
exports are also timed on a coded project of --scale-documents documents and
--scale-codings codings (benchmarks/scale.py), and ingest of a survey export
(benchmarks/survey.py). Writes RESULTS.md and results.json into --out (default: this
folder).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus

from qualcode.codebook import load_codebook

STEPS = ("ingest", "ingest_processes_2", "suggest_cues_60", "suggest_cues_60_processes_2",
         "suggest_cues_600", "suggest_cues_600_own", "learn", "suggest_model", "tables", "export_segments_csv",
         "export_segments_xlsx", "export_qdpx")
BASELINES = ("tokenizer_floor", "tokenizer_floor_warm", "naive_60", "naive_600")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--words", type=int, default=5000, help="words per transcript")
    parser.add_argument("--quick", action="store_true", help="tiny sizes; checks it runs")
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md goes")
    parser.add_argument("--survey", type=int, default=20_000,
                        help="answers in the survey-style CSV (0 skips it)")
    parser.add_argument("--naive-cap", type=int, default=300,
                        help="run the naive baselines only up to this many documents")
    parser.add_argument("--model-cap", type=int, default=1000,
                        help="learn and suggest with the model only up to this many documents")
    parser.add_argument("--refi-cap", type=int, default=300,
                        help="export REFI-QDA only up to this many documents")
    parser.add_argument("--processes", type=int, default=2,
                        help="workers for the --processes lines of ingest and suggest (1 skips)")
    parser.add_argument("--scale-documents", type=int, default=1000,
                        help="documents of the coded project for tables and exports (0 skips)")
    parser.add_argument("--scale-codings", type=int, default=100_000,
                        help="accepted codings in that project")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.words, args.survey = [3], 300, 200
        args.scale_documents, args.scale_codings = 3, 300
    return args


def machine() -> dict[str, Any]:
    """CPU, cores, memory and the versions that matter."""
    from importlib.metadata import version

    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [ln.split(":", 1)[1].strip() for ln in info.read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    ram = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = meminfo.read_text().splitlines()[0].split()[1]
        ram = round(int(total) / 1024 / 1024, 1)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "os": platform.platform(),
            "python": platform.python_version(), "spacy": version("spacy"),
            "qualcode": version("qualcode")}


def help_seconds() -> float:
    """Wall time of ``qualcode --help`` in a fresh interpreter (best of three)."""
    command = [sys.executable, "-m", "qualcode", "--help"]
    times = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return round(min(times), 3)


def run_python(*args: str) -> dict[str, Any]:
    """Run a benchmark script in a fresh interpreter (its peak memory is its own) and
    return the JSON object it prints last."""
    done = subprocess.run([sys.executable, *args], check=False, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)  # the script's traceback, not just "exit status 1"
        done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_script(script: str, spec: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run ``script`` on ``spec`` (written beside ``work``) with :func:`run_python`."""
    spec_path = work.with_suffix(".json")
    work.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    return run_python(str(HERE / script), str(spec_path))


def run_size(files: list[Path], codebooks: dict[str, str], cues: dict[str, Any],
             work: Path, args: argparse.Namespace) -> dict[str, Any]:
    spec = {"files": [str(f) for f in files], "codebooks": codebooks, "cues": cues,
            "work": str(work), "naive": len(files) <= args.naive_cap,
            "model": len(files) <= args.model_cap,
            "refi": len(files) <= args.refi_cap,
            "processes": args.processes}
    return run_script("steps.py", spec, work)


def run_scale(files: list[Path], codebook: str, args: argparse.Namespace,
              work: Path) -> dict[str, Any]:
    spec = {"files": [str(f) for f in files], "codebook": codebook, "work": str(work),
            "codings": args.scale_codings, "processes": args.processes}
    return run_script("scale.py", spec, work)


def run_survey(answers: int, work: Path, seed: int) -> dict[str, Any]:
    table = corpus.write_survey(work / "survey.csv", answers, seed=seed)
    return run_python(str(HERE / "survey.py"), str(table), str(work / "survey"))


def _ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, digits)


def ratios(size: dict[str, Any]) -> dict[str, float | None]:
    """The headline ratios of one size (see RESULTS.md for what each means)."""
    s = {name: step["seconds"] for name, step in size["steps"].items()}
    return {
        "ingest_suggest_vs_tokenizer": _ratio(s["tokenizer_floor"],
                                              s["ingest"] + s["suggest_cues_60"], 3),
        "ingest_vs_tokenizer": _ratio(s["tokenizer_floor"], s["ingest"], 3),
        "ingest_suggest_vs_warm_tokenizer": _ratio(s.get("tokenizer_floor_warm"),
                                                   s["ingest"] + s["suggest_cues_60"], 3),
        "ingest_suggest_processes_2_vs_tokenizer": _ratio(
            s["tokenizer_floor"], (s.get("ingest_processes_2") or 0)
            + (s.get("suggest_cues_60_processes_2") or 0), 3),
        "suggest_speedup_vs_naive_60": _ratio(s.get("naive_60"), s["suggest_cues_60"]),
        "suggest_speedup_vs_naive_600": _ratio(s.get("naive_600"), s["suggest_cues_600"]),
        "suggest_600_over_60": _ratio(s["suggest_cues_600"], s["suggest_cues_60"]),
        "suggest_600_own_over_60": _ratio(s.get("suggest_cues_600_own"), s["suggest_cues_60"]),
        "naive_600_over_60": _ratio(s.get("naive_600"), s.get("naive_60")),
        "ingest_speedup_processes_2": _ratio(s["ingest"], s.get("ingest_processes_2")),
        "suggest_speedup_processes_2": _ratio(s["suggest_cues_60"],
                                              s.get("suggest_cues_60_processes_2")),
    }


def growth(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """From 100 documents (else the smallest size) to each larger size: how time per word
    and peak memory grew (1.0 is linear time and flat memory)."""
    if len(sizes) < 2:
        return []
    largest = max(s["documents"] for s in sizes)
    base = next((s for s in sizes if s["documents"] == 100 < largest), sizes[0])
    found = []
    for large in (s for s in sizes if s["documents"] > base["documents"]):
        scale = large["words"] / base["words"]
        per_step = {name: round(large["steps"][name]["seconds"] / base["steps"][name]["seconds"]
                                / scale, 2)
                    for name in STEPS if base["steps"].get(name, {}).get("seconds")
                    and name in large["steps"]}
        found.append({"from_documents": base["documents"], "to_documents": large["documents"],
                      "words_factor": round(scale, 1), "time_per_word_factor": per_step,
                      "peak_rss_factor": round(large["peak_rss_mb"] / base["peak_rss_mb"], 2),
                      "ingest_peak_rss_factor": _peak_factor(large, base, "ingest"),
                      "suggest_peak_rss_factor": _peak_factor(large, base, "suggest_cues_60")})
    return found


def _peak_factor(large: dict[str, Any], base: dict[str, Any], step: str) -> float:
    return round(large["steps"][step]["peak_rss_mb"] / base["steps"][step]["peak_rss_mb"], 2)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as temp:
        work = Path(temp)
        files = corpus.write_transcripts(work / "corpus", max(*args.sizes, args.scale_documents),
                                         words=args.words, seed=args.seed)
        large = corpus.large_codebook(600, seed=args.seed)
        own = corpus.large_codebook(600, seed=args.seed, shared=0.0)
        codebooks = {"60": str(corpus.BASE_CODEBOOK),
                     "600": str(corpus.write_codebook(work / "codebook-600.yaml", large)),
                     "600-own": str(corpus.write_codebook(work / "codebook-600-own.yaml", own))}
        cues = {"60": corpus.code_cues(load_codebook(corpus.BASE_CODEBOOK)),
                "600": corpus.code_cues(large)}
        sizes = []
        for count in args.sizes:
            size = run_size(files[:count], codebooks, cues, work / f"size-{count}", args)
            size["ratios"] = ratios(size)
            sizes.append(size)
            partial = args.out / "results-partial.json"  # a long run keeps what it measured
            partial.write_text(json.dumps(sizes, indent=2) + "\n", encoding="utf-8")
            print(f"{count} documents: {size['steps']['ingest']['seconds']} s ingest, "
                  f"peak {size['peak_rss_mb']} MB", file=sys.stderr)
        scale = (run_scale(files[:args.scale_documents], codebooks["60"], args, work / "scale")
                 if args.scale_documents else None)
        survey = run_survey(args.survey, work, args.seed) if args.survey else None
    results = {"machine": machine(), "quick": args.quick, "words_per_document": args.words,
               "help_seconds": help_seconds(), "sizes": sizes, "growth": growth(sizes),
               "survey": survey, "scale": scale, "naive_cap": args.naive_cap, "model_cap": args.model_cap,
               "refi_cap": args.refi_cap,
               "processes": args.processes,
               "command": "python benchmarks/run.py " + " ".join(argv if argv is not None
                                                                 else sys.argv[1:])}
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    from report import markdown

    notes = HERE / "NOTES.md"  # analysis written by hand, kept across runs
    text = markdown(results, notes.read_text(encoding="utf-8") if notes.exists() else "")
    (args.out / "RESULTS.md").write_text(text, encoding="utf-8")
    (args.out / "results-partial.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""RESULTS.md from the benchmark's results (see run.py)."""

from __future__ import annotations

from typing import Any

STEP_NAMES = {
    "startup": "load spaCy and qualcode's pipelines (once, untimed elsewhere)",
    "codebook_60": "load codebook, 60 codes",
    "codebook_600": "load codebook, 600 codes",
    "codebook_600_own": "load codebook, 600 codes, cues of their own",
    "tokenizer_floor": "baseline: spaCy blank('en') tokenizer only",
    "tokenizer_floor_warm": "baseline: the same tokenizer, its cache offered each new word first",
    "ingest": "ingest (read, segment, store)",
    "ingest_processes_2": "ingest, --processes 2",
    "suggest_cues_60": "suggest, cues, 60 codes",
    "suggest_cues_60_processes_2": "suggest, cues, 60 codes, --processes 2",
    "suggest_cues_600": "suggest, cues, 600 codes",
    "suggest_cues_600_own": "suggest, cues, 600 codes, the 540 added with cues of their own",
    "naive_60": "baseline: naive substring autocoder, 60 codes",
    "naive_600": "baseline: naive substring autocoder, 600 codes",
    "learn": "learn (5 reviewed documents)",
    "suggest_model": "suggest, model",
    "tables": "tables (all statuses)",
    "export_segments_csv": "export segments CSV",
    "export_segments_xlsx": "export segments XLSX",
    "export_qdpx": "export REFI-QDA .qdpx",
}
RATIO_NAMES = {
    "ingest_suggest_vs_tokenizer": "ingest+suggest(cues) throughput / tokenizer-only throughput",
    "ingest_suggest_processes_2_vs_tokenizer": "the same, ingest and suggest with --processes 2 "
                                               "(the tokenizer on one core)",
    "ingest_suggest_vs_warm_tokenizer": "ingest+suggest(cues) throughput / throughput of the "
                                        "tokenizer with its cache filled first (qualcode's way)",
    "ingest_vs_tokenizer": "ingest throughput / tokenizer-only throughput",
    "suggest_speedup_vs_naive_60": "naive time / suggest(cues) time, 60 codes",
    "suggest_speedup_vs_naive_600": "naive time / suggest(cues) time, 600 codes",
    "suggest_600_over_60": "suggest(cues) time, 600 codes / 60 codes",
    "suggest_600_own_over_60": "the same, the 540 added codes with cues of their own (the "
                               "size of the codebook alone)",
    "naive_600_over_60": "naive time, 600 codes / 60 codes",
    "ingest_speedup_processes_2": "ingest time, 1 process / 2 processes",
    "suggest_speedup_processes_2": "suggest(cues) time, 1 process / 2 processes",
}


def _machine(m: dict[str, Any]) -> list[str]:
    return [f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gb']} GB; {m['os']}",
            f"- Python {m['python']}, spaCy {m['spacy']}, qualcode {m['qualcode']}"]


def _rss_label(measured: dict[str, Any]) -> str:
    """Each step's own peak where the run could reset the high-water mark before it (runs
    before that was measured report the process's peak so far)."""
    own = measured.get("rss_scope") == "step"
    return "peak RSS of the step (MB)" if own else "peak RSS so far (MB)"


def _size_table(size: dict[str, Any]) -> list[str]:
    title = (f"### {size['documents']} documents, {size['words']:,} words, "
             f"{size['sentences']:,} participant sentences")
    lines = [title, "",
             f"| step | seconds | words/s | {_rss_label(size)} | project (MB) |",
             "|---|---:|---:|---:|---:|"]
    for name, label in STEP_NAMES.items():
        step = size["steps"].get(name)
        if step is None:
            continue
        wps = f"{step['words_per_second']:,}" if step["words_per_second"] else "-"
        lines.append(f"| {label} | {step['seconds']:.3f} | {wps} | {step['peak_rss_mb']} | "
                     f"{step['project_mb']} |")
    naive = size.get("naive_pairs")
    pairs = (f"naive (sentence, code) pairs: {naive['60']:,} (60 codes), {naive['600']:,} "
             "(600 codes)" if naive else "naive baselines not run at this size (--naive-cap)")
    model = size.get("suggestions_model")
    summary = (f"Suggestions: {size['suggestions_60']:,} (60 codes), "
               f"{size['suggestions_600']:,} (600 codes), "
               f"{size.get('suggestions_600_own', 0):,} (600 codes, cues of their own), "
               f"{f'{model:,}' if model is not None else 'not run'} (model); "
               f"{pairs}; rows exported: {size['exported_rows']:,}; accepted for learn: "
               f"{size['accepted']:,}.")
    workers = size.get("worker_peak_rss_mb")
    if workers:
        summary += (" With --processes, the table gives the main process's peak; the largest "
                    f"worker's was {workers['ingest']} MB (ingest)"
                    + (f", {workers['suggest']} MB (suggest, any worker so far)"
                       if "suggest" in workers else "") + ".")
    summary += "".join(f" Note: {note}." for note in size.get("notes", []))
    lines += ["", summary, ""]
    return lines


def _ratios(sizes: list[dict[str, Any]]) -> list[str]:
    head = "| ratio | " + " | ".join(f"{s['documents']} docs" for s in sizes) + " |"
    lines = [head, "|---|" + "---:|" * len(sizes)]
    for key, label in RATIO_NAMES.items():
        values = [s["ratios"].get(key) for s in sizes]
        lines.append(f"| {label} | " + " | ".join("-" if v is None else str(v) for v in values)
                     + " |")
    return lines


def _growth(growth: list[dict[str, Any]]) -> list[str]:
    if not growth:
        return ["(one size only: no growth figures)"]
    base = growth[0]["from_documents"]
    targets = [g["to_documents"] for g in growth]
    intro = (f"From {base} documents to each larger size: time per word and peak RSS as a "
             "multiple of their value at the smaller size (1.0 = linear time, flat memory).")
    lines = [intro, "",
             "| | " + " | ".join(f"{base} → {t} docs" for t in targets) + " |",
             "|---|" + "---:|" * len(targets),
             "| words | " + " | ".join(f"x{g['words_factor']}" for g in growth) + " |",
             "| peak RSS, largest of any step | "
             + " | ".join(f"x{g['peak_rss_factor']}" for g in growth) + " |",
             "| peak RSS of ingest | "
             + " | ".join(f"x{g['ingest_peak_rss_factor']}" for g in growth) + " |"]
    if all("suggest_peak_rss_factor" in g for g in growth):
        lines.append("| peak RSS of suggest, cues, 60 codes | "
                     + " | ".join(f"x{g['suggest_peak_rss_factor']}" for g in growth) + " |")
    names = [n for n in STEP_NAMES if any(n in g["time_per_word_factor"] for g in growth)]
    for name in names:
        values = [g["time_per_word_factor"].get(name) for g in growth]
        lines.append(f"| time per word: {STEP_NAMES[name]} | "
                     + " | ".join("-" if v is None else f"x{v}" for v in values) + " |")
    return lines


def _scale(scale: dict[str, Any] | None) -> list[str]:
    if not scale:
        return ["(not measured in this run: pass --scale-documents N)"]
    intro = (f"{scale['documents']:,} documents, {scale['words']:,} words, "
             f"{scale['codings']:,} accepted codings ({scale['exported_rows']:,} rows exported); "
             f"project {scale['project_mb']} MB; largest peak RSS of a step "
             f"{scale['peak_rss_mb']} MB. "
             "Target: under 10 s each.")
    return [intro, "", f"| step | seconds | {_rss_label(scale)} |", "|---|---:|---:|",
            *(f"| {STEP_NAMES[name]} | {step['seconds']:.3f} | {step['peak_rss_mb']} |"
              for name, step in scale["steps"].items())]


def _survey(survey: dict[str, Any] | None) -> list[str]:
    if not survey:
        return ["(not measured in this run: pass --survey N)"]
    steps = survey["steps"]
    intro = (f"{survey['answers']:,} short answers in one CSV, {survey['words']:,} words; "
             f"peak RSS {survey['peak_rss_mb']} MB; {survey['suggestions']:,} suggestions.")
    return [intro, "",
            "| step | seconds | words/s |", "|---|---:|---:|",
            *(f"| {STEP_NAMES[name]} | {step['seconds']:.3f} | {step['words_per_second']:,} |"
              for name, step in steps.items())]


def markdown(results: dict[str, Any], notes: str = "") -> str:
    """The whole RESULTS.md; ``notes`` (analysis written by hand) goes at the end."""
    sizes = results["sizes"]
    lines = ["# qualcode benchmark results", ""]
    if results["quick"]:
        lines += ["**Quick mode: tiny sizes, figures only show that the benchmark runs.**", ""]
    command = (f"Command: `{results['command']}`; {results['words_per_document']:,} words "
               "per generated transcript (benchmarks/corpus.py, seeded); naive baselines up "
               f"to {results.get('naive_cap', '-')} documents; --processes lines with "
               f"{results.get('processes', '-')} processes.")
    lines += ["## Machine", "", *_machine(results["machine"]),
              f"- `qualcode --help`: {results['help_seconds']} s (best of 3, fresh interpreter)",
              "", command, "",
              "## Ratios", "", *_ratios(sizes), "", "## Growth", "", *_growth(results["growth"]),
              "", "## Tables and exports at scale", "", *_scale(results.get("scale")),
              "", "## Survey-style corpus", "", *_survey(results.get("survey")),
              "", "## Steps", ""]
    for size in sizes:
        lines += _size_table(size)
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines) + "\n"

"""RESULTS.md from the benchmark's results (see run.py)."""

from __future__ import annotations

from typing import Any

STEP_NAMES = {
    "startup": "load spaCy and qualcode's pipelines (once, untimed elsewhere)",
    "codebook_60": "load codebook, 60 codes",
    "codebook_600": "load codebook, 600 codes",
    "tokenizer_floor": "baseline: spaCy blank('en') tokenizer only",
    "ingest": "ingest (read, segment, store)",
    "suggest_cues_60": "suggest, cues, 60 codes",
    "suggest_cues_600": "suggest, cues, 600 codes",
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
    "suggest_speedup_vs_naive_60": "naive time / suggest(cues) time, 60 codes",
    "suggest_speedup_vs_naive_600": "naive time / suggest(cues) time, 600 codes",
    "suggest_600_over_60": "suggest(cues) time, 600 codes / 60 codes",
    "naive_600_over_60": "naive time, 600 codes / 60 codes",
}


def _machine(m: dict[str, Any]) -> list[str]:
    return [f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gb']} GB; {m['os']}",
            f"- Python {m['python']}, spaCy {m['spacy']}, qualcode {m['qualcode']}"]


def _size_table(size: dict[str, Any]) -> list[str]:
    title = (f"### {size['documents']} documents, {size['words']:,} words, "
             f"{size['sentences']:,} participant sentences")
    lines = [title, "",
             "| step | seconds | words/s | peak RSS so far (MB) | project (MB) |",
             "|---|---:|---:|---:|---:|"]
    for name, label in STEP_NAMES.items():
        step = size["steps"].get(name)
        if step is None:
            continue
        wps = f"{step['words_per_second']:,}" if step["words_per_second"] else "-"
        lines.append(f"| {label} | {step['seconds']:.3f} | {wps} | {step['peak_rss_mb']} | "
                     f"{step['project_mb']} |")
    summary = (f"Suggestions: {size['suggestions_60']:,} (60 codes), "
               f"{size['suggestions_600']:,} (600 codes), {size['suggestions_model']:,} (model); "
               f"naive (sentence, code) pairs: {size['naive_pairs']['60']:,} (60 codes), "
               f"{size['naive_pairs']['600']:,} (600 codes); rows exported: "
               f"{size['exported_rows']:,}; accepted for learn: {size['accepted']:,}.")
    lines += ["", summary, ""]
    return lines


def _ratios(sizes: list[dict[str, Any]]) -> list[str]:
    head = "| ratio | " + " | ".join(f"{s['documents']} docs" for s in sizes) + " |"
    lines = [head, "|---|" + "---:|" * len(sizes)]
    for key, label in RATIO_NAMES.items():
        lines.append(f"| {label} | " + " | ".join(str(s["ratios"][key]) for s in sizes) + " |")
    return lines


def _growth(growth: dict[str, Any]) -> list[str]:
    if not growth:
        return ["(one size only: no growth figures)"]
    intro = (f"From {growth['from_documents']} to {growth['to_documents']} documents "
             f"(x{growth['words_factor']} words), peak RSS grew x{growth['peak_rss_factor']}. "
             "Time per word, largest size / smallest size (1.0 = linear time):")
    lines = [intro, ""]
    lines += [f"- {STEP_NAMES[name]}: x{factor}" for name, factor
              in growth["time_per_word_factor"].items()]
    return lines


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
               "per generated transcript (benchmarks/corpus.py, seeded).")
    lines += ["## Machine", "", *_machine(results["machine"]),
              f"- `qualcode --help`: {results['help_seconds']} s (best of 3, fresh interpreter)",
              "", command, "",
              "## Ratios", "", *_ratios(sizes), "", "## Growth", "", *_growth(results["growth"]),
              "", "## Survey-style corpus", "", *_survey(results.get("survey")),
              "", "## Steps", ""]
    for size in sizes:
        lines += _size_table(size)
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines) + "\n"

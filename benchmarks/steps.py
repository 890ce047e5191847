"""One benchmark size, measured in a process of its own (so its peak RSS is its own).

Run by :mod:`run` as ``python benchmarks/steps.py SPEC.json``; prints one JSON object.
Every step is timed with ``perf_counter``; after each step its own peak RSS (the
high-water mark is reset before it, see :func:`reset_peak`) and the project's size on disk
are recorded.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from qualcode.assist.learn import learn
from qualcode.assist.suggest import suggest
from qualcode.assist.units import load_units
from qualcode.corpus import ingest_paths
from qualcode.export.segments import export_segments
from qualcode.pipeline import build_tables
from qualcode.project import install_codebook
from qualcode.refi.writer import export_qdpx
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store import open_project

REVIEWED = 5  # documents whose cue suggestions are accepted, to give learn() something


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker_peak_mb() -> float:
    """The largest peak RSS of any worker process ended so far (only the --processes steps
    start workers, ingest's first, so after each of them this is its workers' peak)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def reset_peak() -> bool:
    """Start a new peak RSS for the next step (Linux: 5 written to /proc/self/clear_refs
    resets the high-water mark ``ru_maxrss`` reads). False where the system cannot: peaks
    are then the process's so far, which carry whatever ran before into later steps."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def disk_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return round(sum(f.stat().st_size for f in files if f.exists()) / 1e6, 2)


class Timer:
    """Collects one record per step: seconds, words per second, peak RSS, project size.

    ``peak`` is the largest peak of any step; ``scope`` says whether each peak is the
    step's own (``step``) or the process's so far (``so far``, where it cannot be reset).
    """

    def __init__(self, words: int, project: Path) -> None:
        self.words, self.project, self.steps = words, project, {}  # type: ignore[var-annotated]
        self.peak, self.scope = 0.0, "step"

    def time(self, name: str, action: Callable[[], Any], *, words: int | None = None) -> Any:
        if not reset_peak():
            self.scope = "so far"
        began = time.perf_counter()
        value = action()
        seconds = time.perf_counter() - began
        counted = self.words if words is None else words
        peak = peak_mb()
        self.peak = max(self.peak, peak)
        self.steps[name] = {"seconds": round(seconds, 4),
                            "words_per_second": round(counted / seconds) if seconds and counted else None,
                            "peak_rss_mb": peak,
                            "project_mb": disk_mb(self.project) if self.project.exists() else 0}
        return value


def tokenizer_floor(nlp: Any, texts: Iterable[str]) -> None:
    """spaCy's floor: the blank English tokenizer over the texts, nothing else."""
    for _doc in nlp.pipe(texts, batch_size=64):
        pass


def tokenizer_floor_warm(texts: Iterable[str]) -> None:
    """The stricter floor qualcode tokenises at: a fresh blank English tokenizer whose
    cache is offered each new word first (:mod:`qualcode.nlp.warm`)."""
    import spacy

    from qualcode.nlp.warm import warmed

    tokenizer = spacy.blank("en").tokenizer
    for _doc in tokenizer.pipe(warmed(tokenizer, texts), batch_size=64):
        pass


def warm_up() -> Any:
    """Load spaCy and qualcode's cached pipelines once, so no step pays for it."""
    import spacy

    from qualcode import nlp

    nlp.pipeline()
    nlp.lemma_pipeline()
    return spacy.blank("en")


def naive_autocoder(sentences: Sequence[str], cues: dict[str, tuple[str, ...]]) -> set[tuple[int, str]]:
    """What keyword autocoders do: every sentence, every cue of every code, a substring test."""
    found: set[tuple[int, str]] = set()
    for number, sentence in enumerate(sentences):
        lowered = sentence.lower()
        for code, phrases in cues.items():
            for phrase in phrases:
                if phrase in lowered:
                    found.add((number, code))
                    break
    return found


def copy_project(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite project (the backup API also copies the WAL's pages)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def accept_some(project: Any, documents: int) -> int:
    """Accept every suggestion in the first ``documents`` documents, as a reviewer would."""
    with project.write() as conn:
        pending = store_codings.find_codings(conn, statuses=["suggested"])
        names = sorted({c.document for c in pending})[:documents]
        chosen = [c for c in pending if c.document in names]
        for coding in chosen:
            assert coding.id is not None
            store_decisions.decide(conn, coding.id, status="accepted", coder="researcher")
    return len(chosen)


def read_texts(files: Sequence[Path]) -> Iterator[str]:
    """The texts one at a time, so the tokenizer floor never holds the corpus either."""
    for path in files:
        yield path.read_text(encoding="utf-8")


def suggest_has_processes() -> bool:
    import inspect

    return "processes" in inspect.signature(suggest).parameters


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Every step for one corpus size; see the module docstring."""
    files = [Path(p) for p in spec["files"]]
    work = Path(spec["work"])
    work.mkdir(parents=True, exist_ok=True)
    words = sum(len(text.split()) for text in read_texts(files))
    path = work / "bench.qualcode"
    timer = Timer(words, path)
    blank = timer.time("startup", warm_up, words=0)
    timer.time("tokenizer_floor", partial(tokenizer_floor, blank, read_texts(files)))
    timer.time("tokenizer_floor_warm", partial(tokenizer_floor_warm, read_texts(files)))
    result: dict[str, Any] = {"documents": len(files), "words": words, "notes": []}
    large, parallel = work / "bench-600.qualcode", work / "bench-p2.qualcode"
    own = work / "bench-600-own.qualcode"
    with open_project(path) as project:
        timer.time("codebook_60", lambda: install_codebook(project, Path(spec["codebooks"]["60"])),
                   words=0)
        timer.time("ingest", lambda: ingest_paths(project, files))
        copy_project(path, large)
        copy_project(path, own)
        copy_project(path, parallel)
        report = timer.time("suggest_cues_60", lambda: suggest(project, keep_suggestions=False))
        result["suggestions_60"], result["sentences"] = report.added, report.units
        naive_baselines(project, spec, timer, result)
    measure_processes(files, work, parallel, spec.get("processes", 2), timer, result)
    with open_project(large) as other:
        timer.time("codebook_600", lambda: install_codebook(
            other, Path(spec["codebooks"]["600"]), force=True), words=0)
        report = timer.time("suggest_cues_600", lambda: suggest(other, keep_suggestions=False))
        result["suggestions_600"] = report.added
    large.unlink()
    with open_project(own) as other:
        timer.time("codebook_600_own", lambda: install_codebook(
            other, Path(spec["codebooks"]["600-own"]), force=True), words=0)
        report = timer.time("suggest_cues_600_own", lambda: suggest(other,
                                                                     keep_suggestions=False))
        result["suggestions_600_own"] = report.added
    own.unlink()
    with open_project(path) as project:
        result["accepted"] = accept_some(project, REVIEWED)
        if spec.get("model", True):
            timer.time("learn", lambda: learn(project))
            report = timer.time("suggest_model", lambda: suggest(
                project, method="model", keep_suggestions=False))
            result["suggestions_model"] = report.added
        else:
            result["notes"].append("learn and model suggestions skipped: above the "
                                   "--model-cap size")
        timer.time("tables", lambda: build_tables(project, status="all"))
        out = work / "out"
        out.mkdir(exist_ok=True)
        for fmt in ("csv", "xlsx"):
            exported = timer.time(f"export_segments_{fmt}", partial(
                export_segments, project, out / f"segments.{fmt}", status="all"))
        result["exported_rows"] = exported.rows
        if spec.get("refi", True):
            refi = timer.time("export_qdpx", lambda: export_qdpx(
                project, out / "project.qdpx", status="all"))
            result["qdpx_codings"] = refi.codings
        else:
            result["notes"].append("REFI-QDA export skipped: above the --refi-cap size (it "
                                   "builds the whole XML in memory)")
    result["steps"] = timer.steps
    result["peak_rss_mb"], result["rss_scope"] = timer.peak, timer.scope
    result["project_mb"] = disk_mb(path)
    return result


def naive_baselines(project: Any, spec: dict[str, Any], timer: Timer,
                    result: dict[str, Any]) -> None:
    """The naive autocoder over the participant sentences, unless the size is over the cap
    (it holds them all in memory, as such tools do)."""
    if not spec.get("naive", True):
        result["notes"].append("naive baselines skipped: above the --naive-cap size")
        return
    with project.read() as conn:
        sentences = [u.text for u in load_units(conn)]
    naive = {}
    for size, cues in spec["cues"].items():
        found = timer.time(f"naive_{size}", partial(naive_autocoder, sentences, cues))
        naive[size] = len(found)
    result["naive_pairs"] = naive


def measure_processes(files: list[Path], work: Path, parallel: Path, processes: int,
                      timer: Timer, result: dict[str, Any]) -> None:
    """Ingest into a fresh project, and suggest on a copy, with ``processes`` workers."""
    if processes < 2:
        return
    fresh = work / "bench-ingest-p2.qualcode"
    with open_project(fresh) as project:
        timer.time("ingest_processes_2", lambda: ingest_paths(project, files,
                                                              processes=processes))
    result["worker_peak_rss_mb"] = {"ingest": worker_peak_mb()}
    fresh.unlink()
    if not suggest_has_processes():
        result["notes"].append("suggest has no processes option yet: its two-process line "
                               "is skipped")
        parallel.unlink()
        return
    with open_project(parallel) as project:
        timer.time("suggest_cues_60_processes_2", lambda: suggest(
            project, processes=processes, keep_suggestions=False))
    result["worker_peak_rss_mb"]["suggest"] = worker_peak_mb()
    parallel.unlink()


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(measure(spec)))

"""Regression check: the cue matcher finds exactly what the old one found.

    python benchmarks/check_cues.py [--base /work/base] [--documents 20]

Runs the old engine (the frozen copy of the code in ``--base``: every unit its own doc,
``nlp.analyse``) and the new one (each document tokenised once, ``nlp.match_doc`` with the
units' spans) over the same units, and compares the sets of
``(document, unit, code, cue key, via, token start, token end)``:

1. the sample transcripts with the base copy of the sample codebook, sentence and turn
   units (interviewer turns included);
2. a generated corpus (``--documents`` transcripts) with the 600-code codebook of
   ``corpus.large_codebook``.

Each engine runs in its own process; the units come from a project built by the old code,
so both see the same texts. Then each engine runs ``suggest`` (sentences, then turns) on
its own copy of that project, and the suggestions written (document, span, code, score,
rationale) are compared too. Exits 1 when anything differs.

    python benchmarks/check_cues.py --phrase DIR [DIR ...] [--codebook FILE ...]

compares, in one process, the cue matcher's own phrase matching with spaCy's
``PhraseMatcher`` (one on ``LOWER``, one on ``LEMMA``, built from each cue as its own doc,
as the matcher did before): every text file of each folder is one document and one unit,
and every hit ``(document, start, end, key, via)`` must be the same, as must every raw
match of the two matchers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
Hit = tuple[str, int, str, str, str, int, int]


def dump_units(kind: str, work: Path, documents: int, base: Path) -> dict[str, Any]:
    """Build a project of the corpus and return its documents and unit spans."""
    sys.path.insert(0, str(HERE))
    import corpus

    from qualcode.assist.units import load_units
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook
    from qualcode.store import documents as store_documents
    from qualcode.store import open_project

    codebook = base / "codebooks" / "open-llm-collaboration.yaml"
    if kind == "sample":
        files = sorted(p for p in (ROOT / "transcripts_sample").iterdir()
                       if p.suffix in (".txt", ".md", ".docx", ".vtt", ".srt"))
    else:
        files = corpus.write_transcripts(work / "corpus", documents, codebook=codebook)
        corpus.write_codebook(work / "codebook.yaml", corpus.large_codebook(600, base=codebook))
        codebook = work / "codebook.yaml"
    found: dict[str, Any] = {"codebook": str(codebook), "documents": {}}
    with open_project(work / f"{kind}.qualcode") as project:
        install_codebook(project, codebook)
        ingest_paths(project, files)
        with project.read() as conn:
            for doc in store_documents.all_documents(conn):
                found["documents"][doc.name] = {"text": doc.text}
            for unit in ("sentence", "turn"):
                for u in load_units(conn, unit=unit, include_interviewer=True):
                    entry = found["documents"][u.document]
                    entry.setdefault(unit, []).append([u.start, u.end])
    return found


def engine_hits(spec: dict[str, Any], engine: str) -> tuple[list[Hit], float]:
    """Every unit's hits: ``old``, every unit its own doc through ``nlp.analyse``; ``new``,
    each document tokenised once and the units cut out of it with ``nlp.match_doc``."""
    from qualcode import nlp
    from qualcode.codebook import load_codebook

    matcher = nlp.cue_matcher([c for c in load_codebook(Path(spec["codebook"])).codes
                               if c.kind == "code"])
    found: list[Hit] = []
    began = time.perf_counter()
    for name, entry in spec["documents"].items():
        doc = next(nlp.tokenise([entry["text"]])) if engine == "new" else None
        for unit in ("sentence", "turn"):
            spans = [(s, e) for s, e in entry.get(unit, [])]
            if doc is None:
                items = list(nlp.analyse([entry["text"][s:e] for s, e in spans], matcher))
            else:
                items = nlp.match_doc(doc, spans, matcher)
            for (start, _), item in zip(spans, items, strict=True):
                found.extend(_rows(f"{name}/{unit}", start, item.hits))
    return found, time.perf_counter() - began


def suggestions(path: Path) -> tuple[list[list[Any]], float]:
    """Run ``suggest`` on sentences then turns; every coding it wrote, and the time taken."""
    from qualcode.assist.suggest import suggest
    from qualcode.store import codings as store_codings
    from qualcode.store import open_project

    with open_project(path) as project:
        began = time.perf_counter()
        for unit in ("sentence", "turn"):
            suggest(project, unit=unit)
        seconds = time.perf_counter() - began
        with project.read() as conn:
            found = [[c.document, c.start, c.end, c.code, c.origin, c.status, c.score,
                      c.rationale] for c in store_codings.find_codings(conn)]
    return sorted(found, key=lambda row: row[:4]), seconds


def compare_suggestions(kind: str, work: Path, base: Path) -> bool:
    """Each engine's suggestions on its own copy of the project."""
    runs = {}
    for engine, src in (("old", base / "src"), ("new", ROOT / "src")):
        copy = work / f"{kind}-{engine}.qualcode"
        copy.write_bytes((work / f"{kind}.qualcode").read_bytes())
        out = work / f"{kind}-{engine}-suggestions.json"
        env = {**os.environ, "PYTHONPATH": str(src)}
        subprocess.run([sys.executable, __file__, "--suggest", str(copy), str(out)], check=True,
                       env=env)
        runs[engine] = json.loads(out.read_text(encoding="utf-8"))
    old, new = runs["old"]["codings"], runs["new"]["codings"]
    same = old == new
    print(f"{kind}: {len(old)} old suggestions ({runs['old']['seconds']:.2f} s), {len(new)} new "
          f"({runs['new']['seconds']:.2f} s): {'identical' if same else 'DIFFERENT'}")
    for row in [r for r in old if r not in new][:5] + [r for r in new if r not in old][:5]:
        print(f"  differs: {row}")
    return same


def _rows(where: str, start: int, hits: Any) -> list[Hit]:
    return [(where, start, code, h.key, h.via, h.start, h.end) for h in hits for code in h.codes]


def run_engine(engine: str, spec_path: Path, python_path: Path) -> tuple[set[Hit], float]:
    out = spec_path.with_suffix(f".{engine}.json")
    env = {**os.environ, "PYTHONPATH": str(python_path)}
    subprocess.run([sys.executable, __file__, "--engine", engine, str(spec_path), str(out)],
                   check=True, env=env)
    data = json.loads(out.read_text(encoding="utf-8"))
    return {tuple(row) for row in data["hits"]}, data["seconds"]  # type: ignore[misc]


def compare(kind: str, work: Path, documents: int, base: Path) -> bool:
    spec_path = work / f"{kind}.json"
    env = {**os.environ, "PYTHONPATH": str(base / "src")}
    subprocess.run([sys.executable, __file__, "--dump", kind, str(spec_path), "--documents",
                    str(documents), "--base", str(base)], check=True, env=env)
    old, old_seconds = run_engine("old", spec_path, base / "src")
    new, new_seconds = run_engine("new", spec_path, ROOT / "src")
    same = old == new
    print(f"{kind}: {len(old)} old hits ({old_seconds:.2f} s), {len(new)} new hits "
          f"({new_seconds:.2f} s): {'identical' if same else 'DIFFERENT'}")
    for label, rows in (("only old", sorted(old - new)), ("only new", sorted(new - old))):
        for row in rows[:10]:
            print(f"  {label}: {row}")
    return same


def phrase_reference(matcher: Any) -> Any:
    """A copy of ``matcher`` whose cues are matched by spaCy's ``PhraseMatcher``s."""
    import copy

    from spacy.matcher import PhraseMatcher

    from qualcode import nlp

    vocab = nlp.lemma_pipeline().vocab
    lower, lemma = PhraseMatcher(vocab, attr="LOWER"), PhraseMatcher(vocab, attr="LEMMA")
    cues = sorted(key for key in matcher.cues if matcher.cues[key] == key)
    for cue, doc in zip(cues, nlp.tokenise(cues), strict=True):
        lower.add(cue, [doc])
        if not any(t.lemma_ != t.lower_ and t.lower_.endswith(("ing", "ed")) for t in doc):
            lemma.add(cue, [doc])

    def raw_matches(doc: Any, ranges: Any) -> list[Any]:
        return [lower(doc), lemma(doc) if len(lemma) else [],
                list(matcher.patterns(doc, ranges))]

    reference = copy.copy(matcher)
    reference.raw_matches = raw_matches
    return reference


def compare_phrases(folders: list[Path], codebooks: list[Path]) -> bool:
    """The matcher against :func:`phrase_reference` on every text file of ``folders``."""
    from qualcode import nlp
    from qualcode.codebook import load_codebook
    from qualcode.nlp.hits import VIAS, doc_hits

    same = True
    for codebook in codebooks:
        codes = [c for c in load_codebook(codebook).codes if c.kind == "code"]
        began = time.perf_counter()
        matcher = nlp.CueMatcher(codes)
        built = time.perf_counter() - began
        reference = phrase_reference(matcher)
        for folder in folders:
            files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md", ".vtt", ".srt"))
            texts = [p.read_text(encoding="utf-8") for p in files]
            counts, differ = [0, 0], 0
            for path, doc in zip(files, nlp.tokenise(texts), strict=True):
                found = []
                for side, which in enumerate((matcher, reference)):
                    raw = [sorted(m) for m in which.raw_matches(doc, [(0, len(doc))])]
                    hits = doc_hits(doc, [(0, len(doc.text))], which)
                    rows = {(path.name, s, e, hits.table.keys[k], VIAS[v]) for k, v, s, e in zip(
                        hits.key.tolist(), hits.via.tolist(), hits.start.tolist(),
                        hits.end.tolist(), strict=True)}
                    counts[side] += len(rows)
                    found.append((raw, rows))
                if found[0] != found[1]:
                    differ += 1
                    print(f"  {path}: only arrays {sorted(found[0][1] - found[1][1])[:5]}, "
                          f"only PhraseMatcher {sorted(found[1][1] - found[0][1])[:5]}")
            same &= not differ
            print(f"{codebook.name} (built in {built:.2f} s) on {folder}: {len(files)} documents, "
                  f"{counts[0]} hits, {counts[1]} with PhraseMatcher: "
                  f"{'identical' if not differ else f'{differ} documents DIFFER'}")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=Path("/work/base"))
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--dump", nargs=2, metavar=("KIND", "OUT"))
    parser.add_argument("--engine", nargs=3, metavar=("ENGINE", "SPEC", "OUT"))
    parser.add_argument("--suggest", nargs=2, metavar=("PROJECT", "OUT"))
    parser.add_argument("--phrase", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--codebook", nargs="+", type=Path,
                        default=[ROOT / "codebooks" / "open-llm-collaboration.yaml"])
    args = parser.parse_args(argv)
    if args.phrase:
        return 0 if compare_phrases(args.phrase, args.codebook) else 1
    if args.suggest:
        codings, seconds = suggestions(Path(args.suggest[0]))
        Path(args.suggest[1]).write_text(json.dumps({"codings": codings, "seconds": seconds}),
                                         encoding="utf-8")
        return 0
    if args.dump:
        kind, out = args.dump
        spec = dump_units(kind, Path(out).parent, args.documents, args.base)
        Path(out).write_text(json.dumps(spec), encoding="utf-8")
        return 0
    if args.engine:
        engine, spec_path, out = args.engine
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        hits, seconds = engine_hits(spec, engine)
        Path(out).write_text(json.dumps({"hits": hits, "seconds": seconds}), encoding="utf-8")
        return 0
    with tempfile.TemporaryDirectory(prefix="qualcode-check-") as temp:
        results = []
        for kind in ("sample", "generated"):
            results.append(compare(kind, Path(temp), args.documents, args.base))
            results.append(compare_suggestions(kind, Path(temp), args.base))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

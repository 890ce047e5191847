"""How the generated corpus compares with the sample transcripts, for the tokenizer baseline.

    python benchmarks/calibrate.py [--documents 15] [--repeat 3]

Prints, for the sample's plain-text, Markdown and WebVTT transcripts and for generated
transcripts (benchmarks/corpus.py): words per second of spaCy's blank English tokenizer
(best of ``--repeat`` passes, after one warm-up pass), tokens per word, and the share of
tokens that are punctuation. The generated filler should tokenise at about the speed of
the sample's plain-text transcripts; a filler of bare words runs many times faster.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus


def throughput(nlp: object, texts: list[str], repeat: int) -> dict[str, float]:
    """Best words per second over ``repeat`` passes, tokens per word, punctuation share."""
    pipe = nlp.pipe  # type: ignore[attr-defined]
    words = sum(len(t.split()) for t in texts)
    docs = list(pipe(texts))
    tokens = sum(len(d) for d in docs)
    punct = sum(1 for d in docs for t in d if t.is_punct)
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for _doc in pipe(texts):
            pass
        best = min(best, time.perf_counter() - began)
    return {"words": words, "words_per_second": round(words / best),
            "tokens_per_word": round(tokens / words, 3), "punctuation": round(punct / tokens, 3)}


def main(argv: list[str] | None = None) -> None:
    import spacy

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=15, help="generated transcripts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    nlp = spacy.blank("en")
    sample = sorted(corpus.SAMPLE.iterdir())
    rows = []
    for suffix in (".txt", ".md", ".vtt"):
        texts = [p.read_text(encoding="utf-8") for p in sample if p.suffix == suffix]
        rows.append((f"sample {suffix} (x10)", throughput(nlp, texts * 10, args.repeat)))
    with tempfile.TemporaryDirectory() as folder:
        files = corpus.write_transcripts(Path(folder), args.documents)
        texts = [p.read_text(encoding="utf-8") for p in files]
    rows.append((f"generated ({args.documents} transcripts)", throughput(nlp, texts, args.repeat)))
    print("| texts | words | words/s | tokens/word | punctuation |")
    print("|---|---:|---:|---:|---:|")
    for label, row in rows:
        print(f"| {label} | {row['words']:,} | {row['words_per_second']:,} | "
              f"{row['tokens_per_word']} | {row['punctuation']} |")


if __name__ == "__main__":
    main()

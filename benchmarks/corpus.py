"""Deterministic synthetic corpora and codebooks for the benchmark.

Everything here is seeded: the same arguments always give byte-identical files, so two
runs of the benchmark time the same texts. The transcripts look like the sample ones
(``Interviewer:`` / ``Pnn:`` turns, sentences of varied length) and mix the codebook's
cue phrases into filler, with a little Unicode (accents, emoji, CJK) to keep the
tokenizer and the offset code honest.
"""

from __future__ import annotations

import csv
import random
from dataclasses import replace
from pathlib import Path

from qualcode.codebook import dump_codebook, load_codebook
from qualcode.models import Code, Codebook

ROOT = Path(__file__).resolve().parent.parent
BASE_CODEBOOK = ROOT / "codebooks" / "open-llm-collaboration.yaml"

FILLER_TEXT = (
    "so we had a lot of people on the team working on it and it took a while "
    "honestly I think the main thing was that we wanted to do it properly and "
    "you know there were many discussions about how to organise the work the "
    "group met every week and we talked about what came next in the project "
    "it was a good time but also a busy one because everything moved very fast "
    "and then later we changed the plan a bit after talking to other people "
    "I remember one meeting where everyone agreed that the first version was "
    "not quite right so we went back and looked at the numbers again carefully"
)
FILLER = tuple(FILLER_TEXT.split())
UNICODE = ("café", "naïve", "Zürich", "São Paulo", "résumé", "🙂", "👍", "数据", "模型",
           "東京", "Ελλάδα", "coöperation", "Kraków", "—")
QUESTIONS = (
    "Could you tell me how the project started?",
    "How is the work organised day to day?",
    "What made collaboration hard, if anything?",
    "Who else contributed, and how did they get involved?",
    "Why did you decide to release the weights?",
    "What would you do differently next time?",
)


def cue_phrases(codebook: Codebook) -> list[str]:
    """Every cue of every code, in codebook order."""
    return [cue for code in codebook.codes if code.kind == "code" for cue in code.cues]


def _sentence(rng: random.Random, cues: list[str]) -> str:
    length = max(3, int(rng.lognormvariate(2.6, 0.5)))  # mostly 8-25 words, a few long ones
    words = [rng.choice(FILLER) for _ in range(length)]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(cues))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words) + 1), rng.choice(UNICODE))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice((".", ".", ".", "?", "!"))


def transcript(rng: random.Random, cues: list[str], words: int, participants: int = 2) -> str:
    """One interview of about ``words`` words (speaker labels included)."""
    lines: list[str] = []
    count = 0
    while count < words:
        question = rng.choice(QUESTIONS)
        lines.append(f"Interviewer: {question}")
        speaker = f"P{rng.randint(1, participants):02d}"
        answer = " ".join(_sentence(rng, cues) for _ in range(rng.randint(2, 9)))
        lines.append(f"{speaker}: {answer}")
        count += len(question.split()) + len(answer.split()) + 2
    return "\n\n".join(lines) + "\n"


def write_transcripts(folder: Path, count: int, *, words: int = 5000, seed: int = 7,
                      codebook: Path = BASE_CODEBOOK) -> list[Path]:
    """Write ``count`` transcripts into ``folder`` (``interview-0001.txt`` ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    cues = cue_phrases(load_codebook(codebook))
    written = []
    for number in range(1, count + 1):
        rng = random.Random(f"{seed}-{number}")
        path = folder / f"interview-{number:04d}.txt"
        path.write_text(transcript(rng, cues, words), encoding="utf-8")
        written.append(path)
    return written


def write_survey(path: Path, answers: int = 20_000, *, seed: int = 7,
                 codebook: Path = BASE_CODEBOOK) -> Path:
    """A survey export: one CSV row per short open-ended answer (columns id, answer)."""
    cues = cue_phrases(load_codebook(codebook))
    rng = random.Random(f"{seed}-survey")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "answer"])
        for number in range(1, answers + 1):
            text = " ".join(_sentence(rng, cues) for _ in range(rng.randint(1, 4)))
            writer.writerow([f"R{number:05d}", text])
    return path


def _clone(code: Code, copy: int, rng: random.Random, vocabulary: list[str]) -> Code:
    """A new code beside ``code``: a fresh id, and cues half kept, half new phrases."""
    kept = [cue for cue in code.cues if rng.random() < 0.5]
    fresh = [f"{rng.choice(vocabulary)} {rng.choice(FILLER)} {copy}x{index}"
             for index in range(max(3, len(code.cues) - len(kept)))]
    return replace(code, id=f"{code.id}-v{copy}", name=f"{code.name} (variant {copy})",
                   cues=tuple(dict.fromkeys(kept + fresh)), patterns=(), line=None)


def large_codebook(codes: int = 600, *, seed: int = 7, base: Path = BASE_CODEBOOK) -> Codebook:
    """The base codebook plus clones of its codes until it has about ``codes`` codes.

    Stage codes are not cloned (other codes point at them); clones keep their category,
    parent and stage, so the result loads like the original.
    """
    book = load_codebook(base)
    rng = random.Random(f"{seed}-codebook")
    originals = [c for c in book.codes if c.kind == "code" and c.category != "stage"]
    vocabulary = sorted({word for c in originals for cue in c.cues for word in cue.split()})
    have = sum(1 for c in book.codes if c.kind == "code")
    extra: list[Code] = []
    copy = 1
    while have + len(extra) < codes:
        for code in originals:
            if have + len(extra) >= codes:
                break
            extra.append(_clone(code, copy, rng, vocabulary))
        copy += 1
    return replace(book, name=f"{book.name} (benchmark, {codes} codes)", codes=(*book.codes, *extra))


def write_codebook(path: Path, codebook: Codebook) -> Path:
    """Write a codebook (say, from :func:`large_codebook`) as a YAML codebook file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_codebook(codebook), encoding="utf-8")
    return path


def code_cues(codebook: Codebook) -> dict[str, list[str]]:
    """Each code's cues in lower case: what the naive baseline searches for."""
    return {c.id: [cue.lower() for cue in c.cues] for c in codebook.codes if c.kind == "code"}

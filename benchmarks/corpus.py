"""Deterministic synthetic corpora and codebooks for the benchmark.

Everything here is seeded: the same arguments always give byte-identical files, so two
runs of the benchmark time the same texts. The transcripts look like the sample ones
(``Interviewer:`` / ``Pnn:`` turns, sentences of varied length) and mix the codebook's
cue phrases into speech-like filler, with a little Unicode (accents, emoji, CJK) to keep
the tokenizer and the offset code honest.

The filler is drawn from word bigrams of the participants' turns in the shipped sample
transcripts, so it has the punctuation, contractions, numbers and vocabulary of real
answers. That matters for the tokenizer baseline: spaCy's tokenizer caches whole
whitespace-delimited chunks, but not those it splits at punctuation, so on a filler of
bare lower-case words it runs about ten times faster than on real speech, and every
ratio against it would compare with a speed no real transcript allows.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from qualcode.codebook import dump_codebook, load_codebook
from qualcode.models import Code, Codebook

ROOT = Path(__file__).resolve().parent.parent
BASE_CODEBOOK = ROOT / "codebooks" / "open-llm-collaboration.yaml"
SAMPLE = ROOT / "transcripts_sample"
ENDS = (".", "?", "!", '."', '?"', '!"', ".)")
LONGEST = 60  # words: a sentence the chain has not ended by then is ended

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


@dataclass(frozen=True)
class Chain:
    """Word bigrams: the words that follow each word, and the words that open a sentence
    (each as often as in the texts it was learned from, in text order)."""

    follows: dict[str, tuple[str, ...]]
    openers: tuple[str, ...]

    def sentence(self, rng: random.Random) -> list[str]:
        """Words from an opener until a word that ends a sentence (or ``LONGEST`` words)."""
        words = [rng.choice(self.openers)]
        while not words[-1].endswith(ENDS) and len(words) < LONGEST:
            words.append(rng.choice(self.follows.get(words[-1]) or self.openers))
        if not words[-1].endswith(ENDS):
            words[-1] = words[-1].rstrip(",;:—-") + "."
        return words


@lru_cache(maxsize=1)
def speech(folder: Path = SAMPLE) -> Chain:
    """The word bigrams of the participants' turns in the transcripts of ``folder``."""
    from qualcode.ingest import SUFFIXES, read_documents

    follows: dict[str, list[str]] = {}
    openers: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES or path.suffix.lower() in (".csv", ".xlsx"):
            continue
        for doc in read_documents(path):
            for turn in doc.turns:
                if turn.role != "participant":
                    continue
                words = doc.text[turn.start:turn.end].split()
                for i, word in enumerate(words):
                    if i == 0 or words[i - 1].endswith(ENDS):
                        openers.append(word)
                    if i + 1 < len(words) and not word.endswith(ENDS):
                        follows.setdefault(word, []).append(words[i + 1])
    return Chain({w: tuple(n) for w, n in follows.items()}, tuple(openers))


def _sentence(rng: random.Random, cues: list[str]) -> str:
    words = speech().sentence(rng)
    for _ in range(rng.choice((0, 0, 0, 1))):
        words.insert(rng.randrange(len(words)), rng.choice(cues))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(UNICODE))
    return " ".join(words)


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


def _clone(code: Code, copy: int, rng: random.Random, vocabulary: list[str],
           shared: float = 0.5) -> Code:
    """A new code beside ``code``: a fresh id, and cues kept with chance ``shared`` (half,
    by default), the rest new phrases the generated transcripts never hold."""
    kept = [cue for cue in code.cues if rng.random() < shared]
    fresh = [f"{rng.choice(vocabulary)} {rng.choice(FILLER)} {copy}x{index}"
             for index in range(max(3, len(code.cues) - len(kept)))]
    return replace(code, id=f"{code.id}-v{copy}", name=f"{code.name} (variant {copy})",
                   cues=tuple(dict.fromkeys(kept + fresh)), patterns=(), line=None)


def large_codebook(codes: int = 600, *, seed: int = 7, base: Path = BASE_CODEBOOK,
                   shared: float = 0.5) -> Codebook:
    """The base codebook plus clones of its codes until it has about ``codes`` codes.

    With ``shared`` 0.5 each clone keeps about half its original's cues, so a cue in the
    text is evidence for several codes and the suggestions nearly quadruple; with 0 the
    clones have cues of their own that the text never holds, which measures what the size
    of the codebook alone costs.

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
            extra.append(_clone(code, copy, rng, vocabulary, shared))
        copy += 1
    name = f"{book.name} (benchmark, {codes} codes{', cues of their own' if not shared else ''})"
    return replace(book, name=name, codes=(*book.codes, *extra))


def write_codebook(path: Path, codebook: Codebook) -> Path:
    """Write a codebook (say, from :func:`large_codebook`) as a YAML codebook file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_codebook(codebook), encoding="utf-8")
    return path


def code_cues(codebook: Codebook) -> dict[str, list[str]]:
    """Each code's cues in lower case: what the naive baseline searches for."""
    return {c.id: [cue.lower() for cue in c.cues] for c in codebook.codes if c.kind == "code"}

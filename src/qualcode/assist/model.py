"""The learned part: a spaCy ``textcat_multilabel`` trained from scratch on accepted codings.

What the classifier sees of a unit (its "words"):

- the lemmas of the unit, lower-cased, in order (the bag-of-words model adds bigrams);
- one token per code whose cues fire in the unit (``cue:<code>``), and a second one when
  the cue evidence is strong (``cue+:<code>``), so the model learns which cues this coder
  trusts;
- the content lemmas of the question the unit answers (``q:<lemma>``) and the categories
  its cues point to (``qcat:<category>``): questions frame answers.

It predicts every code the coder used, and every category (``category:<id>``: the unit has
some code of it), which gives the combination a steadier signal for rare codes. Packed with
the classifier are the code profiles of :mod:`qualcode.assist.profiles`, and the
predictions include a unit's similarity to them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from qualcode import nlp
from qualcode.assist import profiles
from qualcode.assist.analysis import Analysis
from qualcode.errors import UserError

CATEGORY = "category:"
CUE_FLOOR = 0.2  # cue score that adds a cue:<code> token
CUE_STRONG = 0.5  # ... and a cue+:<code> token
ASKED_FLOOR = 0.3  # cue score in the question that adds a qcat:<category> token


@dataclass(frozen=True)
class TextcatParams:
    """Training settings of the classifier (stored with it)."""

    ngram_size: int = 2
    length: int = 2**14
    epochs: int = 10
    learn_rate: float = 0.01
    dropout: float = 0.1
    batch_size: int = 32
    seed: int = 0
    bags: int = 3  # models trained with different shuffles, their probabilities averaged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unit_words(analysis: Analysis, index: int, categories: Mapping[str, str]) -> list[str]:
    """What the classifier reads for unit ``index`` (see the module docstring)."""
    item = analysis.analysed[index]
    words = [lemma for lemma, brk in zip(item.lemmas, item.breaks, strict=True)
             if not brk and lemma.strip()]
    for code, found in sorted(analysis.cues[index].items()):
        if found.score >= CUE_FLOOR:
            words.append(f"cue:{code}")
        if found.score >= CUE_STRONG:
            words.append(f"cue+:{code}")
    words.extend(f"q:{lemma}" for lemma in analysis.question_lemmas(index))
    asked = {categories.get(code, "") for code, s in analysis.asked[index].items()
             if s >= ASKED_FLOOR}
    words.extend(f"qcat:{category}" for category in sorted(asked) if category)
    return words


def unit_labels(codes: set[str], categories: Mapping[str, str]) -> set[str]:
    """A unit's codes and the categories they belong to."""
    return codes | {CATEGORY + categories[c] for c in codes if c in categories}


def label_set(positives: Sequence[set[str]], categories: Mapping[str, str]) -> list[str]:
    """Every label with at least one positive unit, sorted."""
    found: set[str] = set()
    for codes in positives:
        found |= unit_labels(codes, categories)
    return sorted(found)


def train(
    analysis: Analysis,
    positives: Sequence[set[str]],
    labels: Sequence[str],
    categories: Mapping[str, str],
    params: TextcatParams,
) -> bytes:
    """Train the classifier (``params.bags`` models) on the units of ``analysis`` and build
    the code profiles; returns them packed into one string of bytes."""
    examples = [(unit_words(analysis, i, categories), sorted(unit_labels(positives[i], categories)))
                for i in range(len(analysis.units))]
    models = [nlp.train_textcat(examples, labels, ngram_size=params.ngram_size,
                                length=params.length, epochs=params.epochs,
                                dropout=params.dropout, batch_size=params.batch_size,
                                learn_rate=params.learn_rate, seed=params.seed + bag)
              for bag in range(params.bags)]
    return pack([*models, PROFILES + profiles.dumps(profiles.build(analysis, positives))])


def merge(trained: Sequence[bytes]) -> bytes:
    """Several trained classifiers as one, whose predictions are the mean of theirs."""
    return pack([part for data in trained for part in unpack(data)])


def predict(
    data: bytes,
    labels: Sequence[str],
    analysis: Analysis,
    categories: Mapping[str, str],
    params: TextcatParams,
) -> list[dict[str, float]]:
    """The probability of every label for each unit of ``analysis`` (the mean over the
    packed models), and the unit's and its question's similarity to each code's profile
    (``near:<code>``, ``asked:<code>``; the mean over the packed profiles)."""
    if not analysis.units:
        return []
    words = [unit_words(analysis, i, categories) for i in range(len(analysis.units))]
    textcats, scorers = _loaded(data, tuple(labels), params.ngram_size, params.length)
    keys = list(dict.fromkeys([*labels, *(key for s in scorers for key in s.labels)]))
    column = {key: j for j, key in enumerate(keys)}
    total = _mean_probabilities(textcats, words, column, len(keys))
    counts = profiles.lemma_counts(analysis) if scorers else ([], [])
    for scorer in scorers:  # classifiers stored before profiles existed have none
        total[:, [column[key] for key in scorer.labels]] += scorer.score(*counts) / len(scorers)
    return [dict(zip(keys, row, strict=True)) for row in total.tolist()]


_BATCH = 256  # units scored at once


def _mean_probabilities(textcats: Sequence[nlp.Textcat], words: Sequence[nlp.Words],
                        column: Mapping[str, int], width: int) -> Any:
    """The mean probability of every label over ``textcats`` (float64; a label's column is
    ``column[label]``, the other columns are 0.0)."""
    import numpy as np

    total = np.zeros((len(words), width))
    for start in range(0, len(words) if textcats else 0, _BATCH):
        # the models differ in their weights only: they read the same n-grams
        features = textcats[0].features(words[start : start + _BATCH])
        rows = slice(start, start + _BATCH)
        for textcat in textcats:
            probs = textcat.probabilities(features).astype(np.float64)
            total[rows, [column[label] for label in textcat.labels]] += probs / len(textcats)
    return total


@lru_cache(maxsize=2)
def _loaded(data: bytes, labels: tuple[str, ...], ngram_size: int, length: int
            ) -> tuple[list[nlp.Textcat], list[profiles.Scorer]]:
    """The packed classifiers and code profiles of ``data``, loaded once for all the
    documents a run predicts for, one at a time."""
    parts = unpack(data)
    textcats = [nlp.Textcat(part, list(labels), ngram_size=ngram_size, length=length)
                for part in parts if not part.startswith(PROFILES)]
    scorers = [profiles.Scorer(profiles.loads(part[len(PROFILES):]))
               for part in parts if part.startswith(PROFILES)]
    return textcats, scorers


_MAGIC = b"qualcode-textcat-1"
PROFILES = b"qualcode-profiles\x00"  # marks the packed part that holds code profiles


def pack(parts: Sequence[bytes]) -> bytes:
    """Several models in one compressed string of bytes (no pickle: a project may come
    from someone else, and loading must not run code)."""
    header = _MAGIC + struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(p))
                                                              for p in parts)
    return zlib.compress(header + b"".join(parts), 1)


def unpack(data: bytes) -> list[bytes]:
    """The models :func:`pack` packed."""
    raw = zlib.decompress(data)
    if not raw.startswith(_MAGIC):
        msg = "the stored classifier is not in a format this qualcode understands"
        raise UserError(msg, hint="train a new one with `qualcode learn`")
    offset = len(_MAGIC)
    (count,) = struct.unpack_from("<I", raw, offset)
    offset += 4
    sizes = struct.unpack_from(f"<{count}Q", raw, offset)
    offset += 8 * count
    parts = []
    for size in sizes:
        parts.append(raw[offset : offset + size])
        offset += size
    return parts

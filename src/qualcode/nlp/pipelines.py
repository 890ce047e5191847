"""spaCy pipelines with sentence boundaries, cached, and sentence splitting for ingest.

Nothing here downloads anything: the default pipeline is ``spacy.blank(lang)`` with a
rule-based sentencizer; a pretrained pipeline is used only when the user names one
that is installed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from qualcode.errors import UserError

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_LANG = "en"


@lru_cache(maxsize=8)
def pipeline(model: str | None = None, *, lang: str = DEFAULT_LANG) -> Language:
    """Return a cached pipeline with sentence boundaries.

    ``model=None`` gives ``spacy.blank(lang)`` plus a sentencizer. A model name loads an
    installed pretrained pipeline (nothing is downloaded); a sentencizer is added when the
    pipeline has no sentence boundaries of its own.
    """
    import spacy

    if model is None:
        nlp = spacy.blank(lang)
    else:
        try:
            nlp = spacy.load(model)
        except OSError as exc:
            msg = f"spaCy pipeline {model!r} is not installed"
            raise UserError(msg, hint="install it with pip, or leave out --spacy-model") from exc
    if not any(name in nlp.pipe_names for name in ("sentencizer", "parser", "senter")):
        nlp.add_pipe("sentencizer")
    return nlp


# components a pretrained pipeline needs for sentence boundaries; the rest is skipped
_SENTENCE_COMPONENTS = frozenset({"sentencizer", "senter", "parser", "tok2vec", "transformer"})


def sentence_spans(
    texts: Iterable[str], *, model: str | None = None, batch_size: int = 1000
) -> Iterator[list[tuple[int, int]]]:
    """Stream the ``(start, end)`` character spans of the sentences of each text.

    Texts go through ``nlp.pipe`` in batches, with every component that does not set
    sentence boundaries disabled, so a blank pipeline costs little more than its tokenizer.
    Spans are code-point offsets into each text; they may include surrounding whitespace.
    A text longer than the pipeline's ``max_length`` is cut at whitespace into pieces that
    are split separately.
    """
    nlp = pipeline(model)
    disabled = [name for name in nlp.pipe_names if name not in _SENTENCE_COMPONENTS]
    pieces: deque[tuple[int, bool]] = deque()  # (offset in its text, last piece of it)

    def feed() -> Iterator[str]:
        for text in texts:
            cuts = _cuts(text, nlp.max_length)
            for i, (start, end) in enumerate(cuts):
                pieces.append((start, i == len(cuts) - 1))
                yield text[start:end]

    spans: list[tuple[int, int]] = []
    for doc in nlp.pipe(feed(), batch_size=batch_size, disable=disabled):
        offset, last = pieces.popleft()
        spans.extend((offset + s.start_char, offset + s.end_char) for s in doc.sents)
        if last:
            yield spans
            spans = []


def _cuts(text: str, limit: int) -> list[tuple[int, int]]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at whitespace when possible."""
    cuts: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        space = max(text.rfind(" ", start, start + limit), text.rfind("\n", start, start + limit))
        end = space + 1 if space > start else start + limit
        cuts.append((start, end))
        start = end
    cuts.append((start, len(text)))
    return cuts

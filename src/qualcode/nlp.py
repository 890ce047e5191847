"""The only module that imports spaCy: lazy, cached pipelines and pattern checks.

Nothing here downloads anything: the default pipeline is ``spacy.blank(lang)`` with a
rule-based sentencizer; a pretrained pipeline is used only when the user names one
that is installed.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qualcode.errors import UserError
from qualcode.models import Code

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


@lru_cache(maxsize=1)
def _pattern_vocab() -> Any:
    import spacy

    return spacy.blank(DEFAULT_LANG).vocab


def check_token_pattern(pattern: object) -> list[str]:
    """Return the problems spaCy's ``Matcher`` finds in one token pattern (empty if valid)."""
    from spacy.matcher import Matcher

    if not isinstance(pattern, list) or not pattern:
        return ["a token pattern must be a non-empty list of token attribute mappings"]
    if not all(isinstance(token, dict) for token in pattern):
        return ["each token of a pattern must be a mapping such as {LOWER: data}"]
    matcher = Matcher(_pattern_vocab(), validate=True)
    try:
        matcher.add("check", [pattern])
    except (ValueError, KeyError, TypeError) as exc:
        text = " ".join(str(exc).split())
        return [text[:300]]
    return []


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


# ---------------------------------------------------------------------------------------
# Lemmas and cue matching (assisted tagging)


@dataclass(frozen=True)
class CueHit:
    """One match of a cue or token pattern: tokens ``[start, end)`` of an analysed text."""

    codes: tuple[str, ...]
    key: str  # the cue, or "<code>#<n>" for the n-th token pattern of a code
    cue: str  # the cue, or "pattern <n>"
    via: str  # "lower" (the words as written), "lemma", or "pattern"
    start: int
    end: int


@dataclass(frozen=True)
class Analysed:
    """A text as the cue matcher saw it: lower-case words, lemmas, offsets, and the hits."""

    text: str
    words: tuple[str, ...]
    lemmas: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    breaks: tuple[bool, ...]  # punctuation or a line break: where a clause may end
    stops: tuple[bool, ...]  # stop words ("the", "we", "of")
    hits: tuple[CueHit, ...]


_LEMMA_CASE = "qualcode_lemma_case"


@lru_cache(maxsize=2)
def lemma_pipeline(lang: str = DEFAULT_LANG) -> Language:
    """``spacy.blank(lang)`` with the lookup lemmatizer of spacy-lookups-data (no download).

    Lemmas are lower-cased, and a capitalised word the lookup table does not know is looked
    up again in lower case, so a sentence-initial "Models" has the lemma "model".
    """
    import spacy
    from spacy.language import Language

    if not Language.has_factory(_LEMMA_CASE):
        Language.factory(_LEMMA_CASE, func=_lemma_case_factory)
    nlp = spacy.blank(lang)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe(_LEMMA_CASE)
    nlp.initialize()
    return nlp


def _lemma_case_factory(nlp: Language, name: str) -> Callable[[Any], Any]:
    def lower_lemmas(doc: Any) -> Any:
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        table = lemmatizer.lookups.get_table("lemma_lookup")
        for token in doc:
            lemma = token.lemma_
            if lemma == token.text and token.text != token.lower_:
                lemma = table.get(token.lower_, token.lower_)
            token.lemma_ = lemma.lower()
        return doc

    return lower_lemmas


class CueMatcher:
    """Every cue and token pattern of a codebook in three spaCy matchers.

    One ``PhraseMatcher`` on lower-case words and one on lemmas hold each distinct cue once
    (its match id maps to the codes that list it), and one ``Matcher`` holds the token
    patterns, so matching costs about the same for 60 codes or 600.
    """

    def __init__(self, codes: Sequence[Code]) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        nlp = lemma_pipeline()
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = Matcher(nlp.vocab)
        self.codes: dict[str, tuple[str, ...]] = {}  # match key -> codes
        self.cues: dict[str, str] = {}  # match key -> the cue as written
        by_cue: dict[str, list[str]] = {}
        for code in codes:
            for cue in code.cues:
                text = " ".join(cue.lower().split())
                if text and code.id not in by_cue.setdefault(text, []):
                    by_cue[text].append(code.id)
            for index, pattern in enumerate(code.patterns, start=1):
                key = f"{code.id}#{index}"
                self.patterns.add(key, [pattern])
                self.codes[key], self.cues[key] = (code.id,), f"pattern {index}"
        cues = sorted(by_cue)
        for cue, doc in zip(cues, nlp.pipe(cues), strict=True):
            self.lower.add(cue, [doc])
            if not any(_fixed_form(token) for token in doc):
                self.lemma.add(cue, [doc])
            self.codes[cue], self.cues[cue] = tuple(by_cue[cue]), cue

    def hits(self, doc: Any) -> list[CueHit]:
        """The hits in one processed doc. A lemma match that repeats a word match is dropped,
        and so is a match that runs across the end of a sentence or a line."""
        strings = doc.vocab.strings
        found: dict[tuple[str, int, int], CueHit] = {}
        for via, matcher in (("lower", self.lower), ("lemma", self.lemma),
                             ("pattern", self.patterns)):
            if not len(matcher):
                continue  # an empty matcher warns on every call
            for match_id, start, end in matcher(doc):
                key = strings[match_id]
                if any(_hard_break(doc[i].text) for i in range(start, end)):
                    continue
                if (key, start, end) not in found:
                    found[(key, start, end)] = CueHit(self.codes[key], key, self.cues[key], via,
                                                      start, end)
        return sorted(found.values(), key=lambda h: (h.start, h.end, h.cue))


def _fixed_form(token: Any) -> bool:
    """A cue word written as a verb form ("coding", "released") is meant as written: its
    lemma ("code", "release") would match far more than the researcher asked for."""
    return bool(token.lemma_ != token.lower_ and token.lower_.endswith(("ing", "ed")))


_MATCHERS: dict[str, CueMatcher] = {}
_SENTENCE_ENDS = frozenset(".!?;")


def _hard_break(text: str) -> bool:
    return "\n" in text or (bool(text) and set(text) <= _SENTENCE_ENDS)


def cue_matcher(codes: Sequence[Code]) -> CueMatcher:
    """A :class:`CueMatcher` for these codes' cues and patterns, cached by their content."""
    spec = json.dumps([[c.id, list(c.cues), list(c.patterns)] for c in codes], sort_keys=True)
    if spec not in _MATCHERS:
        if len(_MATCHERS) >= 4:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        _MATCHERS[spec] = CueMatcher(codes)
    return _MATCHERS[spec]


def analyse(texts: Iterable[str], matcher: CueMatcher, *, batch_size: int = 256) -> Iterator[Analysed]:
    """Tokenise and lemmatise ``texts`` (``nlp.pipe``) and find the cues in each."""
    nlp = lemma_pipeline()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield Analysed(
            text=doc.text,
            words=tuple(t.lower_ for t in doc),
            lemmas=tuple(t.lemma_ for t in doc),
            starts=tuple(t.idx for t in doc),
            ends=tuple(t.idx + len(t.text) for t in doc),
            breaks=tuple(t.is_punct or "\n" in t.text for t in doc),
            stops=tuple(t.is_stop for t in doc),
            hits=tuple(matcher.hits(doc)),
        )


# ---------------------------------------------------------------------------------------
# A multi-label text classifier trained from scratch (assisted tagging)

Words = Sequence[str]


def textcat_model(ngram_size: int, length: int) -> dict[str, Any]:
    """The classifier's architecture: a bag of words and n-grams (fast on a CPU, no vectors)
    hashed into ``length`` rows of weights per label."""
    return {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
            "ngram_size": ngram_size, "no_output_layer": False, "length": length}


def _textcat_pipeline(labels: Sequence[str], ngram_size: int, length: int) -> Language:
    import spacy

    # units arrive as words, so the tokenizer is never used: the multi-language blank
    # pipeline has the lightest one
    nlp = spacy.blank("xx")
    model = textcat_model(ngram_size, length)
    textcat: Any = nlp.add_pipe("textcat_multilabel", config={"model": model})
    for label in labels:
        textcat.add_label(label)
    return nlp


def train_textcat(
    examples: Sequence[tuple[Words, Sequence[str]]],
    labels: Sequence[str],
    *,
    ngram_size: int = 2,
    length: int = 2**14,
    epochs: int = 12,
    dropout: float = 0.1,
    batch_size: int = 16,
    learn_rate: float = 0.01,
    l2: float = 1e-6,
    seed: int = 0,
) -> bytes:
    """Train a ``textcat_multilabel`` on pre-tokenised units and return ``nlp.to_bytes()``.

    ``examples`` are ``(words, positive labels)``; every other label is negative. The seed
    fixes the initial weights and the shuffling, so the same data gives the same model.
    """
    import random

    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import minibatch
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(seed)
    nlp = _textcat_pipeline(labels, ngram_size, length)
    data = [
        Example.from_dict(Doc(nlp.vocab, words=list(words)),
                          {"cats": {label: float(label in positive) for label in labels}})
        for words, positive in examples
    ]
    nlp.initialize(lambda: data)
    optimizer = Adam(learn_rate, L2=l2)
    textcat: Any = nlp.get_pipe("textcat_multilabel")
    order = random.Random(seed)
    for _ in range(epochs):
        order.shuffle(data)
        for batch in minibatch(data, size=batch_size):  # type: ignore[no-untyped-call]
            # the component's own update: nlp.update would copy every example each time
            textcat.update(batch, sgd=optimizer, drop=dropout)
    # the running average of the weights generalises better than their last value
    with nlp.use_params(optimizer.averages):
        result: bytes = nlp.to_bytes()
    return result


class Textcat:
    """A trained classifier loaded from ``nlp.to_bytes()`` data."""

    def __init__(self, data: bytes, labels: Sequence[str], *, ngram_size: int, length: int) -> None:
        self.nlp = _textcat_pipeline(labels, ngram_size, length)
        self.nlp.from_bytes(data)

    def scores(self, units: Iterable[Words], *, batch_size: int = 256) -> Iterator[dict[str, float]]:
        """The probability of every label for each unit."""
        from spacy.tokens import Doc

        textcat: Any = self.nlp.get_pipe("textcat_multilabel")
        docs = (Doc(self.nlp.vocab, words=list(words) or ["-"]) for words in units)
        for doc in textcat.pipe(docs, batch_size=batch_size):
            yield {label: float(value) for label, value in doc.cats.items()}


# ---------------------------------------------------------------------------------------
# Named entities (check-privacy): only with a pretrained pipeline the user installed

_NER_COMPONENTS = frozenset({"ner", "tok2vec", "transformer"})


def installed_ner_pipeline() -> str | None:
    """Name of an installed pretrained spaCy pipeline that finds named entities, if any.

    Nothing is downloaded: ``*_core_*`` packages (which have an entity recogniser) are
    preferred among the installed ones.
    """
    import spacy.util

    names = sorted(spacy.util.get_installed_models())
    core = [name for name in names if "_core_" in name]
    found = core or names
    return found[0] if found else None


def entity_spans(
    texts: Iterable[str], *, model: str, batch_size: int = 64
) -> Iterator[list[tuple[int, int, str]]]:
    """``(start, end, label)`` of the named entities of each text (code-point offsets)."""
    nlp = pipeline(model)
    if "ner" not in nlp.pipe_names:
        msg = f"spaCy pipeline {model!r} has no entity recogniser"
        raise UserError(msg, hint="choose another one with --spacy-model")
    disabled = [name for name in nlp.pipe_names if name not in _NER_COMPONENTS]
    for doc in nlp.pipe(texts, batch_size=batch_size, disable=disabled):
        yield [(ent.start_char, ent.end_char, str(ent.label_)) for ent in doc.ents]

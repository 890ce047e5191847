"""Lemmas and cue matching for assisted tagging: phrase cues and token patterns.

A text is tokenised once (a whole document, or its units joined by spaces), lemmas are set
from the lookup table through the doc's arrays (one table look-up per distinct word, not
per token), and three matchers run over the doc: a ``PhraseMatcher`` on lower-case words,
one on lemmas, and the token patterns (see :mod:`qualcode.nlp.patterns`). Hits are then
cut to the units they fall in; a hit across a unit boundary is dropped, as is one across
the end of a sentence or a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from qualcode.models import Code
from qualcode.nlp.patterns import PatternIndex
from qualcode.nlp.pipelines import DEFAULT_LANG
from qualcode.nlp.units import Columns, drop_breaks, token_ranges

if TYPE_CHECKING:
    from spacy.language import Language


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


class CueHit(NamedTuple):
    """One match of a cue or token pattern: tokens ``[start, end)`` of an analysed text.

    A named tuple, not a dataclass: a corpus has hundreds of thousands of hits, and a
    tuple is several times cheaper to make.
    """

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


_SHORT = 64  # tokens


class Lemmatiser:
    """The lemmas of :func:`lemma_pipeline`, set through the doc's arrays.

    Exactly the pipeline's rule (the lookup table, then the lower-case retry for a
    capitalised word the table returns unchanged, then lower-casing), worked out once per
    distinct word and cached by its hash. A doc of another vocabulary (made by another
    pipeline) gets the same lemmas, added to its own strings, without the cache.
    """

    def __init__(self, nlp: Language) -> None:
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        self.table = lemmatizer.lookups.get_table("lemma_lookup")
        self.strings = nlp.vocab.strings
        self.cache: dict[int, int] = {}

    def lemma(self, text: str) -> str:
        """The lemma of one word."""
        lemma = self.table.get(text, text)
        if lemma == text and text != text.lower():
            lemma = self.table.get(text.lower(), text.lower())
        return str(lemma).lower()

    def _hash(self, orth: int) -> int:
        found = self.strings.add(self.lemma(self.strings[orth]))
        self.cache[orth] = found
        return int(found)

    def _hashes(self, doc: Any, orths: list[int]) -> Any:
        import numpy as np

        cache, strings = self.cache, doc.vocab.strings
        if strings is self.strings:
            found = [cache[o] if o in cache else self._hash(o) for o in orths]
        else:
            found = [strings.add(self.lemma(strings[o])) for o in orths]
        return np.array(found, dtype=np.uint64)

    def __call__(self, doc: Any) -> Any:
        """Set the lemma of every token of ``doc``; returns the doc."""
        import numpy as np
        from spacy.attrs import LEMMA, ORTH

        if not len(doc):
            return doc
        if len(doc) <= _SHORT:  # a cue or a short answer: sorting costs more than it saves
            doc.from_array([LEMMA], self._hashes(doc, doc.to_array(ORTH).tolist()))
            return doc
        distinct, inverse = np.unique(doc.to_array(ORTH), return_inverse=True)
        lemmas = self._hashes(doc, distinct.tolist())
        doc.from_array([LEMMA], lemmas[inverse.reshape(-1)])
        return doc


@lru_cache(maxsize=1)
def lemmatiser() -> Lemmatiser:
    """The cached :class:`Lemmatiser` of :func:`lemma_pipeline` (its default language)."""
    return Lemmatiser(lemma_pipeline())


def tokenise(texts: Iterable[str], *, batch_size: int = 64) -> Iterator[Any]:
    """Docs with lemmas for ``texts``: the tokenizer of :func:`lemma_pipeline`, then
    :class:`Lemmatiser` (the same lemmas as running the pipeline, much faster)."""
    tokenizer: Any = lemma_pipeline().tokenizer
    lemmas = lemmatiser()
    for doc in tokenizer.pipe(texts, batch_size=batch_size):
        yield lemmas(doc)


class CueMatcher:
    """Every cue and token pattern of a codebook in spaCy matchers.

    One ``PhraseMatcher`` on lower-case words and one on lemmas hold each distinct cue once
    (its match id maps to the codes that list it); the token patterns are in a
    :class:`~qualcode.nlp.patterns.PatternIndex`. Matching costs about the same for 60
    codes or 600.
    """

    def __init__(self, codes: Sequence[Code]) -> None:
        from spacy.matcher import PhraseMatcher

        nlp = lemma_pipeline()
        self.strings = nlp.vocab.strings
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.patterns = PatternIndex(nlp.vocab)
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
                self.patterns.add(key, pattern)
                self.codes[key], self.cues[key] = (code.id,), f"pattern {index}"
        cues = sorted(by_cue)
        for cue, doc in zip(cues, tokenise(cues), strict=True):
            self.lower.add(cue, [doc])
            if not any(_fixed_form(token) for token in doc):
                self.lemma.add(cue, [doc])
            self.codes[cue], self.cues[cue] = tuple(by_cue[cue]), cue

    def matches(self, doc: Any, ranges: Sequence[tuple[int, int]]) -> list[tuple[str, str, int, int]]:
        """``(key, via, start, end)`` of the hits inside the token ``ranges`` of ``doc``
        (sorted, not overlapping); a lemma match that repeats a word match is dropped."""
        strings = self.strings  # the keys are the matchers' strings, not the doc's
        found: dict[tuple[str, int, int], str] = {}
        for via, matcher in (("lower", self.lower), ("lemma", self.lemma)):
            if len(matcher):  # an empty matcher warns on every call
                for match_id, start, end in matcher(doc):
                    found.setdefault((strings[match_id], start, end), via)
        for match_id, start, end in self.patterns(doc, ranges):
            found.setdefault((strings[match_id], start, end), "pattern")
        return [(key, via, start, end) for (key, start, end), via in found.items()]

    def hits(self, doc: Any) -> list[CueHit]:
        """The hits in one doc (with lemmas) taken as a single unit."""
        return match_doc(doc, [(0, len(doc.text))], self)[0].hits


def _fixed_form(token: Any) -> bool:
    """A cue word written as a verb form ("coding", "released") is meant as written: its
    lemma ("code", "release") would match far more than the researcher asked for."""
    return bool(token.lemma_ != token.lower_ and token.lower_.endswith(("ing", "ed")))


_MATCHERS: dict[str, CueMatcher] = {}


def cue_matcher(codes: Sequence[Code]) -> CueMatcher:
    """A :class:`CueMatcher` for these codes' cues and patterns, cached by their content."""
    spec = json.dumps([[c.id, list(c.cues), list(c.patterns)] for c in codes], sort_keys=True)
    if spec not in _MATCHERS:
        if len(_MATCHERS) >= 4:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        _MATCHERS[spec] = CueMatcher(codes)
    return _MATCHERS[spec]


@dataclass(frozen=True)
class UnitHits:
    """The hits of one unit: tokens ``[start, end)`` and characters ``chars`` of ``doc``
    (the doc of its document, or of the unit alone). Hit offsets count from the unit's
    first token."""

    doc: Any
    start: int
    end: int
    chars: tuple[int, int]
    text: str  # the unit's text, ``doc.text[chars[0]:chars[1]]``
    hits: list[CueHit]
    columns: Columns  # shared by the units of one doc


def match_doc(doc: Any, spans: Sequence[tuple[int, int]], matcher: CueMatcher, *,
              text: str | None = None) -> list[UnitHits]:
    """The hits in each unit of ``doc`` (a doc with lemmas, from anywhere).

    ``spans`` are the units' ``[start, end)`` character offsets in ``doc.text``, in text
    order, not overlapping. A unit must begin and end at whitespace (or the text's ends)
    to be read from ``doc``: it is then tokenised exactly as on its own. Any other unit is
    tokenised on its own. Hits across a unit boundary, a sentence end or a line break are
    dropped. ``text`` is ``doc.text`` if the caller has it (spaCy joins the tokens' texts
    again on every access).
    """
    text = doc.text if text is None else text
    columns = Columns(doc)
    ranges = token_ranges(doc, spans, text)
    inside = [r for r in ranges if r is not None]
    found = drop_breaks(doc, matcher.matches(doc, inside), inside)
    units: list[UnitHits] = []
    for (start_char, end_char), tokens, items in zip(spans, ranges, _per_range(found, ranges),
                                                     strict=True):
        if tokens is None:
            alone = next(tokenise([text[start_char:end_char]]))
            units.append(match_doc(alone, [(0, end_char - start_char)], matcher,
                                   text=text[start_char:end_char])[0])
            continue
        hits = [CueHit(matcher.codes[k], k, matcher.cues[k], via, s - tokens[0], e - tokens[0])
                for k, via, s, e in items]
        hits.sort(key=lambda h: (h.start, h.end, h.cue))
        units.append(UnitHits(doc, tokens[0], tokens[1], (start_char, end_char),
                              text[start_char:end_char], hits, columns))
    return units


def _per_range(found: Sequence[tuple[str, str, int, int]],
               ranges: Sequence[tuple[int, int] | None]) -> list[list[tuple[str, str, int, int]]]:
    from bisect import bisect_right

    known = [i for i, r in enumerate(ranges) if r is not None]
    starts = [ranges[i][0] for i in known]  # type: ignore[index]
    grouped: list[list[tuple[str, str, int, int]]] = [[] for _ in ranges]
    for item in found:
        which = bisect_right(starts, item[2]) - 1
        if which >= 0 and item[3] <= ranges[known[which]][1]:  # type: ignore[index]
            grouped[known[which]].append(item)
    return grouped


def analyse(texts: Iterable[str], matcher: CueMatcher, *, batch_size: int = 256) -> Iterator[Analysed]:
    """Tokenise and lemmatise each of ``texts`` and find the cues in it (each text is one unit)."""
    from qualcode.nlp.units import analysed

    for doc in tokenise(texts, batch_size=batch_size):
        yield analysed(match_doc(doc, [(0, len(doc.text))], matcher)[0])

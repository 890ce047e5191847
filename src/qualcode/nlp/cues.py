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
from qualcode.nlp.hits import VIAS, KeyTable, doc_hits
from qualcode.nlp.ngrams import PhraseIndex
from qualcode.nlp.patterns import PatternIndex
from qualcode.nlp.pipelines import DEFAULT_LANG
from qualcode.nlp.units import Columns
from qualcode.nlp.warm import warmed

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
    for doc in tokenizer.pipe(warmed(tokenizer, texts), batch_size=batch_size):
        yield lemmas(doc)


class CueMatcher:
    """Every cue and token pattern of a codebook, ready to match.

    Each distinct cue is held once as a sequence of lower-case word hashes and once as
    lemma hashes (see :class:`~qualcode.nlp.ngrams.PhraseIndex`; its match id maps to the
    codes that list it); they find what spaCy's ``PhraseMatcher`` would on ``LOWER`` and
    ``LEMMA``. The token patterns are in a :class:`~qualcode.nlp.patterns.PatternIndex`.
    Building and matching cost about the same for 60 codes or 600.
    """

    def __init__(self, codes: Sequence[Code]) -> None:
        nlp = lemma_pipeline()
        self.strings = nlp.vocab.strings
        self.patterns = PatternIndex(nlp.vocab)
        self.codes: dict[str, tuple[str, ...]] = {}  # match key -> codes
        self.cues: dict[str, str] = {}  # match key -> the cue as written
        self._table: KeyTable | None = None
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
        for cue in cues:
            self.codes[cue], self.cues[cue] = tuple(by_cue[cue]), cue
        self.lower, self.lemma = _phrase_indexes(cues, [self.strings.add(c) for c in cues])

    def raw_matches(self, doc: Any, ranges: Sequence[tuple[int, int]]) -> list[Any]:
        """``(match id, start, end)`` of the matches of the cues' words, of their lemmas
        and of the token patterns (inside the token ``ranges`` only), in that order."""
        from spacy.attrs import LEMMA, LOWER

        columns = doc.to_array([LOWER, LEMMA]).reshape(-1, 2)
        found: list[Any] = []
        for index, column in ((self.lower, 0), (self.lemma, 1)):
            rows = index(columns[:, column]).T.tolist()
            found.append(list(zip(*rows, strict=True)) if rows else [])
        found.append(list(self.patterns(doc, ranges, {"LOWER": columns[:, 0],
                                                      "LEMMA": columns[:, 1]})))
        return found

    def table(self) -> KeyTable:
        """Every key, numbered in sorted order, with its codes and cue (made once)."""
        if self._table is None:
            self._table = KeyTable.of(self)
        return self._table

    def hits(self, doc: Any) -> list[CueHit]:
        """The hits in one doc (with lemmas) taken as a single unit."""
        return match_doc(doc, [(0, len(doc.text))], self)[0].hits


def _phrase_indexes(cues: Sequence[str], ids: Sequence[int]) -> tuple[PhraseIndex, PhraseIndex]:
    """The cues' lower-case words and, for those with no word of a fixed form (see
    :func:`_token_columns`), their lemmas, with match ids ``ids``."""
    import numpy as np

    lower, lemma, bounds, fixed = _cue_columns(cues)
    keep = ~fixed
    match_ids = np.array(ids, dtype=np.uint64)
    return (PhraseIndex(match_ids, lower, bounds),
            PhraseIndex(match_ids[keep], lemma, bounds[keep]))


def _cue_columns(cues: Sequence[str]) -> tuple[Any, Any, Any, Any]:
    """Lower-case word and lemma hashes of ``cues`` (texts with no line break), each cue's
    ``[start, end)`` token range in them, and whether it has a word of a fixed form.

    The cues are tokenised as one text, one per line: spaCy splits a text at whitespace
    before anything else, so each line gets the tokens it gets alone. A cue whose tokens
    do not start and end exactly at its line's ends is tokenised alone all the same.
    """
    import numpy as np

    if not cues:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty, np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=bool)
    lengths = np.array([len(cue) for cue in cues], dtype=np.int64)
    begins = np.cumsum(lengths + 1) - lengths - 1
    # tokenise() offers the text's words to the tokenizer's cache first (nlp/warm.py), so
    # the one text of all cues does not miss the cache after its first line break
    lower, lemma, starts, ends, fixed = _token_columns(next(tokenise(["\n".join(cues)])))
    bounds = np.column_stack((np.searchsorted(starts, begins),
                              np.searchsorted(starts, begins + lengths)))
    first, stop = bounds[:, 0], bounds[:, 1]
    ok = (first < stop) & (starts[np.minimum(first, len(starts) - 1)] == begins)
    ok &= ends[stop - 1] == begins + lengths
    for index in np.flatnonzero(~ok).tolist():
        alone = _token_columns(next(tokenise([cues[index]])))
        bounds[index] = (len(lower), len(lower) + len(alone[0]))
        lower, lemma, fixed = (np.concatenate(pair) for pair in
                               ((lower, alone[0]), (lemma, alone[1]), (fixed, alone[4])))
    counted = np.concatenate(([0], np.cumsum(fixed)))
    return lower, lemma, bounds, counted[bounds[:, 1]] > counted[bounds[:, 0]]


def _token_columns(doc: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Per token of ``doc``: lower-case word and lemma hashes, start and end offsets, and
    whether the word has a fixed form.

    A cue word written as a verb form ("coding", "released") is meant as written: its
    lemma ("code", "release") would match far more than the researcher asked for.
    """
    import numpy as np
    from spacy.attrs import IDX, LEMMA, LENGTH, LOWER

    table = doc.to_array([LOWER, LEMMA, IDX, LENGTH]).reshape(-1, 4)
    lower, lemma = table[:, 0].astype(np.uint64), table[:, 1].astype(np.uint64)
    starts = table[:, 2].astype(np.int64)
    strings = doc.vocab.strings
    fixed = lower != lemma
    for index in np.flatnonzero(fixed).tolist():
        fixed[index] = strings[int(lower[index])].endswith(("ing", "ed"))
    return lower, lemma, starts, starts + table[:, 3].astype(np.int64), fixed


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
    """The hits of one unit: tokens ``[start, end)`` of ``columns`` and characters ``chars``
    of the matched text; ``doc`` is the doc of its document, or of the unit alone (whose
    tokens follow the document's in ``columns``). Hit offsets count from the unit's first
    token."""

    doc: Any
    start: int
    end: int
    chars: tuple[int, int]
    text: str  # the unit's text, ``text[chars[0]:chars[1]]`` of the matched text
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
    again on every access). :func:`~qualcode.nlp.hits.doc_hits` gives the same as arrays.
    """
    import numpy as np

    found = doc_hits(doc, spans, matcher, text=text)
    table, columns = found.table, Columns(found)
    bounds = np.searchsorted(found.unit, np.arange(len(spans) + 1)).tolist()
    keys, vias, starts, ends = (a.tolist() for a in (found.key, found.via, found.start, found.end))
    units: list[UnitHits] = []
    for index, (first, last) in enumerate(zip(found.first.tolist(), found.last.tolist(),
                                              strict=True)):
        lo, hi = bounds[index], bounds[index + 1]
        hits = [CueHit(table.codes[k], table.keys[k], table.cues[k], VIAS[v], s - first, e - first)
                for k, v, s, e in zip(keys[lo:hi], vias[lo:hi], starts[lo:hi], ends[lo:hi],
                                      strict=True)]
        start, end = spans[index]
        units.append(UnitHits(found.alone.get(index, doc), first, last, (start, end),
                              found.text[start:end], hits, columns))
    return units


def analyse(texts: Iterable[str], matcher: CueMatcher, *, batch_size: int = 256) -> Iterator[Analysed]:
    """Tokenise and lemmatise each of ``texts`` and find the cues in it (each text is one unit)."""
    from qualcode.nlp.units import analysed

    for doc in tokenise(texts, batch_size=batch_size):
        yield analysed(match_doc(doc, [(0, len(doc.text))], matcher)[0])

"""Lemmas and cue matching for assisted tagging: phrase cues and token patterns."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qualcode.models import Code
from qualcode.nlp.pipelines import DEFAULT_LANG

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

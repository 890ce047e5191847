"""spaCy pipelines with sentence boundaries, cached, and sentence splitting for ingest.

Nothing here downloads anything: the default pipeline is ``spacy.blank(lang)`` with a
rule-based sentencizer; a pretrained pipeline is used only when the user names one
that is installed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qualcode.errors import UserError
from qualcode.nlp.warm import offer, warmed

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

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

    Spans are code-point offsets into each text; they may include surrounding whitespace.
    When the pipeline's only source of sentence boundaries is spaCy's rule-based
    sentencizer (the default), the texts are only tokenised and the sentencizer's rule is
    applied to whole batches of token arrays at once (see :func:`rule_sentence_spans`),
    giving exactly spaCy's sentences at about the tokenizer's speed. Otherwise texts go
    through ``nlp.pipe`` with every component that does not set boundaries disabled.
    A text longer than the pipeline's ``max_length`` is cut at whitespace into pieces that
    are split separately.
    """
    nlp = pipeline(model)
    marks = _sentencizer_marks(nlp)
    pieces: deque[tuple[int, bool]] = deque()  # (offset in its text, last piece of it)

    def feed() -> Iterator[str]:
        for text in texts:
            cuts = _cuts(text, nlp.max_length)
            for i, (start, end) in enumerate(cuts):
                pieces.append((start, i == len(cuts) - 1))
                yield text[start:end]

    spans: list[tuple[int, int]] = []
    for found in _piece_spans(nlp, feed(), marks, batch_size):
        offset, last = pieces.popleft()
        spans.extend((offset + start, offset + end) for start, end in found)
        if last:
            yield spans
            spans = []


def _piece_spans(
    nlp: Language, pieces: Iterator[str], marks: frozenset[str] | None, batch_size: int
) -> Iterator[list[tuple[int, int]]]:
    if marks is None:
        disabled = [name for name in nlp.pipe_names if name not in _SENTENCE_COMPONENTS]
        for doc in nlp.pipe(pieces, batch_size=batch_size, disable=disabled):
            yield [(s.start_char, s.end_char) for s in doc.sents]
        return
    batch: list[Doc] = []
    tokenizer: Any = nlp.tokenizer  # spaCy types it as a plain callable; it has .pipe
    for doc in tokenizer.pipe(warmed(tokenizer, pieces), batch_size=batch_size):
        batch.append(doc)
        if len(batch) == batch_size:
            yield from rule_sentence_spans(batch, marks)
            batch = []
    yield from rule_sentence_spans(batch, marks)


def _sentencizer_marks(nlp: Language) -> frozenset[str] | None:
    """The sentencizer's end marks when it alone sets sentence boundaries, else ``None``."""
    from spacy.pipeline import Sentencizer

    setters = [name for name in nlp.pipe_names if name in ("sentencizer", "senter", "parser")]
    if setters != ["sentencizer"]:
        return None
    component = nlp.get_pipe("sentencizer")
    # a subclass may change the rule, so only spaCy's own class qualifies
    if not isinstance(component, Sentencizer) or type(component) is not Sentencizer:
        return None
    return frozenset(component.punct_chars)


def rule_sentence_spans(docs: Sequence[Doc], marks: frozenset[str]) -> list[list[tuple[int, int]]]:
    """The character spans spaCy's ``Sentencizer(punct_chars=marks)`` gives each doc."""
    if not docs:
        return []
    return _rule_spans([_token_array(doc) for doc in docs], _mark_hashes(docs[0], marks))


Spans = list[tuple[int, int]]


def paragraph_sentences(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]],
    *,
    model: str | None = None,
    batch_size: int = 64,
) -> Iterator[list[Spans]]:
    """For each ``(text, paragraph spans)``: the sentence spans of each paragraph.

    The spans are offsets into the text, the same as :func:`sentence_spans` gives for each
    paragraph on its own. With the rule-based sentencizer each text is tokenised once,
    whole, and each paragraph takes its tokens from it; a paragraph whose tokens could
    differ (it does not sit between white space) is tokenised on its own.
    """
    for sentences, _ in _sentences(items, model, batch_size, keep=False):
        yield sentences


def paragraph_sentences_tokens(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]],
    *,
    model: str | None = None,
    batch_size: int = 64,
    keep: bool = True,
) -> Iterator[tuple[list[Spans], bytes | None]]:
    """:func:`paragraph_sentences`, each with the token boundaries of its whole text
    (:func:`qualcode.nlp.tokens.encode`), or ``None`` when the text was not tokenised
    whole by the default pipeline (a named model, no paragraph, or a text too long) or
    ``keep`` is false."""
    yield from _sentences(items, model, batch_size, keep=keep and model is None)


def _sentences(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]], model: str | None,
    batch_size: int, *, keep: bool
) -> Iterator[tuple[list[Spans], bytes | None]]:
    nlp = pipeline(model)
    marks = _sentencizer_marks(nlp)
    if marks is None:
        yield from ((found, None) for found in _each_paragraph(items, model))
        return
    tokenizer: Any = nlp.tokenizer  # spaCy types it as a plain callable; it has .pipe
    hashes = _mark_hashes(tokenizer(""), marks)
    batch: list[tuple[str, Sequence[tuple[int, int]]]] = []
    for text, spans in items:
        batch.append((text, spans))
        if len(batch) == batch_size:
            yield from _batch_sentences(nlp, batch, hashes, keep)
            batch = []
    yield from _batch_sentences(nlp, batch, hashes, keep)


def _batch_sentences(
    nlp: Language, batch: list[tuple[str, Sequence[tuple[int, int]]]], hashes: Any, keep: bool
) -> list[tuple[list[Spans], bytes | None]]:
    """Sentences of the paragraphs of a batch of texts, the rule applied once for all,
    and (with ``keep``) the encoded tokens of each text tokenised whole."""
    groups: list[Any] = []  # token arrays, offsets into their text
    owners: list[int] = []  # the paragraph (numbered across the batch) of each group
    kept: list[bytes | None] = []
    paragraphs = 0
    for text, spans in batch:
        whole = None
        kept.append(None)
        if spans and len(text) <= nlp.max_length:
            offer(nlp.tokenizer, text)
            whole, kept[-1] = _whole_tokens(nlp.tokenizer(text), len(text), keep)
        for number, tokens in _paragraph_tokens(nlp, text, spans, whole):
            groups.append(tokens)
            owners.append(paragraphs + number)
        paragraphs += len(spans)
    found: list[Spans] = [[] for _ in range(paragraphs)]
    for owner, spans in zip(owners, _rule_spans(groups, hashes) if groups else [], strict=True):
        found[owner].extend(spans)
    result: list[tuple[list[Spans], bytes | None]] = []
    at = 0
    for (_, spans), data in zip(batch, kept, strict=True):
        result.append((found[at : at + len(spans)], data))
        at += len(spans)
    return result


def _paragraph_tokens(
    nlp: Language, text: str, spans: Sequence[tuple[int, int]], whole: Any
) -> Iterator[tuple[int, Any]]:
    """``(paragraph number, token array)`` for each paragraph (several for a cut one)."""
    import numpy as np

    if whole is None:
        for number, (start, end) in enumerate(spans):
            yield from ((number, tokens) for tokens in _tokens_alone(nlp, text, start, end))
        return
    firsts = np.searchsorted(whole[:, 2], [start for start, _ in spans]).tolist()
    stops = np.searchsorted(whole[:, 2], [end for _, end in spans]).tolist()
    for number, ((start, end), first, stop) in enumerate(zip(spans, firsts, stops, strict=True)):
        own = (first < stop and int(whole[first, 2]) == start
               and int(whole[stop - 1, 2] + whole[stop - 1, 3]) == end
               and (start == 0 or text[start - 1].isspace())
               and (end == len(text) or text[end].isspace()))
        if own:
            yield number, whole[first:stop]
        else:
            yield from ((number, tokens) for tokens in _tokens_alone(nlp, text, start, end))


def _tokens_alone(nlp: Language, text: str, start: int, end: int) -> Iterator[Any]:
    """The tokens of ``text[start:end]`` tokenised on its own (in pieces of at most
    ``max_length``, as :func:`sentence_spans` cuts it), with offsets into ``text``."""
    for begin, finish in _cuts(text[start:end], nlp.max_length):
        offer(nlp.tokenizer, text[start + begin : start + finish])
        tokens = _token_array(nlp.tokenizer(text[start + begin : start + finish]))
        tokens[:, 2] += start + begin
        yield tokens


def _each_paragraph(
    items: Iterable[tuple[str, Sequence[tuple[int, int]]]], model: str | None
) -> Iterator[list[Spans]]:
    """The paragraphs of every text through :func:`sentence_spans`, one by one."""
    texts: deque[tuple[list[Spans], int]] = deque()  # sentences found so far, paragraphs
    fed: deque[tuple[list[Spans], int]] = deque()  # (its text's sentences, start), in order

    def feed() -> Iterator[str]:
        for text, spans in items:
            found: list[Spans] = []
            texts.append((found, len(spans)))
            for start, end in spans:
                fed.append((found, start))
                yield text[start:end]

    for spans in sentence_spans(feed(), model=model):
        found, start = fed.popleft()
        found.append([(start + begin, start + end) for begin, end in spans])
        while texts and len(texts[0][0]) == texts[0][1]:
            yield texts.popleft()[0]
    while texts:  # texts without any paragraph at the end of the stream
        yield texts.popleft()[0]


def _whole_tokens(doc: Doc, length: int, keep: bool) -> tuple[Any, bytes | None]:
    """The token array of a whole text of ``length`` characters and (with ``keep``) its
    encoded tokens, read from the doc in one pass."""
    from spacy import attrs

    from qualcode.nlp.tokens import COLUMNS, encode_columns

    if not keep:
        return _token_array(doc), None
    names = ("ORTH", "IS_PUNCT", "IDX", "LENGTH", "NORM", "LOWER")
    table = doc.to_array([getattr(attrs, name) for name in names]).reshape(-1, len(names))
    columns = table[:, [names.index(name) for name in COLUMNS]]
    return table[:, :4], encode_columns(columns, length, doc.vocab.strings)


def _token_array(doc: Doc) -> Any:
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    return doc.to_array([ORTH, IS_PUNCT, IDX, LENGTH])


def _mark_hashes(doc: Doc, marks: frozenset[str]) -> Any:
    import numpy as np

    return np.array(sorted(doc.vocab.strings.add(mark) for mark in marks), dtype=np.uint64)


def _rule_spans(groups: Sequence[Any], hashes: Any) -> list[Spans]:
    """The sentencizer's rule over groups of tokens (one group per text), all at once.

    Each row of a group is a token's ``ORTH, IS_PUNCT, IDX, LENGTH``. The sentencizer
    starts a sentence at a group's first token and at every token that is neither
    punctuation nor an end mark when an end mark came after the previous such token;
    numpy finds those tokens for every group together, instead of a Python step per token.
    """
    import numpy as np

    sizes = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
    if not sizes.sum():
        return [[] for _ in groups]
    tokens = np.concatenate(groups)
    is_mark = tokens[:, 3] == 1  # the end marks are single characters: test only those tokens
    is_mark[is_mark] = np.isin(tokens[is_mark, 0], hashes)
    first = np.zeros(len(tokens), dtype=bool)
    first[(np.cumsum(sizes) - sizes)[sizes > 0]] = True
    candidates = np.flatnonzero(first | (~is_mark & (tokens[:, 1] == 0)))
    marks_before = (np.cumsum(is_mark) - is_mark)[candidates]
    previous = np.concatenate(([-1], marks_before[:-1]))
    starts = candidates[first[candidates] | (marks_before > previous)]
    ends = np.append(starts[1:], len(tokens)) - 1
    begin = tokens[starts, 2].tolist()
    finish = (tokens[ends, 2] + tokens[ends, 3]).tolist()
    per_group = np.bincount(np.searchsorted(np.cumsum(sizes), starts, side="right"),
                            minlength=len(groups)).tolist()
    result: list[Spans] = []
    at = 0
    for count in per_group:
        result.append(list(zip(begin[at : at + count], finish[at : at + count], strict=True)))
        at += count
    return result


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

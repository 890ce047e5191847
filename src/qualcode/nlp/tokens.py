"""Token boundaries of a stored text, kept so a document is tokenised only once, at ingest.

Ingest tokenises each text whole to split its sentences; the boundaries it found are
encoded here (:func:`encode`) and stored with the document. Suggestions then rebuild a
doc from them (:func:`stored_doc`, :func:`units_doc`) instead of tokenising again, which
costs several times less. A rebuilt doc has exactly the tokens of :func:`tokenise`: the
same words and trailing spaces, lemmas set the same way, and the norms spaCy's tokenizer
exceptions give ("n't" -> "not"), which are stored with the boundaries because a doc made
from words would not have them.

Boundaries are only valid for the text and tokenizer they were made with: the caller keeps
the text's SHA-256 and :func:`tokenizer_fingerprint` beside them and checks both before
use. Data that does not fit the text raises :class:`ValueError`.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qualcode.nlp.pipelines import DEFAULT_LANG

_MAGIC = b"QTK2"
# magic, bytes per token code, bytes per word number, tokens, distinct words, norms kept
_HEADER = struct.Struct("<4sBBIII")


@lru_cache(maxsize=4)
def tokenizer_fingerprint(lang: str = DEFAULT_LANG) -> str:
    """Names the tokenizer boundaries were made with: ``spacy-<version>/blank-<lang>``."""
    from spacy import about

    return f"spacy-{about.__version__}/blank-{lang}"


COLUMNS = ("ORTH", "IDX", "LENGTH", "NORM", "LOWER")
"""The token attributes :func:`encode_columns` reads, in this order."""


def encode(doc: Any) -> bytes:
    """The token boundaries of a doc made by a tokenizer, compressed (see :func:`encode_columns`)."""
    from spacy import attrs

    table = doc.to_array([getattr(attrs, name) for name in COLUMNS]).reshape(-1, len(COLUMNS))
    return encode_columns(table, len(doc.text), doc.vocab.strings)


def encode_columns(table: Any, length: int, strings: Any) -> bytes:
    """The token boundaries of a text of ``length`` characters from the doc's array of
    :data:`COLUMNS` (one row per token; ``strings`` is the doc's), compressed.

    Each token is stored as ``length * 2 + trailing space`` and as the number of its word
    among the doc's distinct words, numbered as they first appear (so a doc is rebuilt
    from word hashes, not from strings), each in the narrowest unsigned type that holds
    it; the norms that differ from the lower-case word are kept as strings.
    """
    if len(table) <= SMALL:
        return _encode_small(table.tolist(), length, strings)
    import numpy as np

    starts, sizes = table[:, 1].astype(np.int64), table[:, 2].astype(np.int64)
    spaced = np.append(starts[1:], length) > starts + sizes  # only a single space is skipped
    codes = sizes * 2 + spaced
    distinct, seen, numbers = np.unique(table[:, 0], return_index=True, return_inverse=True)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(seen)] = np.arange(len(distinct))
    numbers = rank[numbers.reshape(-1)]  # numbered in the order the words first appear
    odd = np.flatnonzero(table[:, 3] != table[:, 4])
    norms = [strings[h] for h in table[odd, 3].tolist()]
    width, count = _width(int(codes.max(initial=0))), _width(len(distinct))
    body = b"".join((codes.astype(f"<u{width}").tobytes(),
                     numbers.astype(f"<u{count}").tobytes(),
                     odd.astype("<u4").tobytes(), json.dumps(norms).encode("utf-8")))
    head = _HEADER.pack(_MAGIC, width, count, len(codes), len(distinct), len(odd))
    return head + zlib.compress(body, 1)


# Up to this many tokens (a survey answer, a forum post) the same bytes are made with
# plain lists: numpy's cost per call is most of the work for a text this short.
SMALL = 128


def _encode_small(rows: list[list[int]], length: int, strings: Any) -> bytes:
    """:func:`encode_columns` of a short text from its rows as lists; the same bytes."""
    after = [row[1] for row in rows[1:]] + [length] if rows else []
    codes = [size * 2 + (nxt > start + size) for (_, start, size, _, _), nxt
             in zip(rows, after, strict=True)]
    first: dict[int, int] = {}
    numbers = [first.setdefault(row[0], len(first)) for row in rows]
    odd = [i for i, row in enumerate(rows) if row[3] != row[4]]
    norms = [strings[rows[i][3]] for i in odd]
    width, count = _width(max(codes, default=0)), _width(len(first))
    body = b"".join((struct.pack(f"<{len(codes)}{_FORMAT[width]}", *codes),
                     struct.pack(f"<{len(numbers)}{_FORMAT[count]}", *numbers),
                     struct.pack(f"<{len(odd)}I", *odd), json.dumps(norms).encode("utf-8")))
    head = _HEADER.pack(_MAGIC, width, count, len(codes), len(first), len(odd))
    return head + zlib.compress(body, 1)


_FORMAT = {1: "B", 2: "H", 4: "I"}


def _width(largest: int) -> int:
    return 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4


@dataclass(frozen=True)
class Boundaries:
    """Decoded tokens, as numpy arrays: character ``starts`` and ``ends``, ``spaces`` (a
    trailing single space), ``numbers`` (which distinct word each token is), ``firsts``
    (the first token of each distinct word); and the norms of the ``norm_at`` tokens."""

    starts: Any
    ends: Any
    spaces: Any
    numbers: Any
    firsts: Any
    norm_at: Any
    norms: list[str]

    def __len__(self) -> int:
        return len(self.starts)

    def orths(self, text: str, strings: Any) -> Any:
        """The hash of each token's word in ``strings`` (the words are added to it)."""
        import numpy as np

        words = [text[a:b] for a, b in zip(self.starts[self.firsts].tolist(),
                                           self.ends[self.firsts].tolist(), strict=True)]
        hashes = np.array([strings.add(word) for word in words], dtype=np.uint64)
        return hashes[self.numbers]


def decode(data: bytes, text: str) -> Boundaries:
    """The boundaries in ``data``, checked to fit ``text`` (else ``ValueError``)."""
    import numpy as np

    try:
        magic, width, count, tokens, distinct, odd = _HEADER.unpack_from(data)
        body = zlib.decompress(data[_HEADER.size :])
        if magic != _MAGIC or width not in (1, 2, 4) or count not in (1, 2, 4):
            raise ValueError
        codes = np.frombuffer(body, dtype=f"<u{width}", count=tokens).astype(np.int64)
        at = tokens * width
        numbers = np.frombuffer(body, dtype=f"<u{count}", count=tokens, offset=at)
        at += tokens * count
        norm_at = np.frombuffer(body, dtype="<u4", count=odd, offset=at).astype(np.int64)
        norms = json.loads(body[at + odd * 4 :].decode("utf-8"))
    except (ValueError, struct.error, zlib.error) as exc:
        msg = "not stored token boundaries"
        raise ValueError(msg) from exc
    lengths, spaces = codes >> 1, (codes & 1).astype(bool)
    steps = lengths + spaces
    starts = np.cumsum(steps) - steps
    numbers = numbers.astype(np.int64)
    # words are numbered in the order they first appear: a new word is one above all before
    before = np.concatenate(([-1], np.maximum.accumulate(numbers)))[:tokens]
    firsts = np.flatnonzero(numbers > before)
    found = Boundaries(starts, starts + lengths, spaces, numbers, firsts, norm_at, norms)
    if (int(steps.sum()) != len(text) or len(firsts) != distinct
            or not np.array_equal(numbers[firsts], np.arange(distinct))):
        msg = "the stored token boundaries do not fit the text"
        raise ValueError(msg)
    _check(found, text, lengths)
    return found


def _check(found: Boundaries, text: str, lengths: Any) -> None:
    """Raise ``ValueError`` unless every token has a length, its word's length, and a
    space after it where one is recorded, and the norms are at tokens."""
    import numpy as np

    fits = (isinstance(found.norms, list) and len(found.norms) == len(found.norm_at)
            and bool(np.all(lengths > 0))
            and bool(np.all(lengths == lengths[found.firsts][found.numbers]))
            and (not len(found.norm_at) or int(found.norm_at.max()) < len(lengths)))
    if fits and found.spaces.any():
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        fits = bool(np.all(points[found.ends[found.spaces]] == ord(" ")))
    if not fits:
        msg = "the stored token boundaries do not fit the text"
        raise ValueError(msg)


def stored_doc(text: str, data: bytes) -> Any:
    """A doc of ``text`` in :func:`~qualcode.nlp.lemma_pipeline`'s vocab, with lemmas, from
    its stored boundaries: the same tokens as ``next(tokenise([text]))``."""
    found = decode(data, text)
    orths = found.orths(text, _vocab().strings).tolist()
    return _doc(orths, found.spaces.tolist(), dict(zip(found.norm_at.tolist(), found.norms,
                                                        strict=True)))


def units_doc(text: str, data: bytes, spans: Sequence[tuple[int, int]]) -> tuple[Any, str]:
    """The doc :func:`~qualcode.nlp.tokenise` makes of the ``spans`` of ``text`` joined by
    single spaces (and that text), from the stored boundaries of ``text``.

    Spans begin and end with a character that is not whitespace, in text order, not
    overlapping. Only where a span cuts a run of non-whitespace characters may its tokens
    differ from the text's: that piece (a *fragment*) is tokenised on its own, all the
    fragments of the call at once; the rest of the span takes the text's tokens.
    """
    return joined_units_doc([(text, data, spans)])


def joined_units_doc(parts: Sequence[tuple[str, bytes, Sequence[tuple[int, int]]]]
                     ) -> tuple[Any, str]:
    """:func:`units_doc` of the spans of several texts at once, every span joined to the
    next by a single space (and that text): one doc for many small documents."""
    import numpy as np

    columns = [_span_columns(*part) for part in parts if part[2]]
    orths = np.concatenate([c[0] for c in columns]) if columns else np.zeros(0, np.uint64)
    spaces = np.concatenate([c[1] for c in columns]) if columns else np.zeros(0, bool)
    norms: dict[int, str] = {}
    before = 0
    for part_orths, _, part_norms in columns:
        norms.update((before + at, norm) for at, norm in part_norms.items())
        before += len(part_orths)
    if len(spaces):
        spaces[-1] = False
    return (_doc(orths.tolist(), spaces.tolist(), norms),
            " ".join(text[start:end] for text, _, spans in parts for start, end in spans))


def _span_columns(text: str, data: bytes, spans: Sequence[tuple[int, int]]
                  ) -> tuple[Any, Any, dict[int, str]]:
    """Word hashes, trailing spaces and odd norms of the tokens of ``spans``, each span
    followed by a single space (see :func:`units_doc`), the last one too: the caller
    joins texts and drops the space at the very end."""
    import numpy as np

    found = decode(data, text)
    pieces, owners = _plan(text, spans)
    kinds = np.array([kind for kind, _, _ in pieces], dtype=np.int64)
    fragments = _Fragments([p for p in pieces if p[0] < 0], text)
    first, stop = np.zeros(len(pieces), dtype=np.int64), np.zeros(len(pieces), dtype=np.int64)
    first[kinds > 0], stop[kinds > 0] = _token_ranges(found, [p for p in pieces if p[0] > 0])
    first[kinds < 0], stop[kinds < 0] = fragments.first + len(found), fragments.stop + len(found)
    # tokens are taken from a pool: the text's tokens, then the fragments' tokens
    sizes = stop - first
    taken = np.repeat(first - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
    orths = np.concatenate([found.orths(text, _vocab().strings), fragments.orths])[taken]
    spaces = np.concatenate([found.spaces, fragments.spaces])[taken]
    per_span = np.bincount(np.array(owners, dtype=np.int64), weights=sizes,
                           minlength=len(spans)).astype(np.int64)
    spaces[(np.cumsum(per_span) - 1)[per_span > 0]] = True  # the joining spaces
    pool = dict(zip(found.norm_at.tolist(), found.norms, strict=True))
    pool.update((len(found) + i, norm) for i, norm in fragments.norms.items())
    odd = np.flatnonzero(np.isin(taken, np.array(list(pool), dtype=np.int64))).tolist()
    return orths, spaces, {at: pool[int(taken[at])] for at in odd}


Piece = tuple[int, int, int]  # (-1 for a fragment, else 1; start; end) in the text


def _plan(text: str, spans: Sequence[tuple[int, int]]) -> tuple[list[Piece], list[int]]:
    """The pieces of every span, and the span each belongs to."""
    pieces: list[Piece] = []
    owners: list[int] = []
    size = len(text)
    for number, (start, end) in enumerate(spans):
        if start >= end or text[start].isspace() or text[end - 1].isspace():
            msg = "a span must begin and end with a character that is not whitespace"
            raise ValueError(msg)
        if (start == 0 or text[start - 1].isspace()) and (end == size or text[end].isspace()):
            pieces.append((1, start, end))
            owners.append(number)
            continue
        cut = _pieces(text, start, end)
        pieces.extend(cut)
        owners.extend([number] * len(cut))
    return pieces, owners


def _pieces(text: str, start: int, end: int) -> list[Piece]:
    """A span as a fragment cut at its start, the text's tokens, and a fragment cut at its end."""
    head = start
    if start > 0 and not text[start - 1].isspace():
        head = next((i for i in range(start, end) if text[i].isspace()), end)
    tail = end
    if end < len(text) and not text[end].isspace():
        tail = next((i + 1 for i in range(end - 1, head - 1, -1) if text[i].isspace()), head)
    if head >= tail:
        return [(-1, start, end)]
    pieces = [(-1, start, head)] if head > start else []
    pieces.append((1, head, tail))
    if tail < end:
        pieces.append((-1, tail, end))
    return pieces


def _token_ranges(found: Boundaries, pieces: list[Piece]) -> tuple[Any, Any]:
    """For each piece, the first and after-last stored token that begins in it
    (whitespace runs included)."""
    import numpy as np

    edges = np.array([(start, end) for _, start, end in pieces], dtype=np.int64).reshape(-1, 2)
    firsts = np.searchsorted(found.starts, edges[:, 0])
    stops = np.searchsorted(found.starts, edges[:, 1])
    full = stops > firsts
    if np.any(found.ends[stops[full] - 1] > edges[full, 1]):
        msg = "the stored token boundaries do not fit the text"
        raise ValueError(msg)
    return firsts, stops


class _Fragments:
    """Fragments (runs without whitespace) tokenised on their own, in one tokenizer call:
    joined by spaces, each keeps exactly its own tokens. ``first``/``stop`` are each
    fragment's tokens; the last token of a fragment keeps a space that follows it in the
    text (a fragment cut at a span's start is followed by the rest of the span)."""

    def __init__(self, pieces: list[Piece], text: str) -> None:
        import numpy as np
        from spacy.attrs import IDX, LOWER, NORM, ORTH

        self.first: Any = np.zeros(0, dtype=np.int64)
        self.stop: Any = np.zeros(0, dtype=np.int64)
        self.orths: Any = np.zeros(0, dtype=np.uint64)
        self.spaces: Any = np.zeros(0, dtype=bool)
        self.norms: dict[int, str] = {}
        if not pieces:
            return
        doc = _vocab_tokenizer()(" ".join(text[start:end] for _, start, end in pieces))
        table = doc.to_array([IDX, ORTH, NORM, LOWER]).reshape(-1, 4)
        sizes = np.array([end - start for _, start, end in pieces], dtype=np.int64)
        offsets = np.cumsum(sizes + 1) - sizes - 1
        starts = table[:, 0].astype(np.int64)
        self.first = np.searchsorted(starts, offsets)
        self.stop = np.searchsorted(starts, offsets + sizes)
        self.orths = table[:, 1]
        self.spaces = np.zeros(len(table), dtype=bool)
        followed = [end < len(text) and text[end] == " " for _, _, end in pieces]
        last = self.stop - 1
        self.spaces[last[self.stop > self.first]] = np.array(followed)[self.stop > self.first]
        strings = doc.vocab.strings
        for i in np.flatnonzero(table[:, 2] != table[:, 3]).tolist():
            self.norms[i] = strings[int(table[i, 2])]


def _vocab() -> Any:
    from qualcode.nlp.cues import lemma_pipeline

    return lemma_pipeline().vocab


def _vocab_tokenizer() -> Any:
    from qualcode.nlp.cues import lemma_pipeline

    return lemma_pipeline().tokenizer


def _doc(orths: list[int], spaces: list[bool], norms: dict[int, str]) -> Any:
    """A doc of the words ``orths`` in the lemma pipeline's vocab, its norms set as the
    tokenizer sets them (the lower-case word, or the exception's norm), then lemmatised."""
    import numpy as np
    from spacy.attrs import LOWER, NORM
    from spacy.tokens import Doc

    from qualcode.nlp.cues import lemmatiser

    vocab = _vocab()
    make: Any = Doc  # spaCy types ``words`` as strings; hashes of known strings work too
    doc = make(vocab, words=orths, spaces=spaces)
    if orths:
        values = doc.to_array(LOWER).astype(np.uint64)
        for index, norm in norms.items():
            values[index] = vocab.strings.add(norm)
        doc.from_array([NORM], values)
    return lemmatiser()(doc)

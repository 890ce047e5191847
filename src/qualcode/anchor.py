"""Finding quotes in texts: placing codings and re-anchoring them when a text changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from qualcode.errors import CodingError
from qualcode.models import Coding

Span = tuple[int, int]


@lru_cache(maxsize=4096)
def _quote_regex(quote: str) -> re.Pattern[str] | None:
    words = unicodedata.normalize("NFC", quote).split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words))


def find_quote(text: str, quote: str) -> list[Span]:
    """Every span of ``text`` that matches ``quote``, ignoring differences in white space."""
    pattern = _quote_regex(quote)
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def place_quote(text: str, quote: str, *, document: str, occurrence: int | None = None) -> Span:
    """The one span where ``quote`` stands in ``text``.

    ``occurrence`` (1-based) picks one of several matches; without it an ambiguous
    quote is an error, as is a quote that does not occur.
    """
    spans = find_quote(text, quote)
    short = _shorten(quote)
    if not spans:
        msg = f"quote not found: {short!r}"
        raise CodingError(msg, path=document, hint="check the wording; case and punctuation count")
    if occurrence is not None:
        if not 1 <= occurrence <= len(spans):
            msg = f"quote occurs {len(spans)} time(s), so there is no occurrence {occurrence}: {short!r}"
            raise CodingError(msg, path=document)
        return spans[occurrence - 1]
    if len(spans) > 1:
        msg = f"quote occurs {len(spans)} times: {short!r}"
        raise CodingError(msg, path=document, hint="lengthen it, or choose one with --occurrence")
    return spans[0]


def span_of_offsets(text: str, start: int, end: int, *, document: str) -> Span:
    """Check a ``[start, end)`` span against ``text``."""
    if not 0 <= start < end <= len(text):
        msg = f"span {start}-{end} is outside the document (it has {len(text)} characters)"
        raise CodingError(msg, path=document, hint="offsets are code points, end excluded")
    return start, end


def _shorten(quote: str, limit: int = 60) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Reanchored:
    coding: Coding
    span: Span | None  # None: the quote is no longer in the text


def reanchor(old_text: str, new_text: str, codings: Sequence[Coding]) -> list[Reanchored]:
    """Place each coding's quote in ``new_text``, nearest to where it stood in ``old_text``."""
    results: list[Reanchored] = []
    scale = len(new_text) / max(len(old_text), 1)
    for coding in codings:
        spans = find_quote(new_text, coding.quote)
        if not spans:
            results.append(Reanchored(coding, None))
            continue
        expected = coding.start * scale
        best = min(spans, key=lambda span: abs(span[0] - expected))
        results.append(Reanchored(coding, best))
    return results

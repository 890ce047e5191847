"""Filling spaCy's tokenizer cache one word at a time, so that real text hits it.

spaCy's tokenizer keeps a cache of the tokens of each whitespace-delimited chunk ("data,",
"we're", "model."), but within one text it stops adding to that cache after the first
chunk that needs a special case (a line break, "don't", "e.g."), and it never sets the
flag back. Every transcript has such a chunk in its first lines, so the rest of it is
split by the slow path, chunk after chunk, however often the same chunks come back:
real transcripts tokenise several times slower than a text of bare words.

Offering each chunk the tokenizer has not seen yet as a text of its own first fills the
cache (a chunk that needs a special case is still left out of it, as spaCy wants); the
text itself then takes nearly every chunk from the cache. The tokens are the same either
way: the cache holds what the slow path gives, and tokens never depend on neighbouring
chunks (tests/test_warm.py checks this on the sample transcripts).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

SEEN_CAP = 1_000_000  # distinct chunks remembered per tokenizer before starting over

_SEEN: dict[int, set[str]] = {}  # id of a tokenizer -> chunks already offered to it


def offer(tokenizer: Any, text: str) -> None:
    """Tokenise the chunks of ``text`` that ``tokenizer`` has not been offered yet, each
    on its own, so that its cache holds them."""
    seen = _SEEN.setdefault(id(tokenizer), set())
    new = set(text.split())
    new.difference_update(seen)
    if not new:
        return
    if len(seen) + len(new) > SEEN_CAP:
        seen.clear()
    seen.update(new)
    for _doc in tokenizer.pipe(sorted(new), batch_size=1000):
        pass


def warmed(tokenizer: Any, texts: Iterable[str]) -> Iterator[str]:
    """``texts``, each offered to ``tokenizer`` (see :func:`offer`) just before it is
    passed on: wrap the texts given to ``tokenizer.pipe``."""
    for text in texts:
        offer(tokenizer, text)
        yield text

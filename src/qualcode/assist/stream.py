"""Cue matching one document at a time, in this process or in worker processes.

A document's units are joined by single spaces and tokenised as one doc: each unit then
begins and ends at whitespace, so its tokens are exactly those it has on its own, and a
hit that runs from one unit into the next is dropped. When ingest kept the document's
tokens, that same doc is rebuilt from them instead (see :func:`joined_doc`). Only the units with a hit are kept,
with their hits as arrays (:class:`~qualcode.assist.cuedoc.DocCues`); the others count
for the rarity of cues.

Small documents (survey answers) are matched many to a doc (:func:`grouped`,
:func:`group_doc`): the same hits for a fraction of the cost per document.
:class:`Workers` runs the matching and scoring in worker processes when asked (see
:mod:`qualcode.assist.chunks`); only the process that starts them writes to the project.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from sqlalchemy import Connection

from qualcode import nlp
from qualcode.assist.cuedoc import DocCues
from qualcode.assist.units import Unit, with_units
from qualcode.models import Code, sha256_text
from qualcode.store import documents as store_documents
from qualcode.store.documents import StoredDocument, StoredTokens

WINDOW = 4  # jobs in flight per worker: enough to keep it busy, little memory
HELD_TOKENS = 400_000  # tokens of matched units kept in memory (~40 MB) before spilling


# Below this many characters of units per document, tokenising the units again costs less
# than rebuilding their tokens from those ingest kept (the same tokens either way).
REBUILT = 2_000

Source = tuple[str, bytes]
"""A document's text and the token boundaries ingest kept for it (see :func:`usable_source`)."""


def usable_source(doc: StoredDocument, tokens: StoredTokens | None) -> Source | None:
    """The text and kept tokens of ``doc`` when they were made for this very text by the
    tokenizer in use, else ``None`` (the document is then tokenised again)."""
    if tokens is None or tokens.tokenizer != nlp.tokenizer_fingerprint():
        return None
    if not tokens.text_sha256 == doc.text_sha256 == sha256_text(doc.text):
        return None
    return doc.text, tokens.data


def stored_sources(conn: Connection, names: Sequence[str]) -> dict[str, Source]:
    """:func:`usable_source` of the documents named, by name (those without are left out)."""
    found: dict[str, Source] = {}
    for doc, tokens in store_documents.iter_documents_tokens(conn, names):
        source = usable_source(doc, tokens)
        if source is not None:
            found[doc.name] = source
    return found


def joined_doc(units: Sequence[Unit], source: Source | None = None
               ) -> tuple[Any, str, list[tuple[int, int]]]:
    """The doc of one document's units joined by single spaces, that text, and the span of
    each unit in it (see the module docstring).

    With ``source`` (the units' document) the doc is rebuilt from the tokens ingest kept,
    which is the same doc for less work unless the units are short (:data:`REBUILT`);
    when the tokens do not fit, the text is tokenised.
    """
    return group_doc([(units, source)])


Part = tuple[Sequence[Unit], Source | None]
"""One document's units and its :data:`Source` (``None`` when it has to be tokenised)."""


def group_doc(parts: Sequence[Part]) -> tuple[Any, str, list[tuple[int, int]]]:
    """:func:`joined_doc` of the units of several documents at once, each joined to the
    next by a single space: small documents are matched many to a doc, which costs far
    less per document and finds the same hits (no hit runs from one unit into the next).
    Rebuilt from the kept tokens when every document has them, else tokenised."""
    units = [unit for part_units, _ in parts for unit in part_units]
    spans: list[tuple[int, int]] = []
    offset = 0
    for unit in units:
        spans.append((offset, offset + len(unit.text)))
        offset += len(unit.text) + 1
    text = " ".join(unit.text for unit in units)
    kept = [(source, part_units) for part_units, source in parts if part_units]
    if all(source is not None for source, _ in kept) and len(text) >= REBUILT * len(kept):
        try:
            doc, joined = nlp.joined_units_doc([
                (*source, [(u.start, u.end) for u in part_units])
                for source, part_units in kept if source is not None])
            if joined == text:
                return doc, text, spans
        except ValueError:
            pass
    return next(nlp.tokenise([text])), text, spans


# Documents with less unit text than this are matched together, up to GROUP_DOCUMENTS at
# a time: matching has a cost per call that a survey answer of a few words cannot carry.
GROUP_CHARACTERS = 20_000
GROUP_DOCUMENTS = 256

Group = tuple[list[tuple[str, int]], list[Part], bool]
"""Documents matched together: the name and unit count of each, their parts, and whether
they are among the chosen documents."""


def grouped(conn: Connection, names: Sequence[str], chosen: Container[str], *, unit: str,
            include_interviewer: bool) -> Iterator[Group]:
    """The documents ``names`` with their units and usable kept tokens, read from the
    project in that order and handed out in groups: documents next to each other with
    less than :data:`GROUP_CHARACTERS` of units in all, chosen or not alike."""
    members: list[tuple[str, int]] = []
    parts: list[Part] = []
    size, keep = 0, False
    for doc, tokens, units in with_units(conn, store_documents.iter_documents_tokens(
            conn, names), unit=unit, include_interviewer=include_interviewer):
        wanted = doc.name in chosen
        if parts and wanted != keep:
            yield members, parts, keep
            members, parts, size = [], [], 0
        members.append((doc.name, len(units)))
        parts.append((units, usable_source(doc, tokens)))
        size, keep = size + sum(len(u.text) for u in units), wanted
        if size >= GROUP_CHARACTERS or len(parts) >= GROUP_DOCUMENTS:
            yield members, parts, keep
            members, parts, size = [], [], 0
    if parts:
        yield members, parts, keep


def unit_hits(units: Sequence[Unit], matcher: nlp.CueMatcher,
              source: Source | None = None) -> list[nlp.UnitHits]:
    """The hits of each unit of one document (see :func:`joined_doc`)."""
    if not units:
        return []
    doc, text, spans = joined_doc(units, source)
    return nlp.match_doc(doc, spans, matcher, text=text)


def document_hits(units: Sequence[Unit], matcher: nlp.CueMatcher,
                  source: Source | None = None) -> nlp.DocHits:
    """The hits of one document's units as arrays (the units joined as in :func:`unit_hits`)."""
    doc, text, spans = joined_doc(units, source)
    return nlp.doc_hits(doc, spans, matcher, text=text)


@dataclass(frozen=True)
class Matched:
    """One document after matching: its unit count, how many units hold each cue key, and
    (when kept) its units with hits and their hits."""

    units: int
    counts: Counter[str]
    found: DocCues

    @property
    def tokens(self) -> int:
        """Tokens held in ``found``: what keeping it costs in memory."""
        return self.found.tokens


def match_document(units: Sequence[Unit], keep: bool, codes: Sequence[Code] | None = None,
                   source: Source | None = None) -> Matched:
    """Match one document's units against ``codes`` (default: the worker's codebook);
    ``source`` is their document's text and kept tokens, if usable."""
    return match_group([(units, source)], keep, codes)


def match_group(parts: Sequence[Part], keep: bool, codes: Sequence[Code] | None = None
                ) -> Matched:
    """:func:`match_document` of several documents at once (see :func:`group_doc`): one
    :class:`Matched` for all their units."""
    matcher = _WORKER[1] if codes is None else nlp.cue_matcher(codes)
    units = [unit for part_units, _ in parts for unit in part_units]
    doc, text, spans = group_doc(parts)
    found = DocCues.of(units, nlp.doc_hits(doc, spans, matcher, text=text))
    return Matched(len(units), found.counts, found if keep else DocCues.empty())


def matched_groups(conn: Connection, names: Sequence[str], chosen: Container[str], *,
                   unit: str, include_interviewer: bool, keep: bool
                   ) -> Iterator[tuple[list[tuple[str, int]], Matched, bool]]:
    """Every document of ``names`` read and matched in groups (see :func:`grouped`), with
    this process's codebook: each group's names and unit counts, what was matched (with
    the hits when ``keep`` and the group is chosen), and whether it is chosen."""
    for members, parts, wanted in grouped(conn, names, chosen, unit=unit,
                                          include_interviewer=include_interviewer):
        yield members, match_group(parts, keep and wanted), wanted


_WORKER: list[Any] = [(), None]  # the codebook a worker was started with, and its matcher


def worker_codes() -> Sequence[Code]:
    """The codebook a worker process was started with."""
    codes: Sequence[Code] = _WORKER[0]
    return codes


def _start_worker(codes: Sequence[Code]) -> None:
    _WORKER[:] = [codes, nlp.cue_matcher(codes)]


T = TypeVar("T")


class Workers:
    """Runs functions over documents in order, in ``processes`` worker processes (started
    with the codebook, see :func:`worker_codes`), or in this process when ``processes`` is 1.

    The jobs are read in this process only (they may read the project), with a few
    documents in flight per worker, so memory stays flat.
    """

    def __init__(self, codes: Sequence[Code], processes: int = 1) -> None:
        self.codes = list(codes)
        self.processes = processes
        self.pool: Any = None

    def __enter__(self) -> Workers:
        _start_worker(self.codes)  # forked workers inherit the matcher: built once
        if self.processes > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.pool = context.Pool(self.processes, initializer=_start_worker,
                                     initargs=(self.codes,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def map(self, function: Callable[..., T], jobs: Iterable[tuple[Any, ...]]) -> Iterator[T]:
        """``function(*job)`` for each job, in order."""
        if self.pool is None:
            for job in jobs:
                yield function(*job)
            return
        pending: deque[Any] = deque()
        for job in jobs:
            pending.append(self.pool.apply_async(function, job))
            if len(pending) >= WINDOW * self.processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class Spill:
    """Matched documents kept between the matching pass and the scoring pass, in order:
    in memory up to ``budget`` tokens, then pickled to a temporary file, so memory stays
    bounded however large the corpus."""

    def __init__(self, budget: int = HELD_TOKENS) -> None:
        self.budget = budget
        self.file: IO[bytes] | None = None
        self.items: deque[Matched | None] = deque()  # None: the next one in the file

    def add(self, item: Matched) -> None:
        size = item.tokens
        if size <= self.budget:
            self.budget -= size
            self.items.append(item)
            return
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="qualcode-cues-")  # noqa: SIM115
        pickle.dump(item, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.items.append(None)

    def __iter__(self) -> Iterator[Matched]:
        if self.file is not None:
            self.file.seek(0)
        while self.items:  # each is let go once scored
            item = self.items.popleft()
            if item is None:
                assert self.file is not None
                item = pickle.load(self.file)
            yield item

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


"""Cue matching one document at a time, in this process or in worker processes.

A document's units are joined by single spaces and tokenised as one doc: each unit then
begins and ends at whitespace, so its tokens are exactly those it has on its own, and a
hit that runs from one unit into the next is dropped. Only the units with a hit are
turned into :class:`~qualcode.nlp.Analysed`; the others count for the rarity of cues
but are not kept.

Worker processes (:class:`Workers`) only tokenise, match and score; the process that
starts them reads the project and is the only one that writes to it.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from qualcode import nlp
from qualcode.assist.units import Unit
from qualcode.models import Code

WINDOW = 4  # documents in flight per worker: enough to keep it busy, little memory
HELD_TOKENS = 400_000  # tokens of matched units kept in memory (~40 MB) before spilling


def unit_hits(units: Sequence[Unit], matcher: nlp.CueMatcher) -> list[nlp.UnitHits]:
    """The hits of each unit of one document (see the module docstring)."""
    if not units:
        return []
    spans: list[tuple[int, int]] = []
    offset = 0
    for unit in units:
        spans.append((offset, offset + len(unit.text)))
        offset += len(unit.text) + 1
    text = " ".join(unit.text for unit in units)
    return nlp.match_doc(next(nlp.tokenise([text])), spans, matcher, text=text)


@dataclass(frozen=True)
class Matched:
    """One document after matching: its unit count, how many units hold each cue key, and
    (when kept) its units with hits and their analysis."""

    units: int
    counts: Counter[str]
    found: list[tuple[Unit, nlp.Analysed]]

    @property
    def tokens(self) -> int:
        """Tokens held in ``found``: what keeping it costs in memory."""
        return sum(len(item.words) for _, item in self.found)


def match_document(units: Sequence[Unit], keep: bool,
                   codes: Sequence[Code] | None = None) -> Matched:
    """Match one document's units against ``codes`` (default: the worker's codebook)."""
    matcher = _WORKER[1] if codes is None else nlp.cue_matcher(codes)
    counts: Counter[str] = Counter()
    kept: list[tuple[Unit, nlp.Analysed]] = []
    for unit, found in zip(units, unit_hits(units, matcher), strict=True):
        if not found.hits:
            continue
        counts.update({hit.key for hit in found.hits})
        if keep:
            kept.append((unit, nlp.analysed(found)))
    return Matched(len(units), counts, kept)


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


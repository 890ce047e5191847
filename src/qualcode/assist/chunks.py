"""Cue suggestions in worker processes that read the project themselves (``--processes``).

Documents are handed out in chunks of names, in name order. A worker reads their texts,
kept tokens and units in a read transaction of its own, matches them (in groups, see
:func:`~qualcode.assist.stream.grouped`) and writes what it found in the chosen documents
to a file of its own; only counts and the file's name come back. For the scoring pass each
file goes to a worker, which sends back the proposals, and the files come back in order.
What crosses between processes is names, counts and proposals, never texts, so the
process that started the workers, the only one that writes to the project, is free to
write while they work.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.assist.combine import Structure
from qualcode.assist.cuedoc import DocCues
from qualcode.assist.cuescore import propose_cues
from qualcode.assist.fit import CUE_THRESHOLD
from qualcode.assist.propose import Proposal
from qualcode.assist.stream import matched_groups, worker_codes
from qualcode.assist.units import Unit

# Text per chunk of documents handed to a worker: a handful of transcripts, or a few
# thousand survey answers; enough to keep a worker busy for a good fraction of a second.
CHUNK_CHARACTERS = 400_000
CHUNK_DOCUMENTS = 4_000

Proposed = tuple[Sequence[Unit], list[Proposal]]  # one document's units and proposals


def propose_found(found: DocCues, rare: dict[str, float], min_score: float | None) -> Proposed:
    """Cue proposals for one document's units with hits, scored with the corpus's ``rare``."""
    threshold = CUE_THRESHOLD if min_score is None else min_score
    return found.units, propose_cues(found, rare, _structure(), threshold=threshold)


_STRUCTURES: dict[int, tuple[Sequence[Any], Structure]] = {}


def _structure() -> Structure:
    """The code structure of the codebook this process matches with, made once."""
    codes = worker_codes()
    if id(codes) not in _STRUCTURES:
        _STRUCTURES.clear()
        _STRUCTURES[id(codes)] = (codes, Structure.of(codes, definitions=False))
    return _STRUCTURES[id(codes)][1]


def chunked(sizes: Sequence[tuple[str, int]]) -> list[list[str]]:
    """The names of ``sizes`` (``(name, characters)`` in order) cut into chunks of about
    :data:`CHUNK_CHARACTERS`, in order."""
    chunks: list[list[str]] = []
    names: list[str] = []
    held = 0
    for name, size in sizes:
        names.append(name)
        held += size
        if held >= CHUNK_CHARACTERS or len(names) >= CHUNK_DOCUMENTS:
            chunks.append(names)
            names, held = [], 0
    if names:
        chunks.append(names)
    return chunks


@dataclass(frozen=True)
class ChunkMatched:
    """What a worker found in one chunk: each document's name and unit count (in order),
    the units of the chosen documents, how many units hold each cue key, and the file of
    the chosen documents' hits (``None`` when none had any)."""

    members: list[tuple[str, int]]
    chosen_units: int
    counts: Counter[str]
    path: str | None


def match_chunk(target: str, names: list[str], chosen: frozenset[str], unit: str,
                include_interviewer: bool, path: str) -> ChunkMatched:
    """Match the documents ``names`` of the project at ``target`` (in a worker); keep the
    hits of those in ``chosen`` in the file ``path``."""
    members: list[tuple[str, int]] = []
    counts: Counter[str] = Counter()
    chosen_units = kept = 0
    with _project(target).read() as conn, open(path, "wb") as out:
        for group, matched, keep in matched_groups(conn, names, chosen, unit=unit,
                                                   include_interviewer=include_interviewer,
                                                   keep=True):
            members.extend(group)
            counts.update(matched.counts)
            if keep:
                chosen_units += matched.units
                if matched.found:
                    pickle.dump(matched.found, out, protocol=pickle.HIGHEST_PROTOCOL)
                    kept += 1
    if not kept:
        Path(path).unlink()
    return ChunkMatched(members, chosen_units, counts, path if kept else None)


def propose_chunk(path: str, rare_path: str, min_score: float | None) -> list[Proposed]:
    """:func:`propose_found` for every document kept in the file ``path`` (in a worker),
    with the rarities in the file ``rare_path``."""
    rare = _shared(rare_path)
    proposed: list[Proposed] = []
    with open(path, "rb") as handle:
        while True:
            try:
                found = pickle.load(handle)
            except EOFError:
                break
            proposed.append(propose_found(found, rare, min_score))
    return proposed


def share(folder: str, value: Any) -> str:
    """Write ``value`` for every worker to read once (see :func:`propose_chunk`)."""
    path = str(Path(folder) / "shared.pickle")
    with open(path, "wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


_SHARED: dict[str, Any] = {}


def _shared(path: str) -> Any:
    if path not in _SHARED:
        _SHARED.clear()
        with open(path, "rb") as handle:
            _SHARED[path] = pickle.load(handle)
    return _SHARED[path]


_PROJECTS: dict[tuple[int, str], Any] = {}


def _project(target: str) -> Any:
    """The project at ``target``, opened once per process (a forked worker opens its own)."""
    from qualcode.store import open_project

    key = (os.getpid(), target)
    if key not in _PROJECTS:
        _PROJECTS[key] = open_project(target, create=False)
    return _PROJECTS[key]

"""Files made ready for storing: read, privacy-checked and segmented, here or in workers.

Preparing a file needs no project, so with ``processes > 1`` a pool of worker processes
prepares files while the calling process alone writes them to the project, in the order
the files were given: the result is the same as with one process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from qualcode.errors import QualcodeError
from qualcode.ingest import ReadOptions, read_documents
from qualcode.models import ParsedDocument
from qualcode.segment import SegmentRow, segment_rows_tokens

PrivacyCheck = Literal["warn", "strict", "off"]
AHEAD_PER_PROCESS = 4  # files prepared ahead of the writer, per worker: bounds the memory


@dataclass(frozen=True)
class Preparation:
    """What preparing needs besides the file: read options, checks, and what is stored.

    ``stored`` maps the names of documents already in the project to the SHA-256 of their
    text; a document whose text is unchanged is not segmented again.
    """

    options: ReadOptions
    privacy: PrivacyCheck = "warn"
    model: str | None = None
    stored: Mapping[str, str] | None = None


@dataclass(frozen=True)
class PreparedDocument:
    """One document ready to store, or the reason it will not be.

    ``segments`` is ``None`` when the document was not segmented: refused, failed, or
    unchanged since the project stored it. ``tokens`` are the token boundaries of the
    text (:func:`qualcode.nlp.tokens.encode`) when the default pipeline tokenised it whole.
    """

    doc: ParsedDocument
    text_sha256: str
    segments: list[SegmentRow] | None = None
    refusal: str | None = None
    error: str | None = None
    tokens: bytes | None = None


@dataclass(frozen=True)
class PreparedFile:
    """The documents of one file, or the error that stopped it from being read."""

    path: Path
    documents: tuple[PreparedDocument, ...] = ()
    error: str | None = None


def prepare_file(path: Path, preparation: Preparation) -> PreparedFile:
    """Read ``path``, check each document's privacy and segment the ones to store."""
    if not path.exists():
        return PreparedFile(path, error=f"{path}: no such file")
    try:
        parsed = read_documents(path, options=preparation.options)
    except QualcodeError as exc:
        return PreparedFile(path, error=str(exc))
    documents = [_checked(doc, preparation.privacy) for doc in parsed]
    return PreparedFile(path, tuple(_segmented(documents, preparation)))


def _checked(doc: ParsedDocument, privacy: PrivacyCheck) -> PreparedDocument:
    """The document with a privacy warning added, or refused (``strict``)."""
    from qualcode.privacy import check_parsed, summarise

    findings = check_parsed(doc) if privacy != "off" else []
    if not findings:
        return PreparedDocument(doc, doc.text_sha256)
    advice = f"check it with `qualcode check-privacy {doc.source_path}`"
    if privacy == "strict":
        refusal = f"{doc.source_path}: refused (--strict): {summarise(findings)} ({advice})"
        return PreparedDocument(doc, doc.text_sha256, refusal=refusal)
    warned = replace(doc, warnings=(*doc.warnings, f"{summarise(findings)}; {advice}"))
    return PreparedDocument(warned, doc.text_sha256)


def _segmented(
    documents: list[PreparedDocument], preparation: Preparation
) -> Iterator[PreparedDocument]:
    stored = preparation.stored or {}
    todo = {id(d): d for d in documents
            if d.refusal is None and stored.get(d.doc.name) != d.text_sha256}
    texts = ((d.doc.text, d.doc.turns) for d in todo.values())
    try:
        done = dict(zip(todo, segment_rows_tokens(texts, model=preparation.model), strict=True))
    except QualcodeError as exc:  # the spaCy pipeline named is not installed
        for item in documents:
            yield replace(item, error=str(exc)) if id(item) in todo else item
        return
    for item in documents:
        if id(item) in done:
            segments, tokens = done[id(item)]
            yield replace(item, segments=segments, tokens=tokens)
        else:
            yield item


def prepare_files(
    files: Sequence[Path], preparation: Preparation, *, processes: int = 1
) -> Iterator[PreparedFile]:
    """Prepare ``files`` in order, in this process or in a pool of ``processes`` workers.

    Workers run at most a few files ahead of the consumer, so a slow writer never makes
    the prepared corpus pile up in memory.
    """
    if processes <= 1 or len(files) < 2:
        for path in files:
            yield prepare_file(path, preparation)
        return
    context = _context(preparation)
    workers = min(processes, len(files))
    with context.Pool(workers, initializer=_start_worker, initargs=(preparation,)) as pool:
        waiting: deque[Any] = deque()
        for path in files:
            waiting.append(pool.apply_async(_prepare_in_worker, (path,)))
            if len(waiting) >= workers * AHEAD_PER_PROCESS:
                yield waiting.popleft().get()
        while waiting:
            yield waiting.popleft().get()


def _context(preparation: Preparation) -> Any:
    """Fork where the system can (workers start at once, sharing this process's loaded
    spaCy pipeline), else spawn."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from qualcode.nlp import pipeline

    # loaded once here rather than once in every worker; a pipeline that is not installed
    # is reported by each worker for each document, as one process would
    with contextlib.suppress(QualcodeError):
        pipeline(preparation.model)
    return multiprocessing.get_context("fork")


_WORKER: dict[str, Preparation] = {}


def _start_worker(preparation: Preparation) -> None:
    _WORKER["preparation"] = preparation


def _prepare_in_worker(path: Path) -> PreparedFile:
    return prepare_file(path, _WORKER["preparation"])

"""A read-only snapshot of a project's codings, for building tables and exports."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.errors import ProjectError
from qualcode.models import STATUSES, Code, Codebook, Turn
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import snapshot as store_snapshot

if TYPE_CHECKING:
    from sqlalchemy import Connection

UNSTAGED = "unstaged"


@dataclass(frozen=True)
class DocumentInfo:
    name: str
    case: str | None
    text: str
    text_sha256: str
    turns: tuple[Turn, ...]
    _starts: tuple[int, ...] = field(default=(), repr=False)
    id: int | None = field(default=None, repr=False, compare=False)

    def turn_index(self, offset: int) -> int | None:
        """The index of the turn that contains ``offset`` (None outside every turn)."""
        pos = bisect_right(self._starts, offset) - 1
        if pos >= 0 and self.turns[pos].start <= offset < self.turns[pos].end:
            return pos
        return None


@dataclass(frozen=True)
class Dataset:
    """Codebook, cases, documents and the selected codings of one project."""

    project: str
    codebook: Codebook
    cases: dict[str, dict[str, str]]
    documents: dict[str, DocumentInfo]
    codings: list[dict[str, Any]]
    statuses: tuple[str, ...]
    coders: tuple[str, ...] | None
    # lookups worked out once per snapshot (codes by id, code paths, coding stages)
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def code(self, code_id: str) -> Code | None:
        codes = self.memo.get("codes")
        if codes is None:
            codes = self.memo["codes"] = {code.id: code for code in self.codebook.codes}
        found: Code | None = codes.get(code_id)
        return found

    def path(self, code_id: str) -> tuple[str, ...]:
        """The code's names from its category down (see :meth:`Codebook.path`)."""
        paths: dict[str, tuple[str, ...]] = self.memo.setdefault("paths", {})
        if code_id not in paths:
            paths[code_id] = self.codebook.path(code_id)
        return paths[code_id]

    def stage_ids(self) -> list[str]:
        """Ids of the lifecycle-stage codes, in codebook order."""
        stage_categories = {c.id for c in self.codebook.codes if c.kind == "category" and c.stages}
        return [c.id for c in self.codebook.codes
                if c.kind == "code" and c.category in stage_categories]


def load_dataset(
    project: Project,
    *,
    statuses: Sequence[str] = ("accepted",),
    coders: Sequence[str] | None = None,
    texts: bool = False,
) -> Dataset:
    """Read everything the tables need in one transaction.

    The documents' texts are left empty (tables never need them) unless ``texts``.
    """
    with project.read() as conn:
        return read_dataset(conn, project.target, statuses=statuses, coders=coders, texts=texts)


def read_dataset(
    conn: Connection,
    target: str,
    *,
    statuses: Sequence[str] = ("accepted",),
    coders: Sequence[str] | None = None,
    texts: bool = True,
    codings: bool = True,
) -> Dataset:
    """:func:`load_dataset` inside a transaction the caller holds.

    Without ``codings`` the snapshot has none: an export then streams them from
    :func:`qualcode.store.snapshot.iter_coding_rows` in the same transaction.
    """
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        msg = f"unknown status {unknown[0]!r}; use one of {', '.join(STATUSES)}"
        raise ProjectError(msg)
    codebook = store_codes.project_codebook(conn)
    if codebook is None:
        msg = "the project has no codebook yet"
        raise ProjectError(msg, path=target, hint="load one with `qualcode codebook load FILE`")
    cases = {case.name: dict(case.attributes) for case in store_cases.list_cases(conn)}
    turns = store_snapshot.all_turns(conn)
    texts_by_id = store_snapshot.document_texts(conn) if texts else {}
    documents: dict[str, DocumentInfo] = {}
    for head in store_snapshot.document_heads(conn):
        found = tuple(turns.get(head.id, ()))
        documents[head.name] = DocumentInfo(head.name, head.case, texts_by_id.get(head.id, ""),
                                            head.text_sha256, found,
                                            tuple(t.start for t in found), head.id)
    rows = (list(store_snapshot.iter_coding_rows(conn, statuses=list(statuses), coders=coders))
            if codings else [])
    return Dataset(target, codebook, cases, documents, rows, tuple(statuses),
                   tuple(coders) if coders is not None else None)


def coding_stages(dataset: Dataset) -> dict[int, list[str]]:
    """The lifecycle stage(s) of every coding, by coding id (worked out once per dataset).

    A code fixed to a stage gives that stage; a stage code is its own stage; any other
    coding takes the stage codes of codings that overlap it in the same turn; failing
    that it is ``unstaged``.
    """
    found: dict[int, list[str]] | None = dataset.memo.get("stages")
    if found is None:
        found = dataset.memo["stages"] = codings_stages(dataset, dataset.codings)
    return found


def codings_stages(dataset: Dataset, rows: Sequence[dict[str, Any]]) -> dict[int, list[str]]:
    """:func:`coding_stages` of some codings only (all the codings of their documents)."""
    stage_ids = set(dataset.stage_ids())
    order = {stage: i for i, stage in enumerate(dataset.stage_ids())}
    by_turn: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["code_id"] in stage_ids:
            doc = dataset.documents[row["document"]]
            by_turn[(row["document"], doc.turn_index(row["start"]))].append(row)
    stages: dict[int, list[str]] = {}
    for row in rows:
        code = dataset.code(row["code_id"])
        if row["code_id"] in stage_ids:
            found = [row["code_id"]]
        elif code is not None and code.stage:
            found = [code.stage]
        elif by_turn:
            doc = dataset.documents[row["document"]]
            key = (row["document"], doc.turn_index(row["start"]))
            found = sorted(
                {s["code_id"] for s in by_turn.get(key, ())
                 if s["start"] < row["end"] and row["start"] < s["end"]},
                key=lambda stage: order.get(stage, len(order)),
            )
        else:
            found = []
        stages[row["coding_id"]] = found or [UNSTAGED]
    return stages

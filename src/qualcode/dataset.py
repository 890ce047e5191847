"""A read-only snapshot of a project's codings, for building tables and exports."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import ProjectError
from qualcode.models import STATUSES, Code, Codebook, Turn
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents


@dataclass(frozen=True)
class DocumentInfo:
    name: str
    case: str | None
    text: str
    text_sha256: str
    turns: tuple[Turn, ...]
    _starts: tuple[int, ...] = field(default=(), repr=False)

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

    def code(self, code_id: str) -> Code | None:
        return self.codebook.get(code_id)

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
) -> Dataset:
    """Read everything the tables need in one transaction."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        msg = f"unknown status {unknown[0]!r}; use one of {', '.join(STATUSES)}"
        raise ProjectError(msg)
    with project.read() as conn:
        codebook = store_codes.project_codebook(conn)
        if codebook is None:
            msg = "the project has no codebook yet"
            raise ProjectError(msg, path=project.target, hint="load one with `qualcode codebook load FILE`")
        cases = {case.name: dict(case.attributes) for case in store_cases.list_cases(conn)}
        documents: dict[str, DocumentInfo] = {}
        for doc in store_documents.all_documents(conn):
            turns = tuple(store_documents.document_turns(conn, doc.id))
            documents[doc.name] = DocumentInfo(doc.name, doc.case, doc.text, doc.text_sha256,
                                               turns, tuple(t.start for t in turns))
        rows = store_codings.coding_export_rows(conn, statuses=list(statuses))
    if coders is not None:
        rows = [row for row in rows if row["coder"] in set(coders)]
    return Dataset(project.target, codebook, cases, documents, rows, tuple(statuses),
                   tuple(coders) if coders is not None else None)

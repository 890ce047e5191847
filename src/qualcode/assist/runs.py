"""Runs of the assistant and of imports: list them, accept suggestions in bulk, undo a run.

Each run records in the event log what it changed: a suggestion run the codings it added,
an accept run every coding it accepted with its status and coder from before, an import
run the codings it added (they carry its run id). ``undo`` uses that record to put the
project back exactly as it was, keeps what people decided since, and marks the run
``undone`` so it cannot be undone twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection

from qualcode.assist.fit import check_method
from qualcode.assist.suggest import ASSISTANT, has_prefix
from qualcode.errors import UserError
from qualcode.models import Coding
from qualcode.store import Project
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store import documents as store_documents
from qualcode.store.log import Event, list_events, log_event
from qualcode.store.runs import finish_run, start_run

UNDOABLE = ("suggest", "accept", "import")
_COUNTED = {"suggest.run": "added", "accept.run": "accepted", "codings.import": "added"}


@dataclass(frozen=True)
class RunInfo:
    """A run with the counts its events recorded."""

    id: str
    kind: str
    actor: str
    status: str
    started_at: str
    finished_at: str | None
    params: dict[str, object]
    counts: dict[str, int]


def list_runs(project: Project, *, kind: str | None = None) -> list[RunInfo]:
    """Every run, newest first, with what it added, accepted or undid."""
    with project.read() as conn:
        runs = store_decisions.list_runs(conn, kind=kind)
        events = [e for action in (*_COUNTED, "run.undo") for e in list_events(conn, action=action)]
    counts: dict[str, dict[str, int]] = {}
    order: dict[str, int] = {}  # the event that recorded the run: ties in time keep their order
    for event in events:
        if event.action in _COUNTED:
            order[event.entity_id or ""] = event.id
        found = counts.setdefault(event.entity_id or "", {})
        if event.action in _COUNTED:
            found[_COUNTED[event.action]] = int(event.payload.get("added",
                                                                  event.payload.get("accepted", 0)))
        else:
            found.update({k: int(v) for k, v in event.payload.get("counts", {}).items()})
    runs = sorted(runs, key=lambda r: (r.started_at, order.get(r.id, 0)), reverse=True)
    return [RunInfo(r.id, r.kind, r.actor, r.status, r.started_at, r.finished_at, r.params,
                    counts.get(r.id, {})) for r in runs]


@dataclass
class AcceptReport:
    """Suggestions accepted (or, without ``apply``, that would be)."""

    applied: bool
    min_score: float
    run_id: str | None = None
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_code.values())


def accept_suggestions(
    project: Project,
    *,
    min_score: float,
    code_prefixes: Sequence[str] = (),
    method: str | None = None,
    document: str | None = None,
    coder: str | None = None,
    apply: bool = False,
) -> AcceptReport:
    """Accept every pending suggestion scoring at least ``min_score``, as one run.

    ``method`` keeps suggestions made by suggestion runs of that method. Without ``apply``
    nothing changes: the report says what would be accepted.
    """
    if method is not None:
        check_method(method)
    if apply and not coder:
        msg = "a coder is needed to accept suggestions: who takes the decision"
        raise UserError(msg, hint="pass --coder NAME")
    report = AcceptReport(apply, min_score)
    with project.write() if apply else project.read() as conn:
        if document is not None and store_documents.find_document(conn, document) is None:
            msg = f"no document named {document!r}"
            raise UserError(msg, hint="see `qualcode documents`")
        chosen = _pending(conn, min_score, code_prefixes, method, document)
        report.by_code = dict(sorted(Counter(c.code for c in chosen).items()))
        if not apply or not chosen:
            return report
        assert coder is not None
        params = {"min_score": min_score, "codes": list(code_prefixes), "method": method,
                  "document": document}
        report.run_id = start_run(conn, kind="accept", actor=coder, params=params)
        changes = []
        for coding in chosen:
            assert coding.id is not None
            store_decisions.decide(conn, coding.id, status="accepted", coder=coder)
            changes.append({"id": coding.id, "status": coding.status, "coder": coding.coder})
        finish_run(conn, report.run_id)
        log_event(conn, actor=coder, action="accept.run", entity="run", entity_id=report.run_id,
                  payload={**params, "accepted": len(changes), "changes": changes})
    return report


def _pending(conn: Connection, min_score: float, prefixes: Sequence[str], method: str | None,
             document: str | None) -> list[Coding]:
    found = store_decisions.pending_suggestions(conn, code_prefixes=list(prefixes),
                                                document=document, order="document")
    runs = None
    if method is not None:
        runs = {r.id for r in store_decisions.list_runs(conn, kind="suggest")
                if r.params.get("method") == method}
    return [c for c in found if c.score is not None and c.score >= min_score
            and has_prefix(c.code, prefixes) and (runs is None or c.run_id in runs)]


@dataclass(frozen=True)
class UndoReport:
    """What undoing a run changed, and what it left alone."""

    run_id: str
    kind: str
    removed: int = 0
    restored: int = 0
    kept: int = 0  # codings decided or changed by someone since the run: human work


def undo_run(project: Project, run_id: str, *, actor: str = "qualcode") -> UndoReport:
    """Undo a suggestion, accept or import run (see the module docstring)."""
    with project.write() as conn:
        run = store_decisions.get_run(conn, run_id)
        if run is None:
            msg = f"no run {run_id!r}"
            raise UserError(msg, hint="see `qualcode runs`")
        if run.status == "undone":
            msg = f"run {run_id} was already undone"
            raise UserError(msg, hint="see `qualcode runs`")
        if run.kind not in UNDOABLE:
            msg = f"runs of kind {run.kind!r} cannot be undone"
            raise UserError(msg)
        if run.kind == "accept":
            report = _undo_accept(conn, run_id, _run_event(conn, run_id, "accept.run"))
        else:
            report = _undo_added(conn, run_id, run.kind, actor=actor)
        finish_run(conn, run_id, status="undone")
        log_event(conn, actor=actor, action="run.undo", entity="run", entity_id=run_id,
                  payload={"kind": run.kind, "counts": {"removed": report.removed,
                                                        "restored": report.restored,
                                                        "kept": report.kept}})
    return report


def _run_event(conn: Connection, run_id: str, action: str) -> Event:
    for event in list_events(conn, action=action):
        if event.entity_id == run_id:
            return event
    msg = f"the event log has no record of what run {run_id} changed"
    raise UserError(msg, hint="it cannot be undone exactly")


def _undo_added(conn: Connection, run_id: str, kind: str, *, actor: str) -> UndoReport:
    """Remove what a suggest or import run added; keep suggestions decided since."""
    added = store_decisions.run_codings(conn, run_id)
    if kind == "suggest":
        removable = [c for c in added if c.status == "suggested" and c.coder == ASSISTANT]
    else:
        removable = added
        for coding in added:  # imported human codings stay restorable one by one
            log_event(conn, actor=actor, action="coding.remove", entity="coding",
                      entity_id=coding.id, payload=asdict(coding))
    store_decisions.delete_codings(conn, [c.id for c in removable if c.id is not None])
    return UndoReport(run_id, kind, removed=len(removable), kept=len(added) - len(removable))


def _undo_accept(conn: Connection, run_id: str, event: Event) -> UndoReport:
    """Put each accepted coding back to its status and coder, unless changed since."""
    restored = kept = 0
    accepter = str(event.actor)
    for change in event.payload.get("changes", []):
        current = store_codings.get_coding(conn, int(change["id"]))
        if current is None or current.status != "accepted" or current.coder != accepter:
            kept += 1
            continue
        store_decisions.restore_fields(conn, int(change["id"]),
                                       {"status": change["status"], "coder": change["coder"]})
        restored += 1
    return UndoReport(run_id, "accept", restored=restored, kept=kept)

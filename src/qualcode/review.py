"""Reviewing suggestions: a queue, decisions saved one at a time, undo.

A decision is one transaction and one event in the log; the event keeps the coding's
fields from before and after, so :func:`undo_decision` can put them back exactly.
``change`` rejects the suggestion (it keeps its code, so it is not proposed again) and
accepts the reviewer's code on the same span. ``widen`` and ``narrow`` move a pending
suggestion to its whole turn or to one sentence; ``memo`` notes on it. Nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from qualcode.coding import _resolve_code
from qualcode.context import (
    DocumentParts,
    ReviewItem,
    document_parts,
    evidence_marks,
    evidence_terms,
    review_item,
)
from qualcode.errors import CodingError
from qualcode.models import Code, Coding
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store import documents as store_documents
from qualcode.store.log import get_event, log_event

ACTIONS = ("accept", "reject", "change", "widen", "narrow", "memo")
FINAL = ("accept", "reject", "change")  # the suggestion is decided; the review moves on
ORDERS = ("score", "document")
_FIELDS = ("status", "coder", "code", "start", "end", "quote", "memo")


@dataclass(frozen=True)
class Decision:
    """A saved decision: its event (for undo) and the coding ``change`` made, if any."""

    action: str
    coding_id: int
    event_id: int
    created: int | None = None


def find_code(codes: list[Code], value: str) -> Code:
    """A code by id, or by its unique name; errors name no file (callers add the place)."""
    try:
        return _resolve_code(codes, value.strip(), where="")
    except CodingError as exc:
        raise CodingError(exc.message, hint=exc.hint) from None


def _code_of(conn: Connection, code_id: str) -> Code:
    codebook = store_codes.project_codebook(conn)
    code = codebook.get(code_id) if codebook is not None else None
    return code if code is not None else Code(id=code_id, name=code_id)


def _fields(coding: Coding) -> dict[str, Any]:
    values = asdict(coding)
    return {name: values[name] for name in _FIELDS}


def _pending(conn: Connection, coding_id: int) -> Coding:
    coding = store_codings.get_coding(conn, coding_id)
    if coding is None:
        msg = f"suggestion {coding_id} is no longer in the project"
        raise CodingError(msg)
    if coding.status != "suggested":
        msg = f"suggestion {coding_id} was already {coding.status} by {coding.coder}"
        raise CodingError(msg)
    return coding


def apply_decision(
    project: Project,
    coding_id: int,
    action: str,
    *,
    coder: str,
    code: str | None = None,
    memo: str | None = None,
) -> Decision:
    """Save one decision on a pending suggestion in its own transaction (see module doc)."""
    with project.write() as conn:
        return record_decision(conn, coding_id, action, coder=coder, code=code, memo=memo)


def record_decision(
    conn: Connection,
    coding_id: int,
    action: str,
    *,
    coder: str,
    code: str | None = None,
    memo: str | None = None,
    source: str = "review",
) -> Decision:
    """:func:`apply_decision` inside the caller's transaction; ``code`` is for ``change``."""
    if action not in ACTIONS:
        msg = f"unknown decision {action!r}; use one of {', '.join(ACTIONS)}"
        raise CodingError(msg)
    coding = _pending(conn, coding_id)
    assert coding.id is not None
    extra: dict[str, Any] = {}
    if action in ("accept", "reject"):
        status = "accepted" if action == "accept" else "rejected"
        store_decisions.decide(conn, coding.id, status=status, coder=coder, memo=memo)
    elif action == "change":
        extra = _change_code(conn, coding, code or "", coder=coder, memo=memo)
    elif action == "memo":
        if not memo:
            raise CodingError("the memo is empty")
        store_decisions.set_memo(conn, coding.id, memo)
    else:
        _move(conn, coding, action)
    after = store_codings.get_coding(conn, coding.id)
    assert after is not None
    payload = {"before": _fields(coding), "after": _fields(after), "source": source, **extra}
    event_id = log_event(conn, actor=coder, action=f"review.{action}", entity="coding",
                         entity_id=coding.id, payload=payload)
    return Decision(action, coding.id, event_id, extra.get("created"))


def _same_span(conn: Connection, coding: Coding, start: int, end: int, code: str) -> Coding | None:
    for other in store_codings.find_codings(conn, document=coding.document):
        if (other.start, other.end, other.code) == (start, end, code) and other.id != coding.id:
            return other
    return None


def _change_code(
    conn: Connection, coding: Coding, value: str, *, coder: str, memo: str | None
) -> dict[str, Any]:
    assert coding.id is not None
    new = find_code(store_codes.list_codes(conn), value)
    if new.id == coding.code:
        msg = f"{new.id} is already the suggested code"
        raise CodingError(msg, hint="accept it instead")
    store_decisions.decide(conn, coding.id, status="rejected", coder=coder)
    other = _same_span(conn, coding, coding.start, coding.end, new.id)
    if other is not None and other.id is not None:
        if other.status != "accepted":
            store_decisions.decide(conn, other.id, status="accepted", coder=coder, memo=memo)
        return {"code": new.id, "other": {"id": other.id, "before": _fields(other)}}
    accepted = Coding(document=coding.document, start=coding.start, end=coding.end,
                      quote=coding.quote, code=new.id, coder=coder, memo=memo)
    doc = store_documents.find_document(conn, coding.document)
    assert doc is not None
    (created,) = store_codings.insert_codings(conn, doc.id, doc.text, [accepted])
    return {"code": new.id, "created": created}


def _move(conn: Connection, coding: Coding, action: str) -> None:
    assert coding.id is not None
    parts = document_parts(conn, coding.document)
    start, end = _turn_span(parts, coding) if action == "widen" else _sentence_span(parts, coding)
    if (start, end) == (coding.start, coding.end):
        what = "its whole turn" if action == "widen" else "one sentence"
        msg = f"suggestion {coding.id} already covers {what}"
        raise CodingError(msg)
    other = _same_span(conn, coding, start, end, coding.code)
    if other is not None:
        msg = (f"coding {other.id} ({other.status}, {other.coder}) already has {coding.code} "
               f"on that span")
        raise CodingError(msg, hint="accept or reject this suggestion as it is")
    store_codings.move_coding(conn, coding.id, start, end, parts.doc.text[start:end])


def _turn_span(parts: DocumentParts, coding: Coding) -> tuple[int, int]:
    overlapping = [t for t in parts.turns if t.start < coding.end and coding.start < t.end]
    if not overlapping:
        msg = f"suggestion {coding.id} is outside every turn"
        raise CodingError(msg)
    return overlapping[0].start, max(t.end for t in overlapping)


def _sentence_span(parts: DocumentParts, coding: Coding) -> tuple[int, int]:
    """The sentence with the first evidence mark in it, else the first one overlapping."""
    overlapping = [s for s in parts.sentences if s.start < coding.end and coding.start < s.end]
    if not overlapping:
        msg = f"suggestion {coding.id} has no sentence to narrow to"
        raise CodingError(msg)
    marks = evidence_marks(coding.quote, evidence_terms(coding.rationale))
    if marks:
        offset = coding.start + marks[0][0]
        for seg in overlapping:
            if seg.start <= offset < seg.end:
                return seg.start, seg.end
    return overlapping[0].start, overlapping[0].end


def undo_decision(project: Project, event_id: int, *, actor: str) -> int:
    """Put a coding back as it was before the decision of event ``event_id``; returns its id.

    Refused when the coding has changed since that decision (or was already undone).
    """
    with project.write() as conn:
        event = get_event(conn, event_id)
        if event is None or not event.action.startswith("review.") or event.entity_id is None \
                or event.action == "review.undo":
            msg = f"event {event_id} is not a review decision"
            raise CodingError(msg, hint="see `qualcode log`")
        coding_id = int(event.entity_id)
        current = store_codings.get_coding(conn, coding_id)
        if current is None:
            msg = f"coding {coding_id} is no longer in the project; nothing to undo"
            raise CodingError(msg)
        if _fields(current) != event.payload["after"]:
            msg = f"coding {coding_id} has changed since that decision (already undone?)"
            raise CodingError(msg)
        if event.payload.get("created") is not None:
            store_decisions.delete_codings(conn, [int(event.payload["created"])])
        if event.payload.get("other"):
            other = event.payload["other"]
            store_decisions.restore_fields(conn, int(other["id"]), other["before"])
        store_decisions.restore_fields(conn, coding_id, event.payload["before"])
        log_event(conn, actor=actor, action="review.undo", entity="coding", entity_id=coding_id,
                  payload={"event": event_id})
    return coding_id


@dataclass(frozen=True)
class Step:
    """One step of a review session, for undo: where it happened and its event."""

    position: int
    action: str
    coding_id: int
    event_id: int | None


class ReviewSession:
    """One reviewer going through the pending suggestions; every decision commits at once.

    The queue is fixed when the session starts; suggestions decided elsewhere meanwhile
    are passed over.
    """

    def __init__(
        self,
        project: Project,
        *,
        coder: str,
        code_prefixes: Sequence[str] = (),
        document: str | None = None,
        order: str = "score",
    ) -> None:
        if order not in ORDERS:
            msg = f"unknown order {order!r}; use one of {', '.join(ORDERS)}"
            raise CodingError(msg)
        self.project = project
        self.coder = coder
        with project.read() as conn:
            found = store_decisions.pending_suggestions(
                conn, code_prefixes=code_prefixes, document=document, order=order)
        self.queue: list[int] = [s.id for s in found if s.id is not None]
        self.position = 0
        self.history: list[Step] = []
        self.counts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return len(self.queue)

    def current(self) -> ReviewItem | None:
        """The suggestion to decide now (``None`` at the end of the queue)."""
        with self.project.read() as conn:
            while self.position < len(self.queue):
                coding = store_codings.get_coding(conn, self.queue[self.position])
                if coding is not None and coding.status == "suggested":
                    return review_item(coding, _code_of(conn, coding.code),
                                       document_parts(conn, coding.document))
                self.position += 1
        return None

    def decide(self, action: str, *, code: str | None = None, memo: str | None = None) -> Decision:
        """Save ``action`` on the current suggestion; final decisions move to the next one."""
        if self.position >= len(self.queue):
            raise CodingError("no suggestion left to decide")
        decision = apply_decision(self.project, self.queue[self.position], action,
                                  coder=self.coder, code=code, memo=memo)
        self.history.append(Step(self.position, action, decision.coding_id, decision.event_id))
        self.counts[action] += 1
        if action in FINAL:
            self.position += 1
        return decision

    def skip(self) -> None:
        """Leave the current suggestion pending and move on."""
        if self.position < len(self.queue):
            self.history.append(Step(self.position, "skip", self.queue[self.position], None))
            self.counts["skip"] += 1
            self.position += 1

    def undo(self) -> Step | None:
        """Undo the last step of this session and go back to its suggestion."""
        if not self.history:
            return None
        step = self.history[-1]
        if step.event_id is not None:
            undo_decision(self.project, step.event_id, actor=self.coder)
        self.history.pop()
        self.counts[step.action] -= 1
        self.position = step.position
        return step

    def likely_codes(self, item: ReviewItem, *, limit: int = 9) -> list[Code]:
        """Codes to offer instead: others suggested or coded on overlapping spans, then
        the suggested code's siblings and the rest of its category."""
        with self.project.read() as conn:
            codes = [c for c in store_codes.list_codes(conn) if c.kind == "code"]
            nearby = store_codings.find_codings(conn, document=item.coding.document)
        by_id = {code.id: code for code in codes}
        span = (item.coding.start, item.coding.end)
        overlapping = sorted((c for c in nearby if c.start < span[1] and span[0] < c.end
                              and c.status != "rejected"),
                             key=lambda c: -(c.score or 0.0))
        ranked = [c.code for c in overlapping]
        ranked += [c.id for c in codes if c.parent == item.code.parent]
        ranked += [c.id for c in codes if c.category == item.code.category]
        chosen = [by_id[i] for i in dict.fromkeys(ranked) if i in by_id and i != item.code.id]
        return chosen[:limit]

    def resolve_code(self, value: str, choices: Sequence[Code]) -> str:
        """A code id from a number in ``choices``, a code id or a unique code name."""
        value = value.strip()
        if value.isdigit() and 1 <= int(value) <= len(choices):
            return choices[int(value) - 1].id
        with self.project.read() as conn:
            return find_code(store_codes.list_codes(conn), value).id

    def summary(self) -> dict[str, int]:
        """Counts of this session's decisions, and how many suggestions are left."""
        return {
            "accepted": self.counts["accept"], "rejected": self.counts["reject"],
            "changed": self.counts["change"], "skipped": self.counts["skip"],
            "widened": self.counts["widen"], "narrowed": self.counts["narrow"],
            "memos": self.counts["memo"], "left": len(self.queue) - self.position,
        }

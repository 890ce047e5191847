"""Disagreements between coders, written for review, and the consensus decisions read back.

:func:`find_disagreements` lists every unit on which the coders gave different codes,
with the text around it; :func:`write_disagreements` writes that list as a sheet with a
``decision`` column; :func:`adjudicate` reads the filled sheet and adds the decisions
as codings of a consensus coder. The original codings are never changed.

A decision is a coder's name (take that coder's codes for the unit), ``both`` (or
``all``: every code any coder gave), ``neither`` (or ``none``: no code), or a list of
code ids in ``consensus codes`` (leave ``decision`` empty then). A consensus coding
keeps the chosen coder's own span when that coder coded the code on the unit, and
spans the unit otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from qualcode import anchor
from qualcode.agreement import METHODS, CodedDocument, UnitTable, unit_table
from qualcode.coding import _resolve_code
from qualcode.errors import CodingError, InputError, UserError
from qualcode.ingest.tables import read_rows
from qualcode.models import Code, Coding
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.log import log_event
from qualcode.store.runs import finish_run, start_run

CONTEXT = 160  # characters of context shown around a character stretch
LONG = 32_000  # Excel keeps at most 32,767 characters in a cell
UNION = ("both", "all")
NOTHING = ("neither", "none")
CODES_PREFIX = "codes "
FIXED = ["document", "case", "unit", "start", "end", "speaker", "before", "text", "after"]
TAIL = ["disputed", "decision", "consensus codes", "memo", "text_sha256"]


@dataclass(frozen=True)
class Disagreement:
    """A unit on which the coders gave different codes (``codes`` in coder order)."""

    document: str
    case: str | None
    unit: str
    start: int
    end: int
    speaker: str
    before: str
    text: str
    after: str
    codes: tuple[tuple[str, ...], ...]
    text_sha256: str

    def disputed(self) -> list[str]:
        """Codes some, but not all, coders gave."""
        given = [frozenset(c) for c in self.codes]
        every = frozenset.intersection(*given)
        return sorted({code for codes in given for code in codes} - every)


def find_disagreements(
    project: Project,
    *,
    coders: Sequence[str],
    unit: str = "sentence",
    codes: Sequence[str] = (),
    documents: Sequence[str] = (),
) -> tuple[UnitTable, list[Disagreement]]:
    """Every unit of a document all ``coders`` coded on which their codes differ."""
    table = unit_table(project, coders=coders, unit=unit, codes=codes, documents=documents)
    found: list[Disagreement] = []
    for doc in table.documents:
        if all(doc.present):
            found.extend(_document_disagreements(doc, unit))
    return table, found


def _document_disagreements(doc: CodedDocument, unit: str) -> list[Disagreement]:
    rows = []
    stretches = _stretches(doc) if unit == "character" else list(enumerate(doc.units))
    for index, (start, end) in stretches:
        given = doc.codes[index]
        if len(set(given)) == 1 or not doc.text[start:end].strip():
            continue
        before, after = _context(doc, unit, index, start, end)
        label = f"{unit} {index + 1}" if unit != "character" else f"characters {start}-{end}"
        rows.append(Disagreement(doc.name, doc.case, label, start, end, _speaker(doc, start),
                                 before, _clip(doc.text[start:end]), after,
                                 tuple(tuple(sorted(c)) for c in given), doc.text_sha256))
    return rows


def _stretches(doc: CodedDocument) -> list[tuple[int, tuple[int, int]]]:
    """Adjacent character stretches with the same codes from every coder, joined."""
    joined: list[tuple[int, tuple[int, int]]] = []
    for index, (start, end) in enumerate(doc.units):
        if joined and doc.codes[joined[-1][0]] == doc.codes[index]:
            first, (begin, _) = joined[-1]
            joined[-1] = (first, (begin, end))
        else:
            joined.append((index, (start, end)))
    return joined


def _context(doc: CodedDocument, unit: str, index: int, start: int, end: int) -> tuple[str, str]:
    if unit == "document":
        return "", ""
    if unit == "character":
        return doc.text[max(0, start - CONTEXT) : start], doc.text[end : end + CONTEXT]
    before = doc.text[slice(*doc.units[index - 1])] if index > 0 else ""
    after = doc.text[slice(*doc.units[index + 1])] if index + 1 < len(doc.units) else ""
    return _clip(before), _clip(after)


def _clip(text: str) -> str:
    return text if len(text) <= LONG else text[: LONG - 1] + "…"


def _speaker(doc: CodedDocument, offset: int) -> str:
    for turn in doc.turns:
        if turn.start <= offset < turn.end:
            return turn.speaker
    return ""


def disagreement_rows(coders: Sequence[str], found: Sequence[Disagreement]) -> list[dict[str, Any]]:
    """The rows of the review sheet: one per disagreement, empty decision columns."""
    rows = []
    for item in found:
        row: dict[str, Any] = {key: getattr(item, key) for key in FIXED}
        for coder, given in zip(coders, item.codes, strict=True):
            row[CODES_PREFIX + coder] = "; ".join(given)
        row.update({"disputed": "; ".join(item.disputed()), "decision": "", "consensus codes": "",
                    "memo": "", "text_sha256": item.text_sha256})
        rows.append(row)
    return rows


# -- adjudication -------------------------------------------------------------------------

@dataclass
class AdjudicationReport:
    """What :func:`adjudicate` did with each row of the sheet."""

    path: str
    coder: str
    rows: int = 0
    applied: int = 0
    undecided: int = 0
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    run_id: str | None = None


@dataclass(frozen=True)
class _Row:
    number: int
    document: str
    start: int
    end: int
    text: str
    text_sha256: str
    given: dict[str, list[str]]
    decision: str
    chosen: list[str]
    memo: str | None


def adjudicate(project: Project, path: Path, *, coder: str = "consensus") -> AdjudicationReport:
    """Add the decisions of a filled disagreements sheet as accepted codings of ``coder``.

    Rows that cannot be applied (unknown document or code, a unit no longer found, an
    unclear decision) are listed in ``problems``; the other rows are applied. Running it
    again adds nothing new.
    """
    columns, rows = read_rows(path)
    coders = [c[len(CODES_PREFIX):] for c in columns if c.startswith(CODES_PREFIX)]
    _check_sheet(path, columns, coders, coder)
    report = AdjudicationReport(str(path), coder, rows=len(rows))
    with project.write() as conn:
        codes = store_codes.list_codes(conn, archived=True)
        run_id = start_run(conn, kind="adjudicate", actor=coder, params={"file": str(path)})
        existing = {_key(c) for c in store_codings.find_codings(conn, coder=coder)}
        for number, cells in rows:
            try:
                row = _parse_row(number, cells, coders, codes)
                if row is None:
                    report.undecided += 1
                    continue
                made = _decide(conn, row, coders, coder=coder, run_id=run_id)
            except UserError as exc:
                hint = f" ({exc.hint})" if exc.hint else ""
                report.problems.append(f"{path}:{number}: {exc.message}{hint}")
                continue
            report.applied += 1
            _store(conn, made, existing, report)
        finish_run(conn, run_id)
        log_event(conn, actor=coder, action="codings.adjudicate", entity="run", entity_id=run_id,
                  payload={"file": str(path), "applied": report.applied, "added": report.added,
                           "problems": len(report.problems)})
        report.run_id = run_id
    return report


def _check_sheet(path: Path, columns: list[str], coders: list[str], coder: str) -> None:
    missing = [c for c in ("document", "start", "end", "decision", "consensus codes")
               if c not in columns]
    if len(coders) < 2:
        missing.append("'codes <coder>' for two or more coders")
    if missing:
        msg = f"not a disagreements sheet: missing column(s) {', '.join(missing)}"
        raise InputError(msg, path=path, line=1, hint="write one with `qualcode disagreements`")
    if coder in coders or coder in METHODS:
        msg = f"the consensus coder must differ from the coders compared ({', '.join(coders)})"
        raise UserError(msg, hint="name another with --as")


_SPLIT = re.compile(r"[;,\n]+")


def _codes_cell(value: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(value) if part.strip()]


def _parse_row(number: int, cells: dict[str, str], coders: list[str],
               codes: list[Code]) -> _Row | None:
    decision = cells.get("decision", "").strip()
    listed = _codes_cell(cells.get("consensus codes", ""))
    if not decision and not listed:
        return None
    given = {c: _codes_cell(cells.get(CODES_PREFIX + c, "")) for c in coders}
    if decision and listed:
        msg = "give either a decision or consensus codes, not both"
        raise CodingError(msg)
    name = cells.get("document", "")
    values = listed or _decided_codes(decision, given)
    chosen = [_resolve_code(codes, value, where=name).id for value in values]
    return _Row(number, name, _int(cells, "start"), _int(cells, "end"), cells.get("text", ""),
                cells.get("text_sha256", ""), given, decision, chosen, cells.get("memo") or None)


def _decided_codes(decision: str, given: dict[str, list[str]]) -> list[str]:
    lowered = decision.casefold()
    by_name = {c.casefold(): c for c in given}
    if lowered in by_name:
        return given[by_name[lowered]]
    if lowered in UNION:
        return sorted({code for codes in given.values() for code in codes})
    if lowered in NOTHING:
        return []
    choices = ", ".join([*given, *UNION, *NOTHING])
    msg = f"unknown decision {decision!r}; use one of {choices}"
    raise CodingError(msg)


def _int(cells: dict[str, str], column: str) -> int:
    try:
        return int(float(cells.get(column, "")))
    except ValueError:
        msg = f"{column} is not a number: {cells.get(column, '')!r}"
        raise CodingError(msg) from None


def _decide(conn: Connection, row: _Row, coders: list[str], *, coder: str,
            run_id: str) -> list[Coding]:
    """The consensus codings for one decided row."""
    doc = store_documents.find_document(conn, row.document)
    if doc is None:
        msg = f"unknown document {row.document!r}"
        raise CodingError(msg)
    start, end = _locate(doc.text, doc.text_sha256, row)
    sources = _sources(row, coders)
    theirs = [c for c in store_codings.find_codings(conn, document=row.document)
              if c.start < end and start < c.end and any(_owns(c, s) for s in sources)]
    made: list[Coding] = []
    for code in row.chosen:
        spans = _spans_of(theirs, sources, code) or [_trim(doc.text, start, end)]
        made.extend(Coding(document=row.document, start=s, end=e, quote=doc.text[s:e], code=code,
                           coder=coder, memo=row.memo, run_id=run_id) for s, e in spans)
    return made


def _spans_of(codings: list[Coding], sources: list[str], code: str) -> list[tuple[int, int]]:
    """The spans of ``code`` by the first source coder who coded it here."""
    for source in sources:
        spans = sorted({(c.start, c.end) for c in codings if c.code == code and _owns(c, source)})
        if spans:
            return spans
    return []


def _sources(row: _Row, coders: list[str]) -> list[str]:
    """The coders whose spans a decision takes."""
    by_name = {c.casefold(): c for c in coders}
    chosen = by_name.get(row.decision.casefold())
    return [chosen] if chosen is not None else coders


def _owns(coding: Coding, coder: str) -> bool:
    if coder in METHODS:
        return coding.origin in METHODS[coder]
    return coding.coder == coder and coding.status == "accepted"


def _locate(text: str, text_sha256: str, row: _Row) -> tuple[int, int]:
    """The unit's span now; found again by its text when the document changed."""
    if text_sha256 == row.text_sha256 and 0 <= row.start < row.end <= len(text):
        return row.start, row.end
    unit_text = row.text.removeprefix("'")  # a defused CSV cell
    spans = anchor.find_quote(text, unit_text) if unit_text.strip() else []
    if not spans:
        msg = "the document changed since the sheet was written and the unit is no longer in it"
        raise CodingError(msg, hint="write the disagreements again")
    return min(spans, key=lambda span: abs(span[0] - row.start))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _key(coding: Coding) -> tuple[str, int, int, str]:
    return (coding.document, coding.start, coding.end, coding.code)


def _store(conn: Connection, made: list[Coding], existing: set[tuple[str, int, int, str]],
           report: AdjudicationReport) -> None:
    for coding in made:
        if _key(coding) in existing:
            report.duplicates += 1
            continue
        existing.add(_key(coding))
        doc = store_documents.find_document(conn, coding.document)
        assert doc is not None
        store_codings.insert_codings(conn, doc.id, doc.text, [coding])
        report.added += 1

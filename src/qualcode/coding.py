"""Coding by hand: add, import from a spreadsheet, remove and restore codings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection

from qualcode import anchor
from qualcode.errors import CodingError, InputError, ProjectError, QualcodeError
from qualcode.ingest.tables import read_rows
from qualcode.models import Code, Coding
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.log import get_event, log_event
from qualcode.store.runs import finish_run, start_run


def _resolve_code(codes: list[Code], value: str, *, where: str) -> Code:
    """A code by id, or by name when the name is unique (case-insensitive)."""
    for code in codes:
        if code.id == value:
            if code.kind == "category":
                msg = f"{value!r} is a category, not a code"
                raise CodingError(msg, path=where)
            return code
    named = [c for c in codes if c.kind == "code" and c.name.casefold() == value.casefold()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        msg = f"code name {value!r} is ambiguous; use its id ({', '.join(c.id for c in named)})"
        raise CodingError(msg, path=where)
    msg = f"unknown code {value!r}"
    raise CodingError(msg, path=where, hint="see `qualcode codebook show`")


def _project_codes(conn: Connection) -> list[Code]:
    codes = store_codes.list_codes(conn)
    if not codes:
        msg = "the project has no codebook yet"
        raise ProjectError(msg, hint="load one with `qualcode codebook load FILE`")
    return codes


def add_coding(
    project: Project,
    *,
    document: str,
    code: str,
    coder: str,
    quote: str | None = None,
    start: int | None = None,
    end: int | None = None,
    occurrence: int | None = None,
    memo: str | None = None,
) -> Coding:
    """Add one human coding (status accepted) by quote or by offsets; returns it with its id."""
    with project.write() as conn:
        doc = store_documents.find_document(conn, document)
        if doc is None:
            msg = f"no document named {document!r}"
            raise CodingError(msg, hint="see `qualcode documents`")
        resolved = _resolve_code(_project_codes(conn), code, where=document)
        if quote is not None:
            span = anchor.place_quote(doc.text, quote, document=document, occurrence=occurrence)
        elif start is not None and end is not None:
            span = anchor.span_of_offsets(doc.text, start, end, document=document)
        else:
            msg = "give either a quote or both start and end"
            raise CodingError(msg)
        coding = Coding(document=document, start=span[0], end=span[1],
                        quote=doc.text[span[0] : span[1]], code=resolved.id, coder=coder, memo=memo)
        (coding_id,) = store_codings.insert_codings(conn, doc.id, doc.text, [coding])
        log_event(conn, actor=coder, action="coding.add", entity="coding", entity_id=coding_id,
                  payload=asdict(coding))
        stored = store_codings.get_coding(conn, coding_id)
    assert stored is not None
    return stored


@dataclass
class ImportReport:
    """Outcome of importing a codings sheet."""

    path: str
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    committed: bool = False
    run_id: str | None = None


REQUIRED = ("document", "code")


def import_codings(
    project: Project,
    path: Path,
    *,
    coder: str | None = None,
    skip_bad: bool = False,
) -> ImportReport:
    """Import human codings from a CSV/XLSX sheet.

    Columns: ``document``, ``code`` (id or name), and either ``quote`` or ``start`` and
    ``end``; optional ``coder``, ``memo`` and ``occurrence``. Rows already in the project
    are skipped. If any row cannot be placed nothing is committed, unless ``skip_bad``.
    """
    columns, rows = read_rows(path)
    _check_columns(path, columns, coder)
    report = ImportReport(path=str(path), rows=len(rows))
    try:
        _import_rows(project, path, rows, report, coder=coder, skip_bad=skip_bad)
    except _Rollback:
        report.committed = False
    return report


class _Rollback(Exception):
    """Raised inside the write transaction to undo a partial import."""


def _import_rows(
    project: Project,
    path: Path,
    rows: list[tuple[int, dict[str, str]]],
    report: ImportReport,
    *,
    coder: str | None,
    skip_bad: bool,
) -> None:
    with project.write() as conn:
        codes = _project_codes(conn)
        run_id = start_run(conn, kind="import", actor=coder or "import",
                           params={"file": str(path), "skip_bad": skip_bad})
        texts: dict[str, store_documents.StoredDocument | None] = {}
        existing = {_key(c) for c in store_codings.find_codings(conn)}
        for number, row in rows:
            try:
                coding = _row_coding(conn, row, codes, texts, coder=coder, run_id=run_id,
                                     where=f"{path}:{number}")
            except CodingError as exc:
                report.problems.append(_row_problem(path, number, exc))
                continue
            if _key(coding) in existing:
                report.duplicates += 1
                continue
            existing.add(_key(coding))
            doc = texts[coding.document]
            assert doc is not None
            store_codings.insert_codings(conn, doc.id, doc.text, [coding])
            report.added += 1
        if report.problems and not skip_bad:
            raise _Rollback
        finish_run(conn, run_id)
        log_event(conn, actor=coder or "import", action="codings.import", entity="run",
                  entity_id=run_id, payload={"file": str(path), "added": report.added,
                                             "skipped": len(report.problems)})
        report.committed = True
        report.run_id = run_id


def _check_columns(path: Path, columns: list[str], coder: str | None) -> None:
    missing = [name for name in REQUIRED if name not in columns]
    if "quote" not in columns and not {"start", "end"} <= set(columns):
        missing.append("quote (or start and end)")
    if coder is None and "coder" not in columns:
        missing.append("coder (or pass --coder)")
    if missing:
        msg = f"missing column(s): {', '.join(missing)}; found: {', '.join(columns) or 'none'}"
        raise InputError(msg, path=path, line=1)


def _row_problem(path: Path, number: int, exc: CodingError) -> str:
    return f"{path}:{number}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")


def _key(coding: Coding) -> tuple[str, int, int, str, str]:
    return (coding.document, coding.start, coding.end, coding.code, coding.coder)


def _row_coding(
    conn: Connection,
    row: dict[str, str],
    codes: list[Code],
    texts: dict[str, store_documents.StoredDocument | None],
    *,
    coder: str | None,
    run_id: str,
    where: str,
) -> Coding:
    name = row.get("document", "")
    if name not in texts:
        texts[name] = store_documents.find_document(conn, name) if name else None
    doc = texts[name]
    if doc is None:
        msg = f"unknown document {name!r}" if name else "empty document cell"
        raise CodingError(msg, hint="see `qualcode documents` for the names")
    code = _resolve_code(codes, row.get("code", ""), where=name)
    who = row.get("coder") or coder
    if not who:
        msg = "empty coder cell"
        raise CodingError(msg)
    span = _row_span(doc.text, row, document=name)
    return Coding(document=name, start=span[0], end=span[1], quote=doc.text[span[0] : span[1]],
                  code=code.id, coder=who, memo=row.get("memo") or None, run_id=run_id)


def _row_span(text: str, row: dict[str, str], *, document: str) -> anchor.Span:
    quote = row.get("quote", "")
    occurrence = _int(row.get("occurrence", ""), "occurrence") if row.get("occurrence") else None
    if row.get("start") and row.get("end"):
        span = anchor.span_of_offsets(text, _int(row["start"], "start"), _int(row["end"], "end"),
                                      document=document)
        if quote and anchor.find_quote(text[span[0] : span[1]], quote) != [(0, span[1] - span[0])]:
            msg = f"quote does not match the text at {span[0]}-{span[1]}"
            raise CodingError(msg)
        return span
    if not quote.strip():
        msg = "empty quote and no start/end"
        raise CodingError(msg)
    try:
        return anchor.place_quote(text, quote, document=document, occurrence=occurrence)
    except CodingError as exc:
        raise CodingError(exc.message, hint=exc.hint) from exc


def _int(value: str, column: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        msg = f"{column} is not a number: {value!r}"
        raise CodingError(msg) from None


def remove_coding(project: Project, coding_id: int, *, actor: str) -> tuple[Coding, int]:
    """Delete a coding; returns it and the id of the event that keeps it for restoring."""
    with project.write() as conn:
        coding = store_codings.get_coding(conn, coding_id)
        if coding is None:
            msg = f"no coding with id {coding_id}"
            raise CodingError(msg, hint="see `qualcode export segments` for coding ids")
        store_codings.delete_coding(conn, coding_id)
        event_id = log_event(conn, actor=actor, action="coding.remove", entity="coding",
                             entity_id=coding_id, payload=asdict(coding))
    return coding, event_id


def restore_coding(project: Project, event_id: int, *, actor: str) -> Coding:
    """Put back a coding that was removed (or lost on re-ingest) from its event."""
    with project.write() as conn:
        event = get_event(conn, event_id)
        if event is None or event.action not in ("coding.remove", "coding.lost"):
            msg = f"event {event_id} did not remove a coding"
            raise CodingError(msg, hint="see `qualcode log`")
        values = {k: v for k, v in event.payload.items() if k != "id"}
        coding = Coding(**values)
        doc = store_documents.find_document(conn, coding.document)
        if doc is None:
            msg = f"document {coding.document!r} is no longer in the project"
            raise CodingError(msg)
        if doc.text[coding.start : coding.end] != coding.quote:
            try:
                start, end = anchor.place_quote(doc.text, coding.quote, document=coding.document)
            except QualcodeError as exc:
                msg = f"cannot restore: {exc}"
                raise CodingError(msg) from exc
            coding = Coding(**{**values, "start": start, "end": end})
        (new_id,) = store_codings.insert_codings(conn, doc.id, doc.text, [coding])
        log_event(conn, actor=actor, action="coding.restore", entity="coding", entity_id=new_id,
                  payload={"event": event_id})
        restored = store_codings.get_coding(conn, new_id)
    assert restored is not None
    return restored

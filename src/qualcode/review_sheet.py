"""Reviewing suggestions in a spreadsheet: export pending ones, import the decisions.

The workbook has a ``review`` sheet (one row per suggestion, with ``decision``, ``code``
and ``memo`` columns for the reviewer) and a hidden ``qualcode-key`` sheet that records,
per coding id, the span, code, status and text hashes at export time. Importing checks
every decided row against that key, applies what still matches in one transaction and
reports the rest by row number.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from qualcode.context import Context, DocumentParts, ReviewItem, document_parts, review_item
from qualcode.errors import CodingError, ExportError, InputError
from qualcode.fileio import atomic_path
from qualcode.ingest.common import require_zip
from qualcode.ingest.normalise import read_bytes
from qualcode.models import Coding, sha256_text
from qualcode.review import ORDERS, find_code, record_decision
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store.log import log_event

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

REVIEW_SHEET = "review"
KEY_SHEET = "qualcode-key"
KEY_MARK = "qualcode review sheet 1"
COLUMNS = ("coding_id", "document", "case", "speaker", "context_before", "passage",
           "context_after", "suggested_code", "code_name", "score", "evidence",
           "decision", "code", "memo")
KEY_COLUMNS = ("coding_id", "document", "text_sha256", "start", "end", "quote_sha256", "code",
               "status")
DECISIONS = ("accept", "reject")
_WIDTHS = {"coding_id": 10, "document": 18, "case": 14, "speaker": 10, "context_before": 40,
           "passage": 60, "context_after": 40, "suggested_code": 24, "code_name": 24,
           "score": 7, "evidence": 30, "decision": 10, "code": 20, "memo": 30}
_WRAPPED = {"context_before", "passage", "context_after", "code_name", "evidence", "memo"}
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def export_review_sheet(
    project: Project,
    path: Path,
    *,
    code_prefixes: tuple[str, ...] = (),
    document: str | None = None,
    order: str = "score",
) -> int:
    """Write the pending suggestions to a review workbook at ``path``; returns the rows."""
    if path.suffix.lower() != ".xlsx":
        raise ExportError("a review sheet must be an .xlsx file", path=path)
    if order not in ORDERS:
        raise ExportError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    items = _pending_items(project, code_prefixes=code_prefixes, document=document, order=order)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = REVIEW_SHEET
    _fill_review(sheet, items)
    _fill_key(book.create_sheet(KEY_SHEET), items)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return len(items)


def _pending_items(
    project: Project, *, code_prefixes: tuple[str, ...], document: str | None, order: str
) -> list[ReviewItem]:
    with project.read() as conn:
        codebook = store_codes.project_codebook(conn)
        found = store_decisions.pending_suggestions(
            conn, code_prefixes=code_prefixes, document=document, order=order)
        parts: dict[str, DocumentParts] = {}
        items = []
        for coding in found:
            if coding.document not in parts:
                parts[coding.document] = document_parts(conn, coding.document)
            code = codebook.get(coding.code) if codebook is not None else None
            if code is not None:
                items.append(review_item(coding, code, parts[coding.document]))
    return items


def _context(context: Context | None, speaker: str) -> str:
    if context is None:
        return ""
    if context.speaker in ("", speaker):
        return context.text
    return f"{context.speaker}: {context.text}"


def _review_row(item: ReviewItem) -> list[Any]:
    coding = item.coding
    return [coding.id, coding.document, item.case, item.speaker,
            _context(item.before, item.speaker), coding.quote, _context(item.after, item.speaker),
            coding.code, item.code.name, coding.score, coding.rationale, None, None, None]


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value if value != "" else None)
    if isinstance(cell.value, str):
        # openpyxl stores a leading "=" as a formula; quotePrefix keeps Excel from
        # re-reading risky text as one when the cell is edited
        cell.data_type = "s"
        if cell.value.startswith(_RISKY):
            cell.quotePrefix = True


def _fill_review(sheet: Worksheet, items: list[ReviewItem]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for column, name in enumerate(COLUMNS, start=1):
        _put(sheet, 1, column, name)
        editable = name in ("decision", "code", "memo")
        sheet.cell(1, column).font = Font(bold=True)
        sheet.cell(1, column).fill = PatternFill("solid", fgColor="FFF2CC" if editable else "DDE4EE")
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = _WIDTHS[name]
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for number, item in enumerate(items, start=2):
        for column, value in enumerate(_review_row(item), start=1):
            _put(sheet, number, column, value)
            sheet.cell(number, column).alignment = wrap if COLUMNS[column - 1] in _WRAPPED else top
        sheet.cell(number, COLUMNS.index("score") + 1).number_format = "0.00"
    last = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{last}{len(items) + 1}"
    decision = get_column_letter(COLUMNS.index("decision") + 1)
    rule = DataValidation(type="list", formula1=f'"{",".join(DECISIONS)}"', allow_blank=True,
                          showErrorMessage=True, errorTitle="decision",
                          error="Write accept, reject, or leave the cell blank.")
    rule.add(f"{decision}2:{decision}{max(len(items), 1) + 1}")
    sheet.add_data_validation(rule)


def _fill_key(sheet: Worksheet, items: list[ReviewItem]) -> None:
    sheet.sheet_state = "hidden"
    _put(sheet, 1, 1, KEY_MARK)
    for column, name in enumerate(KEY_COLUMNS, start=1):
        _put(sheet, 2, column, name)
    for number, item in enumerate(items, start=3):
        for column, value in enumerate(_key_values(item.coding, item.text_sha256), start=1):
            _put(sheet, number, column, value)


def _key_values(coding: Coding, text_sha256: str) -> list[Any]:
    return [coding.id, coding.document, text_sha256, coding.start, coding.end,
            sha256_text(coding.quote), coding.code, coding.status]


@dataclass
class SheetImport:
    """Outcome of importing a review sheet."""

    path: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    changed: int = 0
    blank: int = 0
    already: int = 0
    problems: list[str] = field(default_factory=list)
    dry_run: bool = False


class _Rollback(Exception):
    """Raised inside the write transaction to leave it without changes (a dry run)."""


def import_review_sheet(
    project: Project, path: Path, *, coder: str, dry_run: bool = False
) -> SheetImport:
    """Apply the decisions of a review sheet in one transaction (none with ``dry_run``).

    Rows whose suggestion, document or code no longer match the export, and rows with a
    bad decision or code, are listed in ``problems`` as ``path:row: message``; the other
    decided rows are applied. Rows already applied as written count as ``already``.
    """
    rows, key = _read_sheet(path)
    report = SheetImport(path=str(path), rows=len(rows), dry_run=dry_run)
    try:
        with project.write() as conn:
            _apply_rows(conn, path, rows, key, report, coder=coder)
            if dry_run or not report.accepted + report.rejected + report.changed:
                raise _Rollback
            log_event(conn, actor=coder, action="review.import", entity="file",
                      entity_id=str(path), payload={"accepted": report.accepted,
                      "rejected": report.rejected, "changed": report.changed,
                      "problems": len(report.problems)})
    except _Rollback:
        pass
    return report


def _apply_rows(
    conn: Connection,
    path: Path,
    rows: list[tuple[int, dict[str, str]]],
    key: dict[int, dict[str, str]],
    report: SheetImport,
    *,
    coder: str,
) -> None:
    seen: dict[int, int] = {}
    for number, row in rows:
        decision = row.get("decision", "").strip().casefold()
        if not decision:
            report.blank += 1
            continue
        try:
            if decision not in DECISIONS:
                raise CodingError(f"decision must be accept, reject or blank, not {decision!r}")
            coding_id = _row_coding_id(row, key, seen, number)
            action, code = _row_action(conn, decision, row.get("code", ""), key[coding_id])
            if _already_applied(conn, coding_id, action, code, coder=coder):
                report.already += 1
                continue
            _check_fresh(conn, coding_id, key[coding_id])
            record_decision(conn, coding_id, action, coder=coder, code=code,
                            memo=row.get("memo") or None, source=str(path))
        except CodingError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            report.problems.append(f"{path}:{number}: {exc.message}{hint}")
            continue
        counter = {"accept": "accepted", "reject": "rejected", "change": "changed"}[action]
        setattr(report, counter, getattr(report, counter) + 1)


def _row_coding_id(
    row: dict[str, str], key: dict[int, dict[str, str]], seen: dict[int, int], number: int
) -> int:
    value = row.get("coding_id", "")
    coding_id = int(value) if value.isdigit() else None
    if coding_id is None or coding_id not in key:
        raise CodingError(f"coding_id {value!r} is not one this sheet was exported with")
    if coding_id in seen:
        raise CodingError(f"coding {coding_id} appears again (first on row {seen[coding_id]})")
    seen[coding_id] = number
    return coding_id


def _row_action(
    conn: Connection, decision: str, code: str, entry: dict[str, str]
) -> tuple[str, str | None]:
    if not code.strip():
        return decision, None
    if decision == "reject":
        raise CodingError("a code is given with decision reject",
                          hint="write accept to code the passage with it")
    new = find_code(store_codes.list_codes(conn), code)
    return ("accept", None) if new.id == entry["code"] else ("change", new.id)


def _already_applied(
    conn: Connection, coding_id: int, action: str, code: str | None, *, coder: str
) -> bool:
    coding = store_codings.get_coding(conn, coding_id)
    if coding is None or coding.coder != coder:
        return False
    if action in ("accept", "reject"):
        return coding.status == ("accepted" if action == "accept" else "rejected")
    return coding.status == "rejected" and any(
        (c.start, c.end, c.code, c.status) == (coding.start, coding.end, code, "accepted")
        for c in store_codings.find_codings(conn, document=coding.document))


def _check_fresh(conn: Connection, coding_id: int, entry: dict[str, str]) -> None:
    coding = store_codings.get_coding(conn, coding_id)
    if coding is None:
        raise CodingError(f"suggestion {coding_id} was removed from the project since the export")
    if coding.status != "suggested":
        raise CodingError(f"suggestion {coding_id} was {coding.status} by {coding.coder} "
                          "since the export")
    parts = document_parts(conn, coding.document)
    now = [str(v) for v in _key_values(coding, parts.doc.text_sha256)]
    then = [entry.get(name, "") for name in KEY_COLUMNS]
    if now[2] != then[2]:
        raise CodingError(f"document {coding.document!r} changed since the export")
    if now != then:
        raise CodingError(f"suggestion {coding_id} was changed since the export (code or span)")


def _read_sheet(path: Path) -> tuple[list[tuple[int, dict[str, str]]], dict[int, dict[str, str]]]:
    """Rows of the review sheet (by row number) and the key (by coding id)."""
    data = read_bytes(path)
    require_zip(data, kind=".xlsx", path=path)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InputError("not a valid .xlsx file (no workbook inside)", path=path) from None
    try:
        if REVIEW_SHEET not in book.sheetnames or KEY_SHEET not in book.sheetnames:
            raise _not_review(path)
        key_rows = _sheet_rows(book[KEY_SHEET])
        if not key_rows or key_rows[0][1][:1] != [KEY_MARK]:
            raise _not_review(path)
        key = _records(key_rows[1:])
        rows = _records(_sheet_rows(book[REVIEW_SHEET]), path=path)
    finally:
        book.close()
    return rows, {int(entry["coding_id"]): entry for _, entry in key
                  if entry.get("coding_id", "").isdigit()}


def _not_review(path: Path) -> InputError:
    return InputError("not a qualcode review sheet (no qualcode-key sheet)", path=path,
                      hint="export one with `qualcode review --export FILE`")


def _sheet_rows(sheet: Any) -> list[tuple[int, list[str]]]:
    found = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_text(value) for value in values]
        if any(cells):
            found.append((number, cells))
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _records(
    rows: list[tuple[int, list[str]]], *, path: Path | None = None
) -> list[tuple[int, dict[str, str]]]:
    if not rows:
        return []
    header = rows[0][1]
    missing = [name for name in ("coding_id", "decision") if name not in header]
    if missing and path is not None:
        raise InputError(f"missing column(s): {', '.join(missing)}", path=path, line=rows[0][0])
    return [(number, dict(zip(header, cells, strict=False))) for number, cells in rows[1:]]

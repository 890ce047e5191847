"""Agreement reports and disagreement sheets written to files (CSV, XLSX, JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qualcode.agreement import AgreementReport, CodeAgreement
from qualcode.disagreements import (
    CODES_PREFIX,
    FIXED,
    NOTHING,
    TAIL,
    UNION,
    Disagreement,
    disagreement_rows,
)
from qualcode.export.excel import add_pairs, add_table, new_workbook, save_workbook
from qualcode.export.formats import output_format, write_csv, write_json


def agreement_records(report: AgreementReport) -> list[dict[str, Any]]:
    """One flat row per code, then the pooled row."""
    return [_record(report, row) for row in (*report.codes, report.pooled)]


def _record(report: AgreementReport, row: CodeAgreement) -> dict[str, Any]:
    record: dict[str, Any] = {"code": row.code, "name": row.name, "unit": report.unit,
                              "units": _whole(row.percent.units)}
    record.update({key: _whole(value) for key, value in row.counts.items()})
    record["percent agreement"] = row.percent.value
    record[report.kappa_name] = row.kappa.value
    record["Krippendorff's alpha"] = row.alpha.value
    if report.unit == "character":
        record["unitizing alpha"] = row.unitizing.value if row.unitizing is not None else None
    record["reading"] = row.flag
    record["note"] = row.alpha.reason or row.kappa.reason or ""
    return record


def _whole(value: float) -> float | int:
    """Counts of units are whole numbers; keep them so in the files."""
    return int(value) if float(value).is_integer() else value


def write_agreement(report: AgreementReport, output: Path) -> Path:
    """Write the report as ``.csv`` (the table), ``.xlsx`` (table and an ``about`` sheet)
    or ``.json`` (everything, with observed and expected disagreements)."""
    import pandas as pd

    fmt = output_format(output)
    if fmt == "json":
        write_json(asdict(report), output)
        return output
    frame = pd.DataFrame(agreement_records(report))
    if fmt == "csv":
        write_csv(frame, output)
        return output
    book = new_workbook()
    used: set[str] = set()
    add_table(book, "agreement", f"Intercoder agreement ({report.unit})", frame, used)
    add_pairs(book, "about", _about(report), used)
    save_workbook(book, output)
    return output


def _about(report: AgreementReport) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = [
        ("coders", ", ".join(report.coders)),
        ("unit", report.unit),
        ("documents compared", ", ".join(report.documents)),
        ("units every coder coded", report.units),
    ]
    pairs += [(f"not coded by {coder}", ", ".join(docs)) for coder, docs in report.missing.items()
              if docs]
    pairs += [("formula", line) for line in report.formulas]
    return pairs


def write_disagreements(coders: Sequence[str], found: Sequence[Disagreement], output: Path) -> Path:
    """Write the review sheet as ``.xlsx`` (one sheet; the decision column has a choice list
    and its header a note on how to decide) or ``.csv``."""
    import pandas as pd

    fmt = output_format(output, ("xlsx", "csv"))
    columns = FIXED + [CODES_PREFIX + c for c in coders] + TAIL
    frame = pd.DataFrame(disagreement_rows(coders, found), columns=columns, dtype=object)
    if fmt == "csv":
        write_csv(frame, output)
        return output
    book = new_workbook()
    used: set[str] = set()
    (sheet, *_) = add_table(book, "disagreements", "Disagreements", frame, used)
    column = columns.index("decision") + 1
    _decision_list(sheet, column, len(frame), coders)
    _note(sheet.cell(1, column), "\n".join(_instructions(coders)))
    save_workbook(book, output)
    return output


def _decision_list(sheet: Any, column: int, rows: int, coders: Sequence[str]) -> None:
    """A drop-down of the decisions on the decision column (other text is still allowed)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    choices = ",".join([*coders, UNION[0], NOTHING[0]])
    if rows == 0 or len(choices) > 250 or '"' in choices:
        return  # Excel keeps a list of at most 255 characters
    check = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                           showErrorMessage=False)
    letter = get_column_letter(column)
    check.add(f"{letter}2:{letter}{rows + 1}")
    sheet.add_data_validation(check)


def _note(cell: Any, text: str) -> None:
    """A comment on a header cell (shown when the pointer rests on it)."""
    from openpyxl.comments import Comment

    comment = Comment(text, "qualcode")
    comment.width, comment.height = 420, 220
    cell.comment = comment


def _instructions(coders: Sequence[str]) -> list[str]:
    names = ", ".join(coders)
    return [
        f"Each row is a unit on which {names} gave different codes.",
        f"decision: a coder's name ({names}) takes that coder's codes for the unit.",
        (f"{UNION[0]} (or {UNION[1]}) takes every code any coder gave; "
         f"{NOTHING[0]} (or {NOTHING[1]}) takes no code."),
        "Or leave decision empty and list code ids in 'consensus codes', separated by ';'.",
        "memo: a note kept on the consensus codings. Rows left empty are skipped.",
        "Then: qualcode adjudicate FILE.xlsx --as consensus",
    ]


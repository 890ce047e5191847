"""How good would the suggestions have been? Compare them with a reference coder.

Suggestions are computed in memory (nothing is written to the project) for the units of
the documents the reference coder coded; a (unit, code) pair is positive in the
reference when one of the coder's accepted codings of the code overlaps the unit. The
model and both methods are cross-validated by document: the documents are dealt into K
folds, and each fold is scored by a classifier trained on the other folds only, so a
document's codings never train the model that scores it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from qualcode.assist.analysis import Analysis, Progress, analyse_units
from qualcode.assist.combine import Structure
from qualcode.assist.fit import check_method, document_folds, fit, split
from qualcode.assist.metrics import Rates, Score, compare
from qualcode.assist.propose import propose
from qualcode.assist.stream import stored_sources
from qualcode.assist.units import check_unit, coded_units, load_units
from qualcode.errors import ExportError, UserError
from qualcode.fileio import atomic_text
from qualcode.store import Project
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings

INNER_FOLDS = 3


@dataclass(frozen=True)
class Evaluation:
    """Per-code and overall scores of one method against a reference coder."""

    reference: str
    method: str
    unit: str
    folds: int
    documents: int
    units: int
    codes: list[Score]
    micro: Score
    macro: Rates

    @property
    def suggestions(self) -> int:
        """How many suggestions a reviewer would have looked at."""
        return self.micro.suggested


def evaluate(
    project: Project,
    *,
    reference: str,
    method: str = "both",
    unit: str = "sentence",
    folds: int = 5,
    include_interviewer: bool = False,
    min_score: float | None = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Score ``method`` against the accepted codings of coder ``reference``."""
    check_method(method)
    check_unit(unit)
    if folds < 2 and method != "cues":
        msg = f"cross-validation needs at least 2 folds, not {folds}"
        raise UserError(msg)
    with project.read() as conn:
        codes = list(store_codes.list_codes(conn))
        codings = store_codings.find_codings(conn, statuses=["accepted"], coder=reference)
        documents = sorted({c.document for c in codings})
        units = load_units(conn, unit=unit, documents=documents,
                           include_interviewer=include_interviewer)
        sources = stored_sources(conn, documents)
    if not codings:
        msg = f"coder {reference!r} has no accepted codings to compare with"
        raise UserError(msg, hint="see `qualcode agree` or `qualcode export segments` for coders")
    structure = Structure.of(codes)
    analysis = analyse_units(units, codes, sources=sources)
    truth = coded_units(units, codings)
    suggested = _suggested(analysis, truth, structure, method=method, folds=folds,
                           min_score=min_score, progress=progress)
    order = [c.id for c in codes if c.kind == "code"]
    used = {code for found in truth + suggested for code in found}
    per_code, micro, macro = compare(truth, suggested, [c for c in order if c in used])
    return Evaluation(reference, method, unit, folds if method != "cues" else 0,
                      len(analysis.documents()), len(units), per_code, micro, macro)


def _suggested(
    analysis: Analysis,
    truth: list[set[str]],
    structure: Structure,
    *,
    method: str,
    folds: int,
    min_score: float | None,
    progress: Progress | None,
) -> list[set[str]]:
    found: list[set[str]] = [set() for _ in analysis.units]
    if method == "cues":
        for p in propose(analysis, structure, method="cues", min_score=min_score):
            found[p.unit].add(p.code)
        return found
    groups = document_folds(analysis.documents(), folds)
    for number, group in enumerate(groups, start=1):
        if progress is not None:
            progress(number - 1, len(groups), f"fold {number} of {len(groups)}")
        test, train = split(analysis, group)
        fitted = fit(analysis.subset(train), [truth[i] for i in train], structure,
                     folds=INNER_FOLDS)
        for p in propose(analysis.subset(test), structure, method=method, fitted=fitted,
                         min_score=min_score):
            found[test[p.unit]].add(p.code)
    if progress is not None:
        progress(len(groups), len(groups), "done")
    return found


COLUMNS = ("code", "reference", "suggested", "correct", "precision", "recall", "f1")


def evaluation_rows(evaluation: Evaluation) -> list[dict[str, object]]:
    """One row per code, then the micro and macro rows."""
    rows: list[dict[str, object]] = [
        {"code": s.code, "reference": s.reference, "suggested": s.suggested,
         "correct": s.correct, "precision": round(s.precision, 4), "recall": round(s.recall, 4),
         "f1": round(s.f1, 4)} for s in [*evaluation.codes, evaluation.micro]
    ]
    macro = evaluation.macro
    rows.append({"code": "macro", "reference": "", "suggested": "", "correct": "",
                 "precision": round(macro.precision, 4), "recall": round(macro.recall, 4),
                 "f1": round(macro.f1, 4)})
    return rows


def evaluation_summary(evaluation: Evaluation) -> dict[str, object]:
    """The evaluation as plain data (for JSON)."""
    return {"reference": evaluation.reference, "method": evaluation.method,
            "unit": evaluation.unit, "folds": evaluation.folds,
            "documents": evaluation.documents, "units": evaluation.units,
            "suggestions": evaluation.suggestions, "codes": evaluation_rows(evaluation)[:-2],
            "micro": evaluation_rows(evaluation)[-2], "macro": evaluation_rows(evaluation)[-1]}


def write_evaluation(evaluation: Evaluation, path: Path) -> Path:
    """Write the per-code table as ``.csv`` or the whole evaluation as ``.json``."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        msg = f"cannot write {suffix or 'a file without suffix'}: use .csv or .json"
        raise ExportError(msg, path=path)
    with atomic_text(path, newline="" if suffix == ".csv" else None) as handle:
        if suffix == ".json":
            json.dump(evaluation_summary(evaluation), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(evaluation_rows(evaluation))
    return path

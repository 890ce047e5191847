"""``qualcode learn``: train a classifier on the project's accepted codings and store it.

Units (sentences or turns of participants) overlapping an accepted coding of a code are
positive for it; the other units of the reviewed documents (those with at least one
accepted coding, by ``coder`` if given) are negative for it. Documents nobody has coded
yet are left out: their silence says nothing. Each training is stored as a new version
with the codebook version, the coder, the settings and the cross-validated metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.assist import model
from qualcode.assist.analysis import Progress, analyse_units
from qualcode.assist.combine import Structure
from qualcode.assist.fit import fit
from qualcode.assist.stream import stored_sources
from qualcode.assist.units import check_unit, coded_units, load_units
from qualcode.errors import ProjectError, UserError
from qualcode.store import Project
from qualcode.store import classifiers as store_classifiers
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store.log import log_event


@dataclass(frozen=True)
class LearnReport:
    """The stored classifier and what it was trained on."""

    classifier: int
    unit: str
    coder: str | None
    codebook_version: int
    documents: int
    units: int
    codes: int
    positives: int
    metrics: dict[str, Any]


def learn(
    project: Project,
    *,
    coder: str | None = None,
    unit: str = "sentence",
    include_interviewer: bool = False,
    folds: int = 3,
    params: model.TextcatParams | None = None,
    progress: Progress | None = None,
) -> LearnReport:
    """Train a classifier (see the module docstring) and store it in the project."""
    check_unit(unit)
    with project.read() as conn:
        info = store_codes.current_codebook(conn)
        if info is None:
            msg = "the project has no codebook yet"
            raise ProjectError(msg, hint="load one with `qualcode codebook load FILE`")
        codes = store_codes.list_codes(conn)
        codings = [c for c in store_codings.find_codings(conn, statuses=["accepted"], coder=coder)
                   if any(k.id == c.code for k in codes)]
        reviewed = sorted({c.document for c in codings})
        units = load_units(conn, unit=unit, documents=reviewed,
                           include_interviewer=include_interviewer)
        sources = stored_sources(conn, reviewed)
    if not codings:
        who = f" by {coder!r}" if coder else ""
        msg = f"there are no accepted codings{who} to learn from"
        raise UserError(msg, hint="code some passages, or accept suggestions, first")
    analysis = analyse_units(units, codes, sources=sources)
    positives = coded_units(units, codings)
    fitted = fit(analysis, positives, Structure.of(codes), folds=folds, params=params,
                 progress=progress)
    with project.write() as conn:
        classifier_id = store_classifiers.store_classifier(
            conn, codebook_version=info.version, coder=coder, unit=unit,
            labels=fitted.labels, params=fitted.settings(), metrics=fitted.metrics,
            data=fitted.data)
        log_event(conn, actor=coder or "qualcode", action="classifier.learn", entity="classifier",
                  entity_id=classifier_id,
                  payload={"unit": unit, "coder": coder, "documents": len(reviewed),
                           "units": len(units), "labels": len(fitted.labels),
                           "metrics": fitted.metrics})
    return LearnReport(classifier_id, unit, coder, info.version, len(reviewed), len(units),
                       sum(1 for label in fitted.labels if not label.startswith(model.CATEGORY)),
                       sum(len(p) for p in positives), fitted.metrics)

"""Fitting a classifier with its combination and thresholds, and proposing suggestions.

:func:`fit` trains the text classifier K times, each time without one fold of the
documents, and learns how to combine it with the cues from the predictions each makes on
the documents it did not see. :func:`propose` turns an analysis into suggestions with one
of the three methods.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.assist import model
from qualcode.assist.analysis import Analysis, Progress
from qualcode.assist.combine import (
    Candidate,
    Stacker,
    Structure,
    best_threshold,
    candidates,
    fit_stacker,
    recall_threshold,
)
from qualcode.assist.metrics import rates
from qualcode.errors import UserError

METHODS = ("cues", "model", "both")
CUE_THRESHOLD = 0.35  # default minimum cue score (method cues)
MODEL_THRESHOLD = 0.5  # used when no threshold could be learned
MODEL_EVIDENCE = 0.1  # a model probability from which the model counts as evidence
BETA = 2.0  # model thresholds maximise F2: a wrong suggestion costs a reviewer less than a miss
TARGET_RECALL = 0.8  # both: the highest threshold that finds this share out of fold


@dataclass(frozen=True)
class Fitted:
    """A trained classifier and what :func:`propose` needs to use it."""

    labels: list[str]
    data: bytes
    params: model.TextcatParams
    prior: dict[str, float]
    thresholds: dict[str, float]
    stacker: Stacker | None
    metrics: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        """Everything but the weights, as stored in the project."""
        return {"textcat": self.params.as_dict(), "prior": self.prior,
                "thresholds": self.thresholds,
                "stacker": self.stacker.as_dict() if self.stacker else None}

    @classmethod
    def from_stored(cls, labels: list[str], data: bytes, settings: Mapping[str, Any],
                    metrics: Mapping[str, Any]) -> Fitted:
        stacker = Stacker.from_dict(settings["stacker"]) if settings.get("stacker") else None
        return cls(labels, data, model.TextcatParams(**settings["textcat"]),
                   dict(settings["prior"]), dict(settings["thresholds"]), stacker, dict(metrics))


def check_method(method: str) -> None:
    if method not in METHODS:
        msg = f"unknown method {method!r}; use one of {', '.join(METHODS)}"
        raise UserError(msg)


def document_folds(documents: Sequence[str], k: int) -> list[list[str]]:
    """Documents dealt round-robin, in name order, into ``k`` folds (deterministic)."""
    names = sorted(set(documents))
    k = max(1, min(k, len(names)))
    return [names[i::k] for i in range(k)]


def split(analysis: Analysis, documents: Sequence[str]) -> tuple[list[int], list[int]]:
    """Indexes of the units in ``documents`` and of the others."""
    inside = set(documents)
    chosen = [i for i, u in enumerate(analysis.units) if u.document in inside]
    return chosen, [i for i, u in enumerate(analysis.units) if u.document not in inside]


def prior_of(positives: Sequence[set[str]]) -> dict[str, float]:
    """Share of units coded with each code."""
    counts = Counter(code for codes in positives for code in codes)
    return {code: n / len(positives) for code, n in sorted(counts.items())} if positives else {}


def fit(
    analysis: Analysis,
    positives: Sequence[set[str]],
    structure: Structure,
    *,
    folds: int = 3,
    params: model.TextcatParams | None = None,
    progress: Progress | None = None,
) -> Fitted:
    """Learn from every unit of ``analysis``: the classifier, its combination with the
    cues, and the thresholds.

    The documents are dealt into ``folds`` groups; for each, a classifier is trained on the
    other groups and scores this one. The combination and the thresholds are learned from
    these out-of-fold scores, and the fitted classifier is the set of fold classifiers (it
    predicts their mean), so its predictions on new documents are distributed like the
    scores its thresholds were chosen on. With one document there is nothing to hold out:
    one classifier is trained on it, without a learned combination.
    """
    params = params or model.TextcatParams()
    labels = model.label_set(positives, structure.categories)
    if not labels:
        msg = "there are no accepted codings to learn from"
        raise UserError(msg, hint="code some passages, or accept suggestions, first")
    groups = document_folds(analysis.documents(), folds)
    if len(groups) < 2:
        if progress is not None:
            progress(0, 1, "one document: no folds")
        return _fit_once(analysis, positives, labels, structure, params)
    oof = _OutOfFold()
    for number, group in enumerate(groups, start=1):
        if progress is not None:
            progress(number - 1, len(groups), f"fold {number} of {len(groups)}")
        oof.add(analysis, positives, group, labels, structure, params)
    total = sum(len(codes) for codes in positives)
    if not oof.found:
        return Fitted(labels, model.merge(oof.models), params, prior_of(positives),
                      {"model": MODEL_THRESHOLD, "both": MODEL_THRESHOLD}, None)
    stacker = fit_stacker(oof.found, oof.truth, structure.feature_names())
    both = [stacker.score(c.features) for c in oof.found]
    thresholds = _thresholds(oof, both, total)
    metrics = {
        "folds": len(groups), "units": len(analysis.units), "positives": total,
        "model": _rates(oof.scored, thresholds["model"], total),
        "both": _rates(list(zip(both, oof.truth, strict=True)), thresholds["both"], total),
    }
    return Fitted(labels, model.merge(oof.models), params, prior_of(positives), thresholds,
                  stacker, metrics)


@dataclass
class _OutOfFold:
    """Candidates and model probabilities for units the model scoring them did not see."""

    found: list[Candidate] = field(default_factory=list)
    truth: list[bool] = field(default_factory=list)
    scored: list[tuple[float, bool]] = field(default_factory=list)  # model probabilities
    models: list[bytes] = field(default_factory=list)

    def add(self, analysis: Analysis, positives: Sequence[set[str]], group: Sequence[str],
            labels: Sequence[str], structure: Structure, params: model.TextcatParams) -> None:
        """Train without the documents of ``group`` and score them."""
        test, train = split(analysis, group)
        inner = _fit_once(analysis.subset(train), [positives[i] for i in train], labels,
                          structure, params)
        part = analysis.subset(test)
        self.models.append(inner.data)
        probs = model.predict(inner.data, labels, part, structure.categories, params)
        for c in candidates(part, probs, structure, inner.prior):
            self.found.append(c)
            self.truth.append(c.code in positives[test[c.unit]])
        self.scored.extend((p.get(code, 0.0), code in positives[test[j]])
                          for j, p in enumerate(probs) for code in structure.categories)


def _thresholds(oof: _OutOfFold, both: Sequence[float], total: int) -> dict[str, float]:
    """Model: the best F2 out of fold. Both: the highest threshold that finds
    ``TARGET_RECALL`` of the coded pairs out of fold (the best F2 when no threshold can)."""
    model_threshold = best_threshold([s for s, _ in oof.scored], [t for _, t in oof.scored],
                                     total, beta=BETA)
    if sum(oof.truth) >= TARGET_RECALL * total:
        return {"model": model_threshold,
                "both": recall_threshold(both, oof.truth, total, TARGET_RECALL)}
    return {"model": model_threshold, "both": best_threshold(both, oof.truth, total, beta=BETA)}


def _fit_once(analysis: Analysis, positives: Sequence[set[str]], labels: Sequence[str],
              structure: Structure, params: model.TextcatParams) -> Fitted:
    data = model.train(analysis, positives, labels, structure.categories, params)
    return Fitted(list(labels), data, params, prior_of(positives),
                  {"model": MODEL_THRESHOLD, "both": MODEL_THRESHOLD}, None)


def _rates(scored: Sequence[tuple[float, bool]], threshold: float, total: int) -> dict[str, Any]:
    kept = [hit for score, hit in scored if score >= threshold]
    found = rates(total, len(kept), sum(kept))
    return {"threshold": round(threshold, 4), "precision": round(found.precision, 4),
            "recall": round(found.recall, 4), "f1": round(found.f1, 4), "suggested": len(kept)}

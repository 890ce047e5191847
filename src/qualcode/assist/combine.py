"""Combining cue and model evidence into one score per (unit, code), and picking thresholds.

Method ``both`` scores each candidate pair (a unit and a code with some cue evidence or a
model probability of at least ``MODEL_FLOOR``) with a small logistic regression over the
features in ``FEATURES`` and one intercept per category. Its weights are shared by all
codes, so rare codes borrow from frequent ones; they are learned by ``qualcode learn``
from predictions the classifier made on documents it did not see in training. The
features say how strong the evidence is (cue score, model probability, their noisy-or,
how much the unit and its question resemble those coded with the code, how many of the
definition's words it uses), how the unit compares with the rest of its document (rank
and share of the best score there: coders code where a topic is discussed, not every
passing mention), with the other codes of its category in the unit and with its
neighbours (see :mod:`qualcode.assist.context`), how common the code is, and what the
question asked.

A code fixed to a lifecycle stage implies that stage: wherever such a code is suggested,
its stage is suggested too (rationale "implied by ...").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.assist import context
from qualcode.assist.analysis import Analysis
from qualcode.assist.model import CATEGORY
from qualcode.assist.profiles import ASKED, NEAR
from qualcode.errors import UserError
from qualcode.models import Code

MODEL_FLOOR = 0.05
FEATURES = ("bias", "cue", "model", "category", "either", "first", "relative", "prior", "stage",
            "implied", "cue_x_category", "sqrt_model", "evidence", "length", "asked",
            "asked_category", "defined", "leading", "nearby", "near", "closest", "asked_near")


@dataclass(frozen=True)
class Structure:
    """What the codebook says about codes: their category, the stage they are fixed to, and
    the weighted words of their definitions."""

    categories: dict[str, str]
    stage_of: dict[str, str]  # code -> the stage code it is fixed to
    stages: frozenset[str]
    defined: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, codes: Sequence[Code], *, definitions: bool = True) -> Structure:
        """The structure of ``codes``; ``definitions=False`` leaves out the definition
        words, which only the model's combination uses (cue suggestions do not)."""
        staged = {c.id for c in codes if c.kind == "category" and c.stages}
        members = [c for c in codes if c.kind == "code"]
        return cls({c.id: c.category for c in members},
                   {c.id: c.stage for c in members if c.stage and c.category not in staged},
                   frozenset(c.id for c in members if c.category in staged),
                   context.definition_words(members) if definitions else {})

    def feature_names(self) -> tuple[str, ...]:
        """``FEATURES`` and one indicator per category ("in:<category>"), which gives each
        category its own intercept."""
        return FEATURES + tuple(f"in:{c}" for c in sorted(set(self.categories.values())))


@dataclass(frozen=True)
class Candidate:
    """A (unit, code) pair with its evidence and features."""

    unit: int
    code: str
    cue: float
    model: float | None
    features: tuple[float, ...]


def candidates(
    analysis: Analysis,
    probs: Sequence[Mapping[str, float]] | None,
    structure: Structure,
    prior: Mapping[str, float],
) -> list[Candidate]:
    """Every pair with some evidence, with its features (see ``Structure.feature_names``)."""
    either, implied = _evidence(analysis, probs, structure)
    first, relative = _ranks(analysis, either)
    paired = {"either": either, "first": first, "relative": relative, "implied": implied,
              "leading": context.leading(either, structure.categories),
              "nearby": context.nearby(analysis, either)}
    families = structure.feature_names()[len(FEATURES):]
    words = [context.content_lemmas(item) for item in analysis.analysed]
    found = []
    for i, code in sorted(either):
        features = _features(analysis, probs, structure, prior, i, code)
        for name, values in paired.items():
            features[FEATURES.index(name)] = values.get((i, code), 0.0)
        features[FEATURES.index("defined")] = context.defined(words[i],
                                                              structure.defined.get(code, {}))
        features.extend(float(name == f"in:{structure.categories[code]}") for name in families)
        found.append(Candidate(i, code, _cue(analysis, i, code),
                               probs[i].get(code, 0.0) if probs is not None else None,
                               tuple(features)))
    return found


def _evidence(
    analysis: Analysis, probs: Sequence[Mapping[str, float]] | None, structure: Structure
) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], float]]:
    """The noisy-or of cue score and model probability of every pair with some evidence,
    and for stage codes the best such score of the codes fixed to them in the same unit."""
    either: dict[tuple[int, str], float] = {}
    for i in range(len(analysis.units)):
        for code in structure.categories:
            cue = _cue(analysis, i, code)
            model = probs[i].get(code, 0.0) if probs is not None else 0.0
            if cue > 0 or model >= MODEL_FLOOR:
                either[(i, code)] = 1 - (1 - cue) * (1 - model)
    implied: dict[tuple[int, str], float] = {}
    for (i, code), value in either.items():
        stage = structure.stage_of.get(code)
        if stage is not None and stage in structure.categories:
            implied[(i, stage)] = max(implied.get((i, stage), 0.0), value)
    for key in implied:
        either.setdefault(key, 0.0)
    return either, implied


def _cue(analysis: Analysis, index: int, code: str) -> float:
    found = analysis.cues[index].get(code)
    return found.score if found is not None else 0.0


def _ranks(
    analysis: Analysis, either: Mapping[tuple[int, str], float]
) -> tuple[dict[tuple[int, str], float], dict[tuple[int, str], float]]:
    """Per pair: 1 / its rank among the document's units for the code, and its share of
    the best score there."""
    groups: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for (i, code), value in either.items():
        groups.setdefault((analysis.units[i].document, code), []).append((value, i))
    first: dict[tuple[int, str], float] = {}
    relative: dict[tuple[int, str], float] = {}
    for (_, code), members in groups.items():
        members.sort(key=lambda m: (-m[0], m[1]))
        best = members[0][0]
        for rank, (value, i) in enumerate(members, start=1):
            first[(i, code)] = 1 / rank
            relative[(i, code)] = value / best if best else 0.0
    return first, relative


def _features(
    analysis: Analysis,
    probs: Sequence[Mapping[str, float]] | None,
    structure: Structure,
    prior: Mapping[str, float],
    i: int,
    code: str,
) -> list[float]:
    """The features of one pair in ``FEATURES`` order; those the caller computes over all
    pairs ("either", "first", "relative", "implied", "defined", "leading", "nearby") are 0."""
    category = structure.categories[code]
    unit: Mapping[str, float] = probs[i] if probs is not None else {}
    model = unit.get(code, 0.0)
    in_category = unit.get(CATEGORY + category, 0.0)
    cue = _cue(analysis, i, code)
    asked = analysis.asked[i]
    found = analysis.cues[i].get(code)
    return [1.0, cue, model, in_category, 0.0, 0.0, 0.0,
            math.log(prior.get(code, 0.0) + 1e-3), float(code in structure.stages), 0.0,
            cue * in_category, math.sqrt(model), float(len(found.evidence) if found else 0),
            math.log1p(len(analysis.analysed[i].words)), asked.get(code, 0.0),
            max((s for c, s in asked.items() if structure.categories.get(c) == category),
                default=0.0), 0.0, 0.0, 0.0, unit.get(NEAR + code, 0.0),
            context.closest(unit, structure.categories, code), unit.get(ASKED + code, 0.0)]


@dataclass(frozen=True)
class Stacker:
    """A logistic regression over standardised candidate features."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def score(self, features: Sequence[float]) -> float:
        if len(features) != len(self.weights):
            msg = "the stored classifier was trained by an older qualcode or another codebook"
            raise UserError(msg, hint="train a new one with `qualcode learn`")
        z = sum(w * (x - m) / s for w, x, m, s in
                zip(self.weights, features, self.means, self.scales, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))

    def as_dict(self) -> dict[str, Any]:
        return {"features": list(self.names), "weights": list(self.weights),
                "means": list(self.means), "scales": list(self.scales)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stacker:
        return cls(tuple(data["features"]), tuple(data["weights"]), tuple(data["means"]),
                   tuple(data["scales"]))


def fit_stacker(
    found: Sequence[Candidate],
    positive: Sequence[bool],
    names: Sequence[str] = FEATURES,
    *,
    l2: float = 1e-3,
    steps: int = 1500,
) -> Stacker:
    """Fit the logistic regression by full-batch gradient descent (deterministic)."""
    import numpy as np

    x = np.array([c.features for c in found], dtype=float).reshape(len(found), len(names))
    y = np.array(positive, dtype=float)
    means = x.mean(axis=0) if len(found) else np.zeros(len(names))
    scales = x.std(axis=0) + 1e-9 if len(found) else np.ones(len(names))
    means[0], scales[0] = 0.0, 1.0  # keep the bias feature as it is
    z = (x - means) / scales
    w = np.zeros(len(names))
    for _ in range(steps if len(found) else 0):
        p = 1 / (1 + np.exp(-(z @ w)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * w)
    return Stacker(tuple(names), tuple(float(v) for v in w), tuple(float(v) for v in means),
                   tuple(float(v) for v in scales))


def best_threshold(
    scores: Sequence[float], positive: Sequence[bool], total: int, *, beta: float
) -> float:
    """The score threshold with the best F-beta, counting ``total`` reference positives
    (some of which may have no candidate at all)."""
    pairs = sorted(zip(scores, positive, strict=True), key=lambda p: -p[0])
    best, threshold, correct = -1.0, 1.0, 0
    for n, (score, hit) in enumerate(pairs, start=1):
        correct += hit
        if n < len(pairs) and pairs[n][0] == score:
            continue  # a threshold keeps all pairs with the same score
        precision, recall = correct / n, correct / total if total else 0.0
        if precision + recall:
            f = (1 + beta**2) * precision * recall / (beta**2 * precision + recall)
            if f > best:
                best, threshold = f, score
    return threshold


def recall_threshold(
    scores: Sequence[float], positive: Sequence[bool], total: int, recall: float
) -> float:
    """The highest score threshold that keeps at least ``recall`` of ``total`` reference
    positives (the lowest score when none does)."""
    pairs = sorted(zip(scores, positive, strict=True), key=lambda p: -p[0])
    correct = 0
    for n, (score, hit) in enumerate(pairs, start=1):
        correct += hit
        if n < len(pairs) and pairs[n][0] == score:
            continue
        if total and correct / total >= recall:
            return score
    return pairs[-1][0] if pairs else 1.0

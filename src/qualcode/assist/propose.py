"""From an analysis to suggestions: scores, thresholds, stage implication, evidence text.

- ``cues``: the cue score (see :mod:`qualcode.assist.cues`); origin ``rule``.
- ``model``: the classifier's probability; origin ``model``.
- ``both``: the learned combination of the two (see :mod:`qualcode.assist.combine`), or
  their noisy-or when no combination could be learned (a classifier trained on a single
  document). Origin ``model`` when the classifier gives the code at least
  ``MODEL_EVIDENCE``, else ``rule``. The rationale lists the evidence of both.

A suggestion is kept when its score reaches the threshold: ``min_score`` when given, else
``CUE_THRESHOLD`` for cues and the thresholds learned with the classifier otherwise.
Then each suggested code that is fixed to a lifecycle stage brings its stage along.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from qualcode.assist import model
from qualcode.assist.analysis import Analysis
from qualcode.assist.combine import Structure, candidates
from qualcode.assist.fit import CUE_THRESHOLD, MODEL_EVIDENCE, Fitted, check_method


class Proposal(NamedTuple):
    """A suggestion for unit ``unit`` of an analysis (a named tuple: there are many, and
    they cross between processes)."""

    unit: int
    code: str
    score: float
    origin: str
    rationale: str


def propose(
    analysis: Analysis,
    structure: Structure,
    *,
    method: str = "cues",
    fitted: Fitted | None = None,
    min_score: float | None = None,
) -> list[Proposal]:
    """Suggestions for the units of ``analysis``, in unit and code order."""
    check_method(method)
    if method == "cues":
        threshold = CUE_THRESHOLD if min_score is None else min_score
        found = [Proposal(i, code, s.score, "rule", s.rationale())
                 for i, scores in enumerate(analysis.cues) for code, s in sorted(scores.items())
                 if code in structure.categories and s.score >= threshold]
        return with_stages(found, structure)
    assert fitted is not None, "methods model and both need a classifier"
    probs = model.predict(fitted.data, fitted.labels, analysis, structure.categories,
                          fitted.params)
    if method == "model":
        threshold = fitted.thresholds["model"] if min_score is None else min_score
        found = [Proposal(i, code, round(p, 4), "model", f"model p={p:.2f}")
                 for i, found_probs in enumerate(probs) for code, p in sorted(found_probs.items())
                 if code in structure.categories and p >= threshold]
        return with_stages(found, structure)
    threshold = fitted.thresholds["both"] if min_score is None else min_score
    return with_stages(_combined(analysis, structure, fitted, probs, threshold), structure)


def _combined(analysis: Analysis, structure: Structure, fitted: Fitted,
              probs: Sequence[Mapping[str, float]], threshold: float) -> list[Proposal]:
    found = []
    for c in candidates(analysis, probs, structure, fitted.prior):
        model_p = c.model or 0.0
        if fitted.stacker is not None:
            score = fitted.stacker.score(c.features)
        else:
            score = 1 - (1 - c.cue) * (1 - model_p)
        if score < threshold:
            continue
        evidence = analysis.cues[c.unit].get(c.code)
        parts = [evidence.rationale()] if evidence is not None else []
        parts.append(f"model p={model_p:.2f}")
        origin = "model" if model_p >= MODEL_EVIDENCE else "rule"
        found.append(Proposal(c.unit, c.code, round(score, 4), origin,
                              f"{'; '.join(parts)}; combined {score:.2f}"))
    return found


def with_stages(found: list[Proposal], structure: Structure) -> list[Proposal]:
    """Add the stage each suggested code is fixed to (or raise the stage's score to it)."""
    best: dict[tuple[int, str], Proposal] = {(p.unit, p.code): p for p in found}
    for p in found:
        stage = structure.stage_of.get(p.code)
        if stage is None or stage not in structure.categories:
            continue
        current = best.get((p.unit, stage))
        if current is None or current.score < p.score:
            best[(p.unit, stage)] = Proposal(p.unit, stage, p.score, p.origin,
                                             f"implied by {p.code} (fixed to {stage}): "
                                             f"{p.rationale}")
    return sorted(best.values(), key=lambda p: (p.unit, p.code))

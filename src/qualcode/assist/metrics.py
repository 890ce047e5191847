"""Precision, recall and F1 of suggested (unit, code) pairs against a reference: pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """Counts and rates for one code, or pooled over every code (micro)."""

    code: str
    reference: int  # (unit, code) pairs the reference coded
    suggested: int  # pairs suggested: what a reviewer would look at
    correct: int  # pairs both suggested and in the reference
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Rates:
    precision: float
    recall: float
    f1: float


def rates(reference: int, suggested: int, correct: int) -> Rates:
    """Precision and recall (0 when their denominator is 0) and their harmonic mean."""
    precision = correct / suggested if suggested else 0.0
    recall = correct / reference if reference else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Rates(precision, recall, f1)


def score(code: str, reference: int, suggested: int, correct: int) -> Score:
    r = rates(reference, suggested, correct)
    return Score(code, reference, suggested, correct, r.precision, r.recall, r.f1)


def compare(
    reference: Sequence[set[str]], suggested: Sequence[set[str]], codes: Sequence[str]
) -> tuple[list[Score], Score, Rates]:
    """Per-code scores, the micro score (all pairs pooled) and the macro rates.

    ``reference[i]`` and ``suggested[i]`` are the codes of unit ``i``. Macro rates average
    the per-code rates over the codes that the reference or the suggestions use.
    """
    per_code: list[Score] = []
    for code in codes:
        ref = sum(1 for r in reference if code in r)
        sug = sum(1 for s in suggested if code in s)
        hit = sum(1 for r, s in zip(reference, suggested, strict=True) if code in r and code in s)
        per_code.append(score(code, ref, sug, hit))
    micro = score("micro", sum(s.reference for s in per_code), sum(s.suggested for s in per_code),
                  sum(s.correct for s in per_code))
    used = [s for s in per_code if s.reference or s.suggested]
    n = len(used) or 1
    macro = Rates(sum(s.precision for s in used) / n, sum(s.recall for s in used) / n,
                  sum(s.f1 for s in used) / n)
    return per_code, micro, macro

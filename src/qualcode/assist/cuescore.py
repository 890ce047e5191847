"""Cue suggestions for one document from arrays: the streaming path of ``qualcode suggest``.

The rules are those of :mod:`qualcode.assist.cues` (specificity, rarity, negation and
hedges, the noisy-or of distinct evidence) with the same results, float for float, but
the work is per document on arrays rather than per hit on objects: every hit of a
:class:`~qualcode.assist.cuedoc.DocCues` is weighed at once, each (unit, code) score is
bounded from above by the noisy-or of all its hits, and only the pairs whose bound
reaches the threshold get their exact score (the greedy rule of ``score_units`` when a
pair has several hits) and a rationale.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from typing import Any

from qualcode.assist.combine import Structure
from qualcode.assist.cuedoc import END, FROM, KEY, SCOPE, SIZE, START, TO, UNIT, DocCues
from qualcode.assist.cues import HEDGED, NEGATED, SPECIFICITY, describe
from qualcode.assist.propose import Proposal, with_stages
from qualcode.nlp.lookup import Lists

_MARGIN = 1e-4  # rounding to 4 places moves a score by at most half of this


def propose_cues(found: DocCues, rare: Mapping[str, float], structure: Structure, *,
                 threshold: float) -> list[Proposal]:
    """Suggestions (origin ``rule``) for the units of ``found`` whose cue score reaches
    ``threshold``, and the stages they imply: what :func:`~qualcode.assist.propose.propose`
    gives for method ``cues`` from :func:`~qualcode.assist.cues.score_units`."""
    if not len(found.units):
        return []
    weights = _weights(found, rare)
    scorer = _Scorer(found, weights.tolist())
    proposals: list[Proposal] = []
    done = scorer.done
    for unit, code, group in zip(*_groups(found, weights, structure.categories, threshold),
                                 strict=True):
        score, rationale = done.get(group) or scorer.score(group)
        if score >= threshold:
            proposals.append(Proposal(unit, code, score, "rule", rationale))
    return _with_stages(proposals, structure)


def _with_stages(found: list[Proposal], structure: Structure) -> list[Proposal]:
    """:func:`~qualcode.assist.propose.with_stages` for proposals in unit and code order,
    done again only for the units with a code fixed to a stage."""
    stage_of, categories = structure.stage_of, structure.categories
    touched = sorted({p.unit for p in found
                      if p.code in stage_of and stage_of[p.code] in categories})
    if not touched:
        return found
    units = [p.unit for p in found]
    result: list[Proposal] = []
    done = 0
    for unit in touched:
        first, last = bisect_left(units, unit, done), bisect_right(units, unit, done)
        result.extend(found[done:first])
        result.extend(with_stages(found[first:last], structure))
        done = last
    result.extend(found[done:])
    return result


def _weights(found: DocCues, rare: Mapping[str, float]) -> Any:
    """Each hit's evidence weight, rounded as :class:`~qualcode.assist.cues.Evidence`
    holds it; the same operations in the same order as ``score_units``."""
    import numpy as np

    hits = found.hits
    rarity = np.array([rare.get(k, 1.0) for k in found.keys], dtype=np.float64)
    specific = np.array(SPECIFICITY)[np.minimum(hits[:, SIZE], len(SPECIFICITY) - 1)]
    weights = specific * rarity[hits[:, KEY]] * np.array([1.0, NEGATED, HEDGED])[hits[:, SCOPE]]
    distinct, inverse = np.unique(weights, return_inverse=True)
    return np.array([round(w, 4) for w in distinct.tolist()])[inverse.reshape(-1)]


def _groups(found: DocCues, weights: Any, categories: Mapping[str, str],
            threshold: float) -> tuple[list[int], list[str], list[int | tuple[int, ...]]]:
    """Units, codes and hits (one, or several strongest first) of the (unit, code) pairs
    whose noisy-or over all their hits (an upper bound of their score) can reach
    ``threshold``, in unit and code order."""
    import numpy as np

    hits = found.hits
    names = sorted({c for codes in found.codes for c in codes if c in categories})
    rank = {c: i for i, c in enumerate(names)}
    # every (hit, code of its key) pair, by hit
    code, pair = Lists([[rank[c] for c in codes if c in rank] for codes in found.codes]
                       ).at(hits[:, KEY])
    strongest = np.empty(len(hits), dtype=np.int64)
    strongest[np.lexsort((hits[:, END], hits[:, KEY], hits[:, START], -weights))] = \
        np.arange(len(hits))
    order = np.lexsort((strongest[pair], code, hits[pair, UNIT]))
    pair, code = pair[order], code[order]
    unit = hits[pair, UNIT]
    new = np.flatnonzero(np.concatenate(([True], (unit[1:] != unit[:-1]) |
                                         (code[1:] != code[:-1]))))
    if not len(new):
        return [], [], []
    miss = np.multiply.reduceat(1 - weights[pair], new)
    ends = np.append(new[1:], len(pair))
    chosen = np.flatnonzero(1 - miss >= threshold - _MARGIN)
    members = pair.tolist()
    groups: list[int | tuple[int, ...]] = [
        members[a] if b == a + 1 else tuple(members[a:b])
        for a, b in zip(new[chosen].tolist(), ends[chosen].tolist(), strict=True)]
    return (unit[new[chosen]].tolist(), [names[c] for c in code[new[chosen]].tolist()],
            groups)


class _Scorer:
    """Exact scores and rationales of groups of hits, each worked out once per document
    (codes that share cues often share the same hits in a unit)."""

    def __init__(self, found: DocCues, weights: list[float]) -> None:
        self.found = found
        self.weights = weights
        self.rows: list[list[int]] = found.hits.tolist()
        self.done: dict[int | tuple[int, ...], tuple[float, str]] = {}
        self.described: dict[int, str] = {}
        self.lemmas: list[int] | None = None
        self.plain: list[bool] = []
        self.contents: dict[int, frozenset[int]] = {}

    def score(self, group: int | tuple[int, ...]) -> tuple[float, str]:
        """The score (noisy-or of the distinct hits, rounded) and rationale of ``group``
        (one hit, or several strongest first)."""
        found = self.done.get(group)
        if found is None:
            kept = [group] if isinstance(group, int) else self._distinct(group)
            miss = math.prod(1 - self.weights[h] for h in kept)
            found = self.done[group] = (round(1 - miss, 4),
                                        "; ".join(self._describe(h) for h in kept))
        return found

    def _distinct(self, group: tuple[int, ...]) -> list[int]:
        """The hits that add evidence: not overlapping a stronger one, and with a content
        word not seen in stronger ones (as ``_combine`` keeps them)."""
        kept: list[int] = []
        covered: set[int] = set()  # token positions of the kept hits
        seen: set[int] = set()
        for h in group:
            row = self.rows[h]
            span = range(row[START], row[END])
            if not covered.isdisjoint(span):
                continue
            content = self._content(h)
            if content <= seen:
                continue
            kept.append(h)
            covered.update(span)
            seen |= content
        return kept

    def _content(self, h: int) -> frozenset[int]:
        """The lemmas of the hit's content words (all its lemmas if it has none)."""
        found = self.contents.get(h)
        if found is None:
            if self.lemmas is None:
                self.lemmas, self.plain = self.found.lemma.tolist(), self.found.content.tolist()
            span = range(self.rows[h][START], self.rows[h][END])
            found = frozenset(self.lemmas[i] for i in span if self.plain[i]) or \
                frozenset(self.lemmas[i] for i in span)
            self.contents[h] = found
        return found

    def _describe(self, h: int) -> str:
        text = self.described.get(h)
        if text is None:
            row, found = self.rows[h], self.found
            scope = row[SCOPE] and \
                f"{'negated' if row[SCOPE] == 1 else 'hedged'} by {found.scope_words[h]}"
            text = self.described[h] = describe(found.units[row[UNIT]].text[row[FROM]:row[TO]],
                                                found.cues[row[KEY]], self.weights[h],
                                                scope or None)
        return text

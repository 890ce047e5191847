"""Everything the suggestion makers need to know about a set of units, computed once.

One tokenisation per document (its units joined, see :mod:`qualcode.assist.stream`; none
when ingest kept the document's tokens) and one over the distinct questions before them
give tokens, lemmas and cue hits; cue scores follow, with the rarity of each cue taken
over all the units. An analysis holds every unit it was given: model suggestions analyse one
document at a time, with the rarity of cues counted over the whole project first
(:mod:`qualcode.assist.suggest`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from qualcode import nlp
from qualcode.assist.cues import CueScore, rarity, score_units
from qualcode.assist.stream import Source, unit_hits
from qualcode.assist.units import Unit
from qualcode.models import Code

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Analysis:
    """Units with their analysed text, cue scores, and cue scores of their questions."""

    units: list[Unit]
    analysed: list[nlp.Analysed]
    cues: list[dict[str, CueScore]]
    asked: list[dict[str, float]]  # cue score of each code in the unit's question
    questions: dict[str, tuple[str, ...]]  # question -> its content lemmas

    def subset(self, indexes: Sequence[int]) -> Analysis:
        """The same analysis restricted to some units (cue rarity stays corpus-wide)."""
        return Analysis([self.units[i] for i in indexes], [self.analysed[i] for i in indexes],
                        [self.cues[i] for i in indexes], [self.asked[i] for i in indexes],
                        self.questions)

    def question_lemmas(self, index: int) -> tuple[str, ...]:
        """Content lemmas of the question unit ``index`` answers."""
        return self.questions.get(self.units[index].question, ())

    def documents(self) -> list[str]:
        """Document names in unit order, without repeats."""
        return list(dict.fromkeys(unit.document for unit in self.units))


def analyse_units(
    units: Sequence[Unit], codes: Sequence[Code], *, progress: Progress | None = None,
    sources: Mapping[str, Source] | None = None, rare: Mapping[str, float] | None = None,
) -> Analysis:
    """Analyse ``units`` against the cues and patterns of ``codes``.

    ``sources`` maps document names to their text and the tokens ingest kept (see
    :func:`~qualcode.assist.stream.stored_sources`); a document found there is not
    tokenised again. ``progress(units done, units, "<document> (<k>/<n> documents)")`` is
    called after each document. ``rare`` gives the rarity of each cue when it was counted
    over more units than these (a corpus analysed one document at a time); by default it
    is taken over ``units``.
    """
    sources = sources or {}
    matcher = nlp.cue_matcher(codes)
    analysed: list[nlp.Analysed] = []
    names = list(dict.fromkeys(u.document for u in units))
    start = 0
    for number, name in enumerate(names, start=1):
        end = start
        while end < len(units) and units[end].document == name:
            end += 1
        analysed.extend(nlp.analysed(found)
                        for found in unit_hits(units[start:end], matcher, sources.get(name)))
        if progress is not None:
            progress(end, len(units), f"{name} ({number}/{len(names)} documents)")
        start = end
    rare = rarity(analysed) if rare is None else rare
    cues = score_units([u.start for u in units], analysed, rare=rare)
    questions = sorted({u.question for u in units if u.question})
    asked_items = list(nlp.analyse(questions, matcher))
    scored = score_units([0] * len(questions), asked_items, rare=rare)
    by_question = {q: {code: s.score for code, s in found.items()}
                   for q, found in zip(questions, scored, strict=True)}
    asked = [by_question.get(u.question, {}) for u in units]
    lemmas = {q: _content(item) for q, item in zip(questions, asked_items, strict=True)}
    return Analysis(list(units), analysed, cues, asked, lemmas)


def _content(item: nlp.Analysed) -> tuple[str, ...]:
    found = (lemma for lemma, brk in zip(item.lemmas, item.breaks, strict=True)
             if not brk and lemma.strip())
    return tuple(dict.fromkeys(found))

"""The array core of cue suggestions (assist/cuedoc.py, assist/cuescore.py) gives exactly
what score_units and propose give: every unit, code, score and rationale."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from qualcode import nlp
from qualcode.assist.analysis import Analysis
from qualcode.assist.combine import Structure
from qualcode.assist.cuedoc import DocCues
from qualcode.assist.cues import rarity, score_units
from qualcode.assist.cuescore import propose_cues
from qualcode.assist.fit import CUE_THRESHOLD
from qualcode.assist.propose import Proposal, propose
from qualcode.assist.stream import Spill, document_hits, match_document, unit_hits
from qualcode.assist.units import Unit
from qualcode.codebook import load_codebook
from qualcode.models import Code

ROOT = Path(__file__).resolve().parent.parent

CODES = (
    Code("stage", "Stage", kind="category", category="stage", stages=True),
    Code("stage.build", "Build", category="stage", parent="stage", cues=("training run",)),
    Code("domain", "Domain", kind="category", category="domain"),
    Code("domain.models", "Models", category="domain", parent="domain", stage="stage.build",
         cues=("model", "base model", "open weights", "research institute", "institute")),
    Code("domain.copyright", "Copyright", category="domain", parent="domain",
         cues=("copyright", "legal uncertainty", "licence")),
    Code("domain.twin", "Twin", category="domain", parent="domain",
         cues=("model", "licence", "compute")),
    Code("domain.release", "Release", category="domain", parent="domain",
         cues=("release", "compute"),
         patterns=([{"LEMMA": {"IN": ["keep", "hold"]}}, {"OP": "?"}, {"LOWER": "secret"}],
                   [{"LOWER": {"IN": ["after", "since"]}}, {"OP": "?"},
                    {"LEMMA": {"IN": ["release", "launch"]}}])),
)

CRAFTED = [
    "We never had copyright problems with the base model.",
    "Compute was not really an issue, but the licence was.",
    "Compute was not an issue.",
    "Maybe the licence mattered, I guess.",
    "Models, models and more models: base models everywhere.",
    "The research institute and the institute again.",
    "Model",
    "They keep it secret after the release.",
    "Copyright",
    "We did not, however, release open weights.",
    "Perhaps not the model. Perhaps the model.",
    "The model isn't a problem; models aren't the bottleneck.",
    "No.\nModel licence after the launch, without compute.",
    "Legal uncertainty: nothing about copyright, nor the training run.",
    "It is hardly a model; it is barely a licence.",
    "Open\nweights came later than the model.",
]


def units_of(document: str, text: str, spans: Sequence[tuple[int, int]]) -> list[Unit]:
    return [Unit(document, start, end, 0, "P1", "participant", text[start:end])
            for start, end in spans]


def sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"\S(?:.*?)(?:[.!?](?=\s)|$)", text, flags=re.DOTALL | re.MULTILINE):
        spans.append((match.start(), match.end()))
    return spans


def old_way(documents: Sequence[Sequence[Unit]], codes: Sequence[Code],
            min_score: float | None) -> tuple[list[tuple[object, ...]], dict[str, float]]:
    """Suggestions as score_units and propose make them, over all documents at once."""
    matcher = nlp.cue_matcher(codes)
    units = [u for units in documents for u in units]
    analysed = [nlp.analysed(found) for units in documents for found in unit_hits(units, matcher)]
    rare = rarity(analysed)
    scores = score_units([u.start for u in units], analysed, rare=rare)
    analysis = Analysis(units, analysed, scores, [{} for _ in units], {})
    found = propose(analysis, Structure.of(codes), method="cues", min_score=min_score)
    return [row(units[p.unit], p) for p in found], rare


def new_way(documents: Sequence[Sequence[Unit]], codes: Sequence[Code],
            min_score: float | None) -> tuple[list[tuple[object, ...]], dict[str, float]]:
    """The same through DocCues and propose_cues, one document at a time."""
    matched = [match_document(units, True, codes) for units in documents]
    counts: Counter[str] = Counter()
    for item in matched:
        counts.update(item.counts)
    rare = rarity(counts=counts, units=sum(item.units for item in matched))
    threshold = CUE_THRESHOLD if min_score is None else min_score
    rows = []
    for item in matched:
        found = item.found
        for p in propose_cues(found, rare, Structure.of(codes), threshold=threshold):
            rows.append(row(found.units[p.unit], p))
    return rows, rare


def row(unit: Unit, p: Proposal) -> tuple[object, ...]:
    return (unit.document, unit.start, unit.end, p.code, p.score, p.origin, p.rationale)


@pytest.fixture(scope="module")
def sample() -> list[list[Unit]]:
    files = sorted(p for p in (ROOT / "transcripts_sample").iterdir()
                   if p.suffix in (".txt", ".md"))
    documents = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        documents.append(units_of(path.stem, text, sentences(text)))
    return documents


@pytest.fixture(scope="module")
def codebook() -> list[Code]:
    return list(load_codebook(ROOT / "codebooks" / "open-llm-collaboration.yaml").codes)


@pytest.mark.parametrize("min_score", [None, 0.0, 0.5])
def test_the_sample_gets_the_same_suggestions(sample: list[list[Unit]], codebook: list[Code],
                                              min_score: float | None) -> None:
    old, old_rare = old_way(sample, codebook, min_score)
    new, new_rare = new_way(sample, codebook, min_score)
    assert new_rare == old_rare
    assert len(new) > 100
    assert new == old


def crafted_documents() -> list[list[Unit]]:
    documents = []
    for number, text in enumerate(CRAFTED):
        documents.append(units_of(f"d{number}", text, sentences(text)))
    text = " ".join(CRAFTED)
    documents.append(units_of("all", text, sentences(text)))
    documents.append(units_of("whole", text, [(0, len(text))]))
    # units that do not begin or end at white space are tokenised alone
    text = "We used base models.After release, models. Compute was not an issue."
    documents.append(units_of("glued", text, [(0, 20), (20, 42), (43, len(text))]))
    return documents


@pytest.mark.parametrize("min_score", [None, 0.0, 0.2])
def test_crafted_texts_get_the_same_suggestions(min_score: float | None) -> None:
    documents = crafted_documents()
    old, old_rare = old_way(documents, CODES, min_score)
    new, new_rare = new_way(documents, CODES, min_score)
    assert new_rare == old_rare
    assert new == old
    if min_score == 0.0:
        rationales = " ".join(str(r[-1]) for r in new)
        for scope in ("negated by never", "negated by not", "hedged by maybe",
                      "hedged by perhaps", "negated by hardly", "negated by n't",
                      "pattern 1", "pattern 2", "implied by domain.models"):
            assert scope in rationales


def test_scope_of_each_hit_matches_scope_of() -> None:
    from qualcode.assist.cues import scope_of

    matcher = nlp.cue_matcher(CODES)
    for units in crafted_documents():
        found = DocCues.of(units, document_hits(units, matcher))
        expected = []
        for item in unit_hits(units, matcher):
            analysed = nlp.analysed(item)
            for hit in analysed.hits:
                expected.append(scope_of(analysed, hit.start, hit.end))
        got = []
        for h, (scope, key) in enumerate(zip(found.hits[:, 5].tolist(),
                                             found.hits[:, 1].tolist(), strict=True)):
            assert found.keys[key]
            got.append(None if not scope else
                       f"{'negated' if scope == 1 else 'hedged'} by {found.scope_words[h]}")
        assert sorted(got, key=str) == sorted(expected, key=str)


def test_counts_are_the_units_holding_each_key() -> None:
    text = "The model and the model. No cue here. Base model licence."
    units = units_of("d", text, sentences(text))
    matched = match_document(units, True, CODES)
    assert matched.units == 3
    assert matched.counts == Counter({"model": 2, "base model": 1, "licence": 1})
    assert [u.text for u in matched.found.units] == ["The model and the model.",
                                                      "Base model licence."]
    assert matched.tokens == 6 + 4


def test_a_document_without_hits_keeps_nothing() -> None:
    units = units_of("d", "Nothing here.", [(0, 13)])
    matched = match_document(units, True, CODES)
    assert not matched.found
    assert matched.counts == Counter()
    assert propose_cues(matched.found, {}, Structure.of(CODES), threshold=0.0) == []
    assert match_document([], True, CODES).units == 0


def test_kept_documents_come_back_from_disk_equal() -> None:
    documents = crafted_documents()
    matched = [match_document(units, True, CODES) for units in documents]
    spill = Spill(budget=10)
    for item in matched:
        spill.add(item)
    back = list(spill)
    spill.close()
    assert [m.found for m in back] == [m.found for m in matched]

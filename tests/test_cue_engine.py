"""The cue engine (one doc per document, lemmas from arrays, patterns run near their
triggers) finds exactly what spaCy's plain matchers find with every unit its own doc."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode import nlp
from qualcode.assist.stream import Spill, match_document, unit_hits
from qualcode.assist.suggest import suggest
from qualcode.assist.units import Unit
from qualcode.models import Code
from qualcode.nlp.patterns import plan
from qualcode.store import Project
from qualcode.store import codings as store_codings

CODES = (
    Code("domain.models", "Models", cues=("model", "base model", "open weights")),
    Code("work.coding", "Coding", cues=("coding", "released", "data cleaning")),
    Code("work.release", "Release", cues=("release",),
         patterns=([{"LOWER": {"IN": ["after", "since"]}}, {"OP": "?"}, {"OP": "?"},
                    {"LEMMA": {"IN": ["release", "launch"]}}],
                   [{"LEMMA": {"IN": ["keep", "hold"]}}, {"OP": "?"}, {"LOWER": "secret"}],
                   [{"LIKE_NUM": True, "OP": "?"}, {"LOWER": {"IN": ["billion", "trillion"]}},
                    {"LEMMA": "token"}],
                   [{"TEXT": {"REGEX": r"^\d+[BbMm]$"}}],
                   [{"LOWER": "fine"}, {"LOWER": "-", "OP": "?"}, {"LEMMA": "tune"},
                    {"OP": "*"}, {"LOWER": "weights"}])),
)

TEXT = (
    "Models were everywhere. We trained Base Models on 2 trillion tokens, and a 7B one. "
    "The coding was hard; we code daily. Data cleaning took months!\n"
    "After the first public releases people fine-tuned it. They keep it secret. "
    "They keep. Secret things happen. We released open weights after we launched. "
    "Since we Released the weights, others fine-tune the open weights too. "
    "Releasing is not released. Open\nweights came later."
)

SENTENCE_ENDS = frozenset(".!?;")


def reference(text: str) -> list[tuple[str, str, int, int]]:
    """The old engine: the unit alone through the lemma pipeline and plain matchers."""
    from spacy.matcher import Matcher, PhraseMatcher

    pipeline = nlp.lemma_pipeline()
    lower = PhraseMatcher(pipeline.vocab, attr="LOWER")
    lemma = PhraseMatcher(pipeline.vocab, attr="LEMMA")
    patterns = Matcher(pipeline.vocab)
    for code in CODES:
        for cue in code.cues:
            doc = pipeline(cue)
            lower.add(cue, [doc])
            if not any(t.lemma_ != t.lower_ and t.lower_.endswith(("ing", "ed")) for t in doc):
                lemma.add(cue, [doc])
        for index, pattern in enumerate(code.patterns, start=1):
            patterns.add(f"{code.id}#{index}", [pattern])
    doc = pipeline(text)
    found: dict[tuple[str, int, int], str] = {}
    for via, matcher in (("lower", lower), ("lemma", lemma), ("pattern", patterns)):
        for match_id, start, end in matcher(doc):
            hard = any("\n" in t.text or set(t.text) <= SENTENCE_ENDS for t in doc[start:end])
            if not hard:
                found.setdefault((pipeline.vocab.strings[match_id], start, end), via)
    return sorted((key, via, start, end) for (key, start, end), via in found.items())


def sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for start, end in nlp.sentence_spans([text]).__next__():
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def found(hits: list[nlp.CueHit]) -> list[tuple[str, str, int, int]]:
    return sorted((h.key, h.via, h.start, h.end) for h in hits)


def test_whole_document_matching_equals_each_sentence_alone() -> None:
    matcher = nlp.cue_matcher(CODES)
    spans = sentences(TEXT)
    doc = next(nlp.tokenise([TEXT]))
    units = nlp.match_doc(doc, spans, matcher)
    assert len(units) == len(spans) > 8
    for (start, end), unit in zip(spans, units, strict=True):
        assert unit.text == TEXT[start:end]
        assert found(unit.hits) == reference(TEXT[start:end])
    everything = {(key, via) for unit in units for key, via, _, _ in found(unit.hits)}
    assert {("model", "lemma"), ("base model", "lemma"), ("coding", "lower"),
            ("released", "lower"), ("work.release#1", "pattern"), ("work.release#2", "pattern"),
            ("work.release#3", "pattern"), ("work.release#4", "pattern"),
            ("work.release#5", "pattern")} <= everything
    # "coding" and "released" are fixed forms: "code" and "Releasing" are not hits
    assert ("coding", "lemma") not in everything
    assert ("released", "lemma") not in everything


def test_hits_across_a_sentence_end_or_a_line_break_are_dropped() -> None:
    matcher = nlp.cue_matcher(CODES)
    text = "They keep. Secret things happen. Open\nweights came later."
    doc = next(nlp.tokenise([text]))
    [whole] = nlp.match_doc(doc, [(0, len(text))], matcher)
    assert not [h for h in whole.hits if h.key in ("work.release#2", "open weights")]
    spans = sentences(text)
    units = nlp.match_doc(doc, spans, matcher)
    assert [found(u.hits) for u in units] == [reference(text[s:e]) for s, e in spans]


def test_a_unit_not_bounded_by_whitespace_is_tokenised_alone() -> None:
    matcher = nlp.cue_matcher(CODES)
    text = "We used base models.After release, models"
    doc = next(nlp.tokenise([text]))
    spans = [(0, 20), (20, len(text))]
    units = nlp.match_doc(doc, spans, matcher)
    assert units[1].doc is not doc
    assert [found(u.hits) for u in units] == [reference(text[s:e]) for s, e in spans]
    item = nlp.analysed(units[1])
    assert item.text == "After release, models"
    assert item.words[0] == "after"
    assert item.lemmas[-1] == "model"


def test_analysed_units_equal_the_old_analysis() -> None:
    matcher = nlp.cue_matcher(CODES)
    spans = sentences(TEXT)
    doc = next(nlp.tokenise([TEXT]))
    pipeline = nlp.lemma_pipeline()
    for (start, end), unit in zip(spans, nlp.match_doc(doc, spans, matcher), strict=True):
        item = nlp.analysed(unit)
        alone = pipeline(TEXT[start:end])
        assert item.words == tuple(t.lower_ for t in alone)
        assert item.lemmas == tuple(t.lemma_ for t in alone)
        assert item.starts == tuple(t.idx for t in alone)
        assert item.ends == tuple(t.idx + len(t.text) for t in alone)
        assert item.breaks == tuple(t.is_punct or "\n" in t.text for t in alone)
        assert item.stops == tuple(t.is_stop for t in alone)


def test_each_pattern_is_triggered_by_its_rarest_needed_token() -> None:
    stops = frozenset({"after", "since", "the"})
    first = plan(0, CODES[2].patterns[0], stops)
    assert first is not None
    assert (first.trigger.attr, sorted(first.trigger.values)) == ("LEMMA", ["launch", "release"])
    assert (first.before, first.after) == (3, 0)
    assert [sorted(n.values) for n in first.others] == [["after", "since"]]
    regex = plan(3, CODES[2].patterns[3], stops)
    assert regex is not None
    assert regex.trigger.regex == r"^\d+[BbMm]$"
    unbounded = plan(4, CODES[2].patterns[4], stops)
    assert unbounded is not None
    assert unbounded.after is None
    assert plan(5, [{"LIKE_NUM": True}, {"OP": "?"}], stops) is None


def unit(document: str, start: int, text: str) -> Unit:
    return Unit(document, start, start + len(text), 0, "P1", "participant", text)


def test_units_kept_in_memory_and_spilled_to_disk_come_back_in_order() -> None:
    texts = ["We trained base models.", "Nothing here.", "After the release, models."]
    matched = [match_document([unit(f"d{i}", 0, t)], True, CODES) for i, t in enumerate(texts)]
    spill = Spill(budget=5)  # the first fits, the others go to disk
    for item in matched:
        spill.add(item)
    back = list(spill)
    spill.close()
    assert spill.file is not None
    assert [m.found for m in back] == [m.found for m in matched]
    assert [m.counts for m in back] == [m.counts for m in matched]
    assert not matched[1].found
    assert matched[1].units == 1


def test_unit_hits_join_the_units_of_a_document() -> None:
    units = [unit("d", 0, "We keep"), unit("d", 8, "it secret."), unit("d", 19, "Base models.")]
    hits = unit_hits(units, nlp.cue_matcher(CODES))
    assert [found(u.hits) for u in hits] == [
        [], [], [("base model", "lemma", 0, 2), ("model", "lemma", 1, 2)]]


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook
    from qualcode.store import open_project

    root = Path(__file__).resolve().parent.parent
    path = tmp_path_factory.mktemp("engine") / "sample.qualcode"
    files = sorted(p for p in (root / "transcripts_sample").iterdir()
                   if p.suffix in (".txt", ".md"))[:4]
    with open_project(path) as project:
        install_codebook(project, root / "tests" / "data" / "project" / "codebook.yaml")
        ingest_paths(project, files)
    return path


def test_worker_processes_write_what_one_process_writes(sample_project: Path,
                                                         tmp_path: Path) -> None:
    from qualcode.store import open_project

    written = []
    for processes in (1, 2):
        copy = tmp_path / f"p{processes}.qualcode"
        copy.write_bytes(sample_project.read_bytes())
        with open_project(copy) as project:
            report = suggest(project, processes=processes, keep_suggestions=False)
            assert report.suggestions == []
            written.append((report.added, report.units, report.by_code, rows(project)))
    assert written[0] == written[1]
    assert written[0][0] > 0


def rows(project: Project) -> list[tuple[object, ...]]:
    with project.read() as conn:
        return [(c.document, c.start, c.end, c.code, c.score, c.rationale)
                for c in store_codings.find_codings(conn)]


def test_a_doc_from_another_pipeline_gets_the_same_lemmas_and_hits() -> None:
    import spacy

    from qualcode.nlp.cues import lemmatiser

    other = lemmatiser()(spacy.blank("en")(TEXT))
    ours = next(nlp.tokenise([TEXT]))
    assert [t.lemma_ for t in other] == [t.lemma_ for t in ours]
    spans = sentences(TEXT)
    matcher = nlp.cue_matcher(CODES)
    assert [found(u.hits) for u in nlp.match_doc(other, spans, matcher)] == \
        [found(u.hits) for u in nlp.match_doc(ours, spans, matcher)]
    assert nlp.analysed(nlp.match_doc(other, spans, matcher)[1]).lemmas[:4] == \
        ("we", "train", "base", "model")

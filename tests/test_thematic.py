"""Thematic tables: exact frames on a hand-made dataset, the study's attributions and
golden Markdown on the sample interviews.

Regenerate the golden files with ``QUALCODE_REGEN=1 pytest tests/test_thematic.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from qualcode import thematic
from qualcode.codebook import load_codebook
from qualcode.dataset import Dataset, DocumentInfo
from qualcode.export.tables import markdown_table
from qualcode.models import Code, Codebook, Role, Turn
from tests import conftest

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "open-llm-collaboration.yaml"
GOLDEN = Path(__file__).parent / "golden" / "tables"


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/tables/NAME (QUALCODE_REGEN=1 rewrites it)."""
    conftest.check_golden(GOLDEN / name, text)


# -- a hand-made dataset --------------------------------------------------------------------

def _codebook(*, motivations: bool = True) -> Codebook:
    codes = [
        Code("stage", "Stage", kind="category", category="stage", stages=True),
        Code("stage.pre", "Pre-training", category="stage", parent="stage"),
        Code("stage.release", "Post-release", category="stage", parent="stage"),
        Code("challenge", "Challenge", kind="category", category="challenge"),
        Code("challenge.a", "A", category="challenge", parent="challenge", stage="stage.pre"),
        Code("challenge.b", "B", category="challenge", parent="challenge", stage="stage.release"),
        Code("onramp", "On-ramp", kind="category", category="onramp"),
        Code("onramp.a", "OA", category="onramp", parent="onramp", stage="stage.pre"),
    ]
    if motivations:
        codes += [
            Code("motivation", "Motivation", kind="category", category="motivation"),
            Code("m.s1", "Access", category="motivation", parent="motivation", group="social"),
            Code("m.s2", "Science", category="motivation", parent="motivation", group="social"),
            Code("m.e1", "Money", category="motivation", parent="motivation", group="economic"),
            Code("orgmodel", "Organisational model", kind="category", category="orgmodel"),
            Code("orgmodel.x", "Model X", category="orgmodel", parent="orgmodel",
                 definition="X\n  def"),
            Code("orgmodel.y", "Model Y", category="orgmodel", parent="orgmodel"),
            Code("domain", "Domain", kind="category", category="domain"),
            Code("domain.d", "Data", category="domain", parent="domain"),
            Code("domain.e", "Evaluation", category="domain", parent="domain"),
        ]
    return Codebook("test", "1", tuple(codes))


Said = tuple[str, Role, str]

DOCUMENTS: dict[str, tuple[str | None, list[Said]]] = {
    "doc1": ("Beta", [
        ("Interviewer", "interviewer", "What happened before training?"),
        ("P1", "participant",
         "We kept the recipe secret from everyone outside the lab for years. Data was shared."),
        ("P2", "participant", "After the release people built on it."),
    ]),
    "doc2": ("alpha", [("P3", "participant", ("Secret recipe. We wanted everyone to have access"
                                              " to models and open science matters to us."))]),
    "doc3": ("Beta", [("P1", "participant", "Money mattered a lot.")]),
    "doc4": ("gamma", [("P9", "participant", "Access for all.")]),
    "doc5": (None, [("P4", "participant", "Nothing to say."), ("P4", "participant", "Really.")]),
}

# (document, quote, code, origin)
CODINGS = [
    ("doc1", "We kept the recipe secret from everyone outside the lab for years. Data was shared.",
     "stage.pre", "human"),
    ("doc1", "We kept the recipe secret from everyone outside the lab for years.", "challenge.a",
     "human"),
    ("doc1", "the lab", "orgmodel.y", "human"),
    ("doc1", "Data was shared.", "domain.d", "human"),
    ("doc1", "After the release people built on it.", "stage.release", "human"),
    ("doc1", "people built on it", "domain.d", "human"),
    ("doc2", "Secret recipe.", "challenge.a", "model"),
    ("doc2", "everyone to have access to models", "m.s1", "human"),
    ("doc2", "open science matters to us", "m.s2", "human"),
    ("doc3", "Money mattered a lot.", "m.e1", "human"),
    ("doc3", "Money mattered a lot.", "domain.d", "human"),
    ("doc4", "Access for all.", "m.s1", "human"),
]


def _document(name: str, case: str | None, said: list[Said]) -> DocumentInfo:
    text, turns = "", []
    for speaker, role, words in said:
        label = f"{speaker}: "
        start = len(text) + len(label)
        text += label + words + "\n"
        turns.append(Turn(speaker, role, start, start + len(words)))
    return DocumentInfo(name, case, text, "sha", tuple(turns), tuple(t.start for t in turns))


def make_dataset(*, motivations: bool = True) -> Dataset:
    documents = {name: _document(name, case, said) for name, (case, said) in DOCUMENTS.items()}
    rows: list[dict[str, Any]] = []
    for number, (doc, quote, code, origin) in enumerate(CODINGS, start=1):
        start = documents[doc].text.index(quote)
        rows.append({"coding_id": number, "document": doc, "case": documents[doc].case,
                     "start": start, "end": start + len(quote), "quote": quote, "code_id": code,
                     "coder": "ann", "origin": origin, "status": "accepted", "score": None,
                     "memo": None})
    if not motivations:
        rows = [row for row in rows if row["code_id"].startswith(("stage", "challenge"))]
    cases = {
        "Beta": {"organisation": "Beta Org", "llm": "B-LM", "organisation_type": "startup_sme",
                 "region": "Europe", "country": "Norway", "licence": "mixed",
                 "orgmodel": "orgmodel.x"},
        "alpha": {"orgmodel": "model y"},
        "gamma": {"orgmodel": "federation"},
        "ghost": {"interviewer": "I1"},
    }
    return Dataset("test.db", _codebook(motivations=motivations), cases, documents, rows,
                   ("accepted",), None)


@pytest.fixture
def ds() -> Dataset:
    return make_dataset()


def frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


# -- builders on the hand-made dataset ------------------------------------------------------

def test_case_order_ignores_letter_case_and_cases_without_documents(ds: Dataset) -> None:
    assert thematic.case_order(ds) == ["alpha", "Beta", "doc5", "gamma"]


def test_sample_overview(ds: Dataset) -> None:
    expected = frame([
        ["alpha", "", "", "", "", "", "", "Model Y", 1, 1],
        ["Beta", "Beta Org", "B-LM", "startup_sme", "Europe", "Norway", "mixed", "Model X", 2, 2],
        ["doc5", "", "", "", "", "", "", "", 1, 1],
        ["gamma", "", "", "", "", "", "", "federation", 1, 1],
    ], thematic.SAMPLE_COLUMNS)
    assert_frame_equal(thematic.sample_overview(ds), expected)


def test_stage_boards_list_every_staged_code_with_a_human_example(ds: Dataset) -> None:
    expected = frame([
        ["Pre-training", "Challenge", "challenge.a", "A", "alpha, Beta", 2, 2,
         "We kept the recipe secret from everyone outside the lab for years.", "Beta"],
        ["Pre-training", "On-ramp", "onramp.a", "OA", "", 0, 0, "", ""],
        ["Post-release", "Challenge", "challenge.b", "B", "", 0, 0, "", ""],
    ], thematic.BOARD_COLUMNS)
    assert_frame_equal(thematic.stage_boards(ds), expected)


def _row(quote: str, origin: str = "human", number: int = 1) -> dict[str, Any]:
    return {"coding_id": number, "document": "doc1", "start": number, "quote": quote,
            "origin": origin}


def test_choose_example_prefers_human_then_8_to_30_words_then_shortest(ds: Dataset) -> None:
    words = " ".join(["word"] * 9)
    rows = [_row("short model quote", "model", 1), _row(" ".join(["long"] * 35), number=2),
            _row(words + " ten", number=3), _row(words, number=4), _row("tiny", number=5)]
    assert thematic.choose_example(ds, rows) == rows[3]
    assert thematic.choose_example(ds, rows[:3]) == rows[2]
    assert thematic.choose_example(ds, rows[:2]) == rows[1]
    assert thematic.choose_example(ds, []) is None


def test_shorten_cuts_after_25_words_on_one_line() -> None:
    quote = "one\ntwo " + " ".join(f"w{i}," for i in range(3, 31))
    assert thematic.shorten(quote) == "one two " + " ".join(f"w{i}," for i in range(3, 26))[:-1] + "…"
    assert thematic.shorten("a  b\nc") == "a b c"


def test_motivation_matrix_ticks_cases_and_adds_family_subtotals(ds: Dataset) -> None:
    expected = frame([
        ["Social", "m.s1", "Access", "✓", "", "", "✓", 2],
        ["Social", "m.s2", "Science", "✓", "", "", "", 1],
        ["Social", "", "Social (any)", "✓", "", "", "✓", 2],
        ["Economic", "m.e1", "Money", "", "✓", "", "", 1],
        ["Economic", "", "Economic (any)", "", "✓", "", "", 1],
    ], ["family", "code", "name", "alpha", "Beta", "doc5", "gamma", "n_cases"])
    assert_frame_equal(thematic.motivation_matrix(ds), expected)


def test_motivation_by_orgmodel_counts_cases_per_model(ds: Dataset) -> None:
    expected = frame([
        ["Social", "m.s1", "Access", 0, 1, 1, 0],
        ["Social", "m.s2", "Science", 0, 1, 0, 0],
        ["Social", "", "Social (any)", 0, 1, 1, 0],
        ["Economic", "m.e1", "Money", 1, 0, 0, 0],
        ["Economic", "", "Economic (any)", 1, 0, 0, 0],
        ["", "", "Number of cases", 1, 1, 1, 1],
    ], ["family", "code", "name", "Model X", "Model Y", "federation", "(no model)"])
    assert_frame_equal(thematic.motivation_by_orgmodel(ds), expected)


def test_orgmodel_table_shows_assigned_and_coded_cases_and_unknown_values(ds: Dataset) -> None:
    expected = frame([
        ["orgmodel.x", "Model X", "X def", "Beta", 1, ""],
        ["orgmodel.y", "Model Y", "", "alpha", 1, "Beta"],
        ["", "federation", "(not a code of the codebook)", "gamma", 1, ""],
    ], thematic.ORGMODEL_COLUMNS)
    assert_frame_equal(thematic.orgmodel_table(ds), expected)


def test_domain_stage_table_counts_per_stage_with_unstaged_last(ds: Dataset) -> None:
    expected = frame([
        ["domain.d", "Data", 1, 1, 1, 1, 1, 1, 1, 3],
        ["domain.e", "Evaluation", 0, 0, 0, 0, 0, 0, 0, 0],
    ], ["code", "name", "Pre-training: cases", "Pre-training: segments",
        "Post-release: cases", "Post-release: segments", "unstaged: cases",
        "unstaged: segments", "n_cases", "n_segments"])
    assert_frame_equal(thematic.domain_stage_table(ds), expected)


def test_domain_stage_table_leaves_out_an_empty_unstaged_column(ds: Dataset) -> None:
    codings = [row for row in ds.codings if row["document"] != "doc3"]
    table = thematic.domain_stage_table(Dataset(ds.project, ds.codebook, ds.cases, ds.documents,
                                                codings, ds.statuses, None))
    assert "unstaged: cases" not in table.columns
    assert table["n_segments"].tolist() == [2, 0]


def test_stage_frequencies_cover_every_code_by_stage(ds: Dataset) -> None:
    expected = frame([
        ["stage.pre", "Pre-training", "Stage", "Pre-training", 1, 1, 0.25],
        ["stage.release", "Post-release", "Stage", "Post-release", 1, 1, 0.25],
        ["challenge.a", "A", "Challenge", "Pre-training", 2, 2, 0.5],
        ["challenge.b", "B", "Challenge", "", 0, 0, 0.0],
        ["onramp.a", "OA", "On-ramp", "", 0, 0, 0.0],
        ["m.s1", "Access", "Motivation", "unstaged", 2, 2, 0.5],
        ["m.s2", "Science", "Motivation", "unstaged", 1, 1, 0.25],
        ["m.e1", "Money", "Motivation", "unstaged", 1, 1, 0.25],
        ["orgmodel.x", "Model X", "Organisational model", "", 0, 0, 0.0],
        ["orgmodel.y", "Model Y", "Organisational model", "Pre-training", 1, 1, 0.25],
        ["domain.d", "Data", "Domain", "Pre-training", 1, 1, 0.25],
        ["domain.d", "Data", "Domain", "Post-release", 1, 1, 0.25],
        ["domain.d", "Data", "Domain", "unstaged", 1, 1, 0.25],
        ["domain.e", "Evaluation", "Domain", "", 0, 0, 0.0],
    ], thematic.FREQUENCY_COLUMNS)
    assert_frame_equal(thematic.stage_frequencies(ds), expected)


def test_a_codebook_without_motivations_gives_empty_tables_with_columns() -> None:
    ds = make_dataset(motivations=False)
    tables = thematic.thematic_tables(ds)
    assert list(tables) == ["01-sample", "02-stage-boards", "03-motivations",
                            "03b-motivations-by-orgmodel", "04-orgmodels", "05-domain-stage",
                            "06-stage-frequencies"]
    assert tables["03-motivations"][1].empty
    assert list(tables["03-motivations"][1].columns) == [
        "family", "code", "name", "alpha", "Beta", "doc5", "gamma", "n_cases"]
    assert list(tables["03b-motivations-by-orgmodel"][1].columns) == [
        "family", "code", "name", "federation", "model y", "orgmodel.x", "(no model)"]
    assert tables["03b-motivations-by-orgmodel"][1].empty
    assert list(tables["04-orgmodels"][1]["name"]) == ["federation", "model y", "orgmodel.x"]
    assert list(tables["05-domain-stage"][1].columns) == [
        "code", "name", "Pre-training: cases", "Pre-training: segments", "Post-release: cases",
        "Post-release: segments", "n_cases", "n_segments"]
    assert tables["05-domain-stage"][1].empty
    assert len(tables["02-stage-boards"][1]) == 3


def test_motivations_fall_back_to_a_category_whose_codes_all_have_a_group() -> None:
    codes = (
        Code("why", "Why", kind="category", category="why"),
        Code("why.a", "Because", category="why", parent="why", group="social"),
        Code("other", "Other", kind="category", category="other"),
        Code("other.a", "Grouped", category="other", parent="other", group="x"),
        Code("other.b", "Ungrouped", category="other", parent="other"),
    )
    ds = Dataset("p", Codebook("c", "1", codes), {}, {}, [], ("accepted",), None)
    assert [c.id for c in thematic.motivation_codes(ds)] == ["why.a"]
    assert list(thematic.motivation_matrix(ds)["name"]) == ["Because", "Social (any)"]


def test_without_provenance_drops_codes_and_their_codings(ds: Dataset) -> None:
    codes = tuple(replace(c, provenance="extra") if c.id == "challenge.a" else c
                  for c in ds.codebook.codes)
    study = thematic.without_provenance(replace(ds, codebook=replace(ds.codebook, codes=codes)))
    assert study.code("challenge.a") is None
    assert "challenge.a" not in {row["code_id"] for row in study.codings}
    assert list(thematic.stage_boards(study)["code"]) == ["onramp.a", "challenge.b"]


def test_a_codebook_without_stages_or_study_categories() -> None:
    codebook = load_codebook(REPO / "codebooks" / "example-minimal.yaml")
    document = _document("doc", "Case", [("P1", "participant", "I feel so lonely.")])
    start = document.text.index("lonely")
    row = {"coding_id": 1, "document": "doc", "case": "Case", "start": start, "end": start + 6,
           "quote": "lonely", "code_id": "isolation", "coder": "ann", "origin": "human",
           "status": "accepted", "score": None, "memo": None}
    ds = Dataset("p", codebook, {"Case": {}}, {"doc": document}, [row], ("accepted",), None)
    tables = thematic.thematic_tables(ds)
    for key in ("02-stage-boards", "03-motivations", "03b-motivations-by-orgmodel",
                "04-orgmodels", "05-domain-stage"):
        assert tables[key][1].empty, key
    frequencies = tables["06-stage-frequencies"][1]
    assert frequencies.iloc[0].tolist() == [
        "isolation", "Isolation", "Challenges of remote work", "unstaged", 1, 1, 1.0]
    assert len(frequencies) == len([c for c in codebook.codes if c.kind == "code"])


# -- the sample interviews with the default codebook ----------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    from qualcode.coding import import_codings
    from qualcode.corpus import ingest_paths
    from qualcode.dataset import load_dataset
    from qualcode.project import install_codebook
    from qualcode.store import open_project

    with open_project(tmp_path_factory.mktemp("sample") / "sample.db") as project:
        install_codebook(project, CODEBOOK)
        report = ingest_paths(project, [SAMPLE], cases=SAMPLE / "cases.csv")
        assert not report.failed
        assert import_codings(project, SAMPLE / "codings.csv").committed
        yield load_dataset(project)


STUDY_ATTRIBUTIONS = {
    "challenge.pre.secrecy": ["AI2"],
    "challenge.pre.lock-in": ["AI2"],
    "challenge.pre.expertise": ["SpeakLeash"],
    "challenge.pre.data-work": ["National Library of Norway"],
    "challenge.pre.data-value": ["National Library of Norway"],
    "challenge.pre.copyright": ["National Library of Norway"],
    "onramp.pre.language-datasets": ["SCB 10X", "Masakhane"],
    "onramp.pre.open-datasets": ["Hugging Face"],
    "onramp.pre.compute-partnerships": ["Hugging Face"],
    "onramp.pre.data-quality": ["EleutherAI"],
    "onramp.pre.frameworks": ["EleutherAI"],
    "onramp.post.trusted-partners": ["Hugging Face"],
    "onramp.post.datasets": ["BAAI"],
    "onramp.release.distribution": ["EleutherAI"],
    "onramp.release.derivatives": ["Masakhane"],
    "onramp.release.follow-up": ["Hugging Face"],
    "onramp.release.feedback": ["SpeakLeash"],
    "onramp.release.benchmarking": ["Masakhane"],
    "onramp.release.regional-use": ["AI Singapore"],
    "challenge.release.gated-licenses": ["Ant Group"],
    "challenge.release.firewalls": ["Ant Group"],
    "challenge.release.sustaining": ["Ant Group"],
    "challenge.release.reusability": ["National Library of Norway"],
}


def test_sample_boards_show_the_study_attributions(sample: Dataset) -> None:
    boards = thematic.stage_boards(sample).set_index("code")
    for code, cases in STUDY_ATTRIBUTIONS.items():
        listed = boards.loc[code, "cases"].split(", ")
        assert set(cases) <= set(listed), code
    assert boards.loc["challenge.release.gated-licenses", "stage"] == "Post-release"
    assert boards.loc["onramp.post.datasets", "kind"] == "Collaboration on-ramp"


def test_sample_boards_follow_stage_then_codebook_order(sample: Dataset) -> None:
    boards = thematic.stage_boards(sample)
    staged = [c for c in sample.codebook.codes if c.kind == "code" and c.stage]
    by_stage = {s: [c.id for c in staged if c.stage == s] for s in sample.stage_ids()}
    assert list(boards["code"]) == [code for s in sample.stage_ids() for code in by_stage[s]]
    assert list(dict.fromkeys(boards["stage"])) == ["Pre-training", "Post-training",
                                                     "Post-release"]
    pre = boards[boards["stage"] == "Pre-training"]["kind"].tolist()
    assert pre == sorted(pre, key=["Collaboration challenge", "Collaboration on-ramp"].index)


def test_sample_overview_counts_14_cases_and_17_participants(sample: Dataset) -> None:
    table = thematic.sample_overview(sample)
    assert len(table) == 14
    assert table["interviews"].sum() == 14
    assert table["participants"].sum() == 17


@pytest.mark.parametrize("key", ["01-sample", "02-stage-boards", "03-motivations",
                                 "04-orgmodels", "06-stage-frequencies"])
def test_sample_tables_match_golden_markdown(sample: Dataset, key: str) -> None:
    title, table = thematic.thematic_tables(sample)[key]
    check_golden(f"{key}.md", markdown_table(title, table))

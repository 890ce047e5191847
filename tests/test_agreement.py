"""Agreement on projects: units, missing coders, the assistant, statistics and disagreements."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode import agree
from qualcode.agreement import NOT_USED, ON_EVERY_UNIT, agreement, unit_table
from qualcode.coding import import_codings
from qualcode.disagreements import find_disagreements
from qualcode.errors import ProjectError, UserError
from qualcode.models import Coding
from qualcode.store import Project, open_project
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents

DATA = Path(__file__).parent / "data"
AGREEMENT = DATA / "agreement"
SAMPLE = Path(__file__).parents[1] / "transcripts_sample"
CODEBOOK = Path(__file__).parents[1] / "codebooks" / "open-llm-collaboration.yaml"
SAMPLE_DOCS = ("ai2-olmo.md", "eleutherai-pythia.txt", "masakhane.md", "opengpt-x-teuken.txt")


@pytest.fixture
def coded(loaded: Project) -> Project:
    """The test project coded by alice and bob (both interviews) and carol (interview-a only)."""
    for name in ("alice", "bob", "carol"):
        report = import_codings(loaded, AGREEMENT / f"{name}.csv")
        assert report.committed, report.problems
    return loaded


def test_two_coders_by_sentence(coded: Project) -> None:
    report = agreement(coded, coders=["alice", "bob"])
    rows = {r.code: r for r in report.codes}
    assert report.units == 15
    assert report.documents == ("interview-a", "interview-b")
    assert report.kappa_name == "Cohen's kappa"
    work = rows["challenge.data-work"]
    assert work.counts == {"both": 1, "only alice": 0, "only bob": 1, "neither": 13}
    assert work.percent.value == pytest.approx(14 / 15)
    assert work.kappa.value == pytest.approx(26 / 41)
    assert work.alpha.value == pytest.approx(52 / 81)
    assert work.flag == "low"
    assert rows["stage.release"].kappa.value == pytest.approx(26 / 41)
    assert rows["domain.compute"].alpha.value == pytest.approx(1.0)
    assert rows["domain.compute"].flag == "ok"
    models = rows["domain.models"]
    assert models.counts == {"both": 0, "only alice": 1, "only bob": 0, "neither": 14}
    assert (models.kappa.value, models.alpha.value) == (pytest.approx(0.0), pytest.approx(0.0))
    assert rows["stage.pre"].alpha.reason == NOT_USED
    assert rows["stage.pre"].flag == "undefined"
    assert report.pooled.kappa.value == pytest.approx(108 / 153)
    assert report.pooled.counts == {"both": 4, "only alice": 1, "only bob": 2, "neither": 68}
    assert report.pooled.name == "5 code(s) in use"


def test_three_coders_with_a_missing_document(coded: Project) -> None:
    report = agreement(coded, coders=["alice", "bob", "carol"])
    work = {r.code: r for r in report.codes}["challenge.data-work"]
    assert report.kappa_name == "Fleiss' kappa"
    assert report.missing == {"alice": [], "bob": [], "carol": ["interview-b"]}
    assert work.counts == {"all": 1, "some": 1, "none": 8}  # units every coder coded
    assert work.kappa.units == 10
    assert work.kappa.value == pytest.approx(0.76)
    assert work.alpha.units == 15  # interview-b still pairs alice and bob
    assert work.alpha.value == pytest.approx(272 / 350)


@pytest.mark.parametrize(("unit", "units"), [("turn", 7), ("document", 2), ("character", 685)])
def test_other_units(coded: Project, unit: str, units: int) -> None:
    report = agreement(coded, coders=["alice", "bob"], unit=unit)
    assert report.units == units
    assert (report.pooled.unitizing is not None) == (unit == "character")


def test_character_units_and_unitizing_alpha(coded: Project) -> None:
    report = agreement(coded, coders=["alice", "bob"], unit="character", codes=["domain.compute"])
    (compute,) = report.codes
    assert compute.counts == {"both": 36, "only alice": 0, "only bob": 19, "neither": 630}
    expected = agree.unitizing_alpha(685, [[(167, 203)], [(167, 222)]])
    assert compute.unitizing == expected
    assert compute.unitizing is not None
    assert compute.unitizing.value is not None


def test_document_unit_with_a_code_on_every_unit(coded: Project) -> None:
    report = agreement(coded, coders=["alice", "bob"], unit="document", documents=["interview-a"],
                       codes=["domain.compute"])
    (compute,) = report.codes
    assert compute.alpha.reason == ON_EVERY_UNIT
    assert compute.percent.value == 1.0


def test_codes_and_documents_filters(coded: Project) -> None:
    report = agreement(coded, coders=["alice", "bob"], codes=["challenge"], documents=["interview-b"])
    assert [r.code for r in report.codes] == ["challenge.copyright", "challenge.data-work"]
    assert report.units == 5


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"coders": ["alice"]}, "agreement needs at least two coders; got 1: alice (name them with --coders A B)"),
    ({"coders": ["alice", "alice"]}, "coder named twice: alice"),
    ({"coders": ["alice", "bob"], "unit": "page"},
     "unknown unit 'page'; use one of sentence, turn, document, character"),
    ({"coders": ["alice", "dave"]},
     ("no codings by 'dave'; coders with codings: alice, bob, carol (the assistant's suggestions "
      "are the coder 'assistant')")),
    ({"coders": ["alice", "assistant"]},
     "no suggestions for 'assistant' in the project (make some with `qualcode suggest`)"),
    ({"coders": ["alice", "bob"], "codes": ["nothing"]},
     "no code matches 'nothing' (see `qualcode codebook show`)"),
    ({"coders": ["alice", "bob"], "documents": ["interview-z"]},
     "no document named 'interview-z' (see `qualcode documents`)"),
])
def test_argument_errors(coded: Project, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((UserError, ProjectError)) as caught:
        agreement(coded, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def _suggest(project: Project, document: str, quote: str, code: str, status: str) -> None:
    with project.write() as conn:
        doc = store_documents.find_document(conn, document)
        assert doc is not None
        start = doc.text.index(quote)
        coding = Coding(document=document, start=start, end=start + len(quote), quote=quote,
                        code=code, coder="cues", origin="rule", status=status, score=0.7)
        store_codings.insert_codings(conn, doc.id, doc.text, [coding])


def test_the_assistant_is_a_coder_of_its_suggestions_whatever_their_status(coded: Project) -> None:
    _suggest(coded, "interview-a", "Nobody wanted to clean the data, honestly.", "challenge.data-work",
             "suggested")
    _suggest(coded, "interview-a", "We had compute from a public cluster", "domain.compute", "rejected")
    report = agreement(coded, coders=["alice", "assistant"], codes=["challenge", "domain"])
    rows = {r.code: r for r in report.codes}
    assert report.missing["assistant"] == ["interview-b"]
    assert rows["challenge.data-work"].counts == {"both": 1, "only alice": 0, "only assistant": 0,
                                                  "neither": 9}
    assert rows["domain.compute"].counts["both"] == 1
    same = agreement(coded, coders=["alice", "cues"], codes=["challenge", "domain"])
    assert [list(r.counts.values()) for r in same.codes] == [list(r.counts.values()) for r in report.codes]


def test_a_coder_with_only_rejected_codings_coded_the_document(coded: Project) -> None:
    with coded.write() as conn:
        doc = store_documents.find_document(conn, "interview-b")
        assert doc is not None
        quote = "We kept the recipes secret"
        start = doc.text.index(quote)
        store_codings.insert_codings(conn, doc.id, doc.text, [Coding(
            document="interview-b", start=start, end=start + len(quote), quote=quote,
            code="challenge.copyright", coder="carol", status="rejected")])
    table = unit_table(coded, coders=["alice", "carol"])
    assert [d.present for d in table.documents] == [(True, True), (True, True)]
    report = agreement(coded, coders=["alice", "carol"], codes=["challenge.copyright"])
    assert report.codes[0].counts == {"both": 0, "only alice": 1, "only carol": 0, "neither": 14}


def test_disagreements_list_units_with_context(coded: Project) -> None:
    table, found = find_disagreements(coded, coders=["alice", "bob"])
    assert table.coders == ("alice", "bob")
    assert [(d.document, d.unit, d.codes) for d in found] == [
        ("interview-a", "sentence 7", ((), ("stage.release",))),
        ("interview-a", "sentence 8", (("domain.models", "stage.release"), ("stage.release",))),
        ("interview-a", "sentence 10", ((), ("challenge.data-work",))),
    ]
    second = found[1]
    assert (second.before, second.text, second.after) == (
        "And after the release?", "After the release people made fine-tunes for Swahili and Yoruba.",
        "Some of them 🤝 sent fixes back.")
    assert second.speaker == "P01"
    assert second.case == "Community A"
    assert second.disputed() == ["domain.models"]


def test_disagreements_by_character_join_stretches(coded: Project) -> None:
    _, found = find_disagreements(coded, coders=["alice", "bob"], unit="character",
                                  codes=["domain.compute"])
    assert [(d.start, d.end, d.text) for d in found] == [(203, 222, ", which was a gift.")]


# -- the sample: researcher and a second coder --------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from qualcode.corpus import ingest_paths
    from qualcode.project import install_codebook

    path = tmp_path_factory.mktemp("sample") / "study.db"
    with open_project(path) as project:
        install_codebook(project, CODEBOOK)
        ingest_paths(project, [SAMPLE / name for name in SAMPLE_DOCS], cases=SAMPLE / "cases.csv")
        researcher = import_codings(project, SAMPLE / "codings.csv", skip_bad=True)
        second = import_codings(project, SAMPLE / "codings-coder2.csv")
        assert (researcher.added, second.added, second.problems) == (170, 207, [])
        yield project


def test_every_quote_of_the_second_coder_stands_once_in_its_transcript() -> None:
    import csv

    from qualcode.anchor import find_quote
    from qualcode.ingest import read_documents

    texts = {doc.name: doc.text for name in SAMPLE_DOCS for doc in read_documents(SAMPLE / name)}
    with (SAMPLE / "codings-coder2.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["coder"] for r in rows} == {"second"}
    assert {r["document"] for r in rows} == set(texts)
    assert all(len(find_quote(texts[r["document"]], r["quote"])) == 1 for r in rows)


def test_sample_agreement_researcher_and_second(sample: Project) -> None:
    sentence = agreement(sample, coders=["researcher", "second"])
    assert sentence.units == 476
    assert round(sentence.pooled.alpha.value or 0, 3) == 0.647
    assert round(sentence.pooled.kappa.value or 0, 3) == 0.646
    rows = {r.code: r for r in sentence.codes}
    assert rows["stage.release"].flag == "ok"
    assert rows["challenge.pre.copyright"].flag == "low"
    document = agreement(sample, coders=["researcher", "second"], unit="document")
    assert round(document.pooled.alpha.value or 0, 3) == 0.854


def test_sample_counts_add_up(sample: Project) -> None:
    for unit in ("sentence", "turn", "character"):
        report = agreement(sample, coders=["researcher", "second"], unit=unit)
        for code in report.codes:
            assert sum(code.counts.values()) == report.units
            for estimate in (code.percent, code.kappa, code.alpha):
                assert (estimate.value is None) == bool(estimate.reason)


def test_coders_who_never_coded_the_same_document(loaded: Project) -> None:
    assert import_codings(loaded, AGREEMENT / "carol.csv").committed
    assert import_codings(loaded, AGREEMENT / "bob.csv", skip_bad=True).committed
    with loaded.write() as conn:
        for coding in store_codings.find_codings(conn, coder="bob", document="interview-a"):
            assert coding.id is not None
            store_codings.delete_coding(conn, coding.id)
    report = agreement(loaded, coders=["bob", "carol"])
    assert report.documents == ()
    assert report.units == 0
    assert {r.alpha.reason for r in report.codes} == {"no unit was rated by two or more coders"}
    assert report.pooled.alpha.reason == "no code has a defined value"

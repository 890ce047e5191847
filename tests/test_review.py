"""Reviewing suggestions from Python: context, decisions, undo, the review sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from qualcode import anchor
from qualcode.coding import add_coding
from qualcode.context import evidence_marks, evidence_terms
from qualcode.errors import CodingError, ExportError, InputError
from qualcode.models import Coding
from qualcode.review import ReviewSession, apply_decision, undo_decision
from qualcode.review_sheet import COLUMNS, export_review_sheet, import_review_sheet
from qualcode.store import Project
from qualcode.store import codings as store_codings
from qualcode.store import decisions as store_decisions
from qualcode.store import documents as store_documents
from qualcode.store.log import list_events
from tests.conftest import assert_invariants

COMPUTE = "We had compute from a public cluster, which was a gift."
DATA = "Nobody wanted to clean the data, honestly."
RELEASE = "After the release people made fine-tunes for Swahili and Yoruba."
SECRET = "We kept the recipes secret, as companies do."


def suggest(project: Project, document: str, quote: str, code: str, score: float,
            rationale: str = "", coder: str = "assistant") -> int:
    """Store one pending suggestion (the way `qualcode suggest` does) and return its id."""
    with project.write() as conn:
        doc = store_documents.find_document(conn, document)
        assert doc is not None
        start, end = anchor.place_quote(doc.text, quote, document=document)
        coding = Coding(document=document, start=start, end=end, quote=doc.text[start:end],
                        code=code, coder=coder, origin="rule", status="suggested", score=score,
                        rationale=rationale)
        (coding_id,) = store_codings.insert_codings(conn, doc.id, doc.text, [coding])
    return coding_id


def add_suggestions(project: Project) -> dict[str, int]:
    """Four suggestions in the test project, highest score first."""
    return {
        "compute": suggest(project, "interview-a", COMPUTE, "domain.compute", 0.9,
                           'cue "compute" matched; cue "public cluster"'),
        "data": suggest(project, "interview-a", DATA, "challenge.data-work", 0.8,
                        'cue "clean the data"'),
        "release": suggest(project, "interview-a", RELEASE, "stage.release", 0.7,
                           "cues: after the release"),
        "secret": suggest(project, "interview-b", SECRET, "domain.models", 0.3, "model p=0.30"),
    }


def coding(project: Project, coding_id: int) -> Coding | None:
    with project.read() as conn:
        return store_codings.get_coding(conn, coding_id)


def all_codings(project: Project) -> list[Coding]:
    with project.read() as conn:
        return store_codings.find_codings(conn)


@pytest.fixture
def suggested(loaded: Project) -> dict[str, int]:
    return add_suggestions(loaded)


def test_evidence_terms_from_quotes_or_a_cue_list() -> None:
    assert evidence_terms('cue "compute" matched; pattern “train … model”') == (
        "compute", "train … model")
    assert evidence_terms("cues: after the release, fine-tune") == ("after the release", "fine-tune")
    assert evidence_terms('cue "clean data" matched "cleaning the data" (0.80, hedged by maybe); '
                          'pattern stage.pre#1 matched "trained the base model" (0.60)') == (
        "clean data", "cleaning the data", "trained the base model")
    assert evidence_terms("model p=0.30") == ()
    assert evidence_terms(None) == ()


def test_evidence_marks_find_inflected_forms_and_merge() -> None:
    quote = "They trained it; training   data came later. Training data!"
    assert evidence_marks(quote, ["train", "training data"]) == ((5, 12), (17, 32), (45, 58))
    assert evidence_marks("nothing here", ["compute"]) == ()


def test_session_shows_each_suggestion_in_its_context(loaded: Project,
                                                      suggested: dict[str, int]) -> None:
    session = ReviewSession(loaded, coder="alice")
    assert session.total == 4
    item = session.current()
    assert item is not None
    assert item.coding.id == suggested["compute"]
    assert (item.case, item.speaker, item.role) == ("Community A", "P01", "participant")
    assert item.before is not None
    assert item.before.text == DATA
    assert item.after is not None
    assert item.after.text.startswith("The café near the office")
    assert item.code.name == "Compute"
    assert item.evidence == ("compute", "public cluster")
    assert [item.coding.quote[s:e] for s, e in item.marks] == ["compute", "public cluster"]


def test_context_names_another_speaker(loaded: Project, suggested: dict[str, int]) -> None:
    session = ReviewSession(loaded, coder="alice", code_prefixes=["stage"])
    item = session.current()
    assert item is not None
    assert item.coding.id == suggested["release"]
    assert item.before is not None
    assert (item.before.speaker, item.before.text) == ("Interviewer", "And after the release?")


def test_accept_and_reject_make_the_reviewer_the_coder(loaded: Project,
                                                        suggested: dict[str, int]) -> None:
    apply_decision(loaded, suggested["compute"], "accept", coder="alice")
    apply_decision(loaded, suggested["data"], "reject", coder="alice", memo="only a complaint")
    accepted, rejected = coding(loaded, suggested["compute"]), coding(loaded, suggested["data"])
    assert accepted is not None
    assert rejected is not None
    assert (accepted.status, accepted.coder, accepted.origin) == ("accepted", "alice", "rule")
    assert (rejected.status, rejected.coder, rejected.memo) == ("rejected", "alice", "only a complaint")
    with loaded.read() as conn:
        assert store_decisions.pending_suggestions(conn)[0].id == suggested["release"]
    event = list_events(loaded.engine.connect(), limit=1)[0]
    assert (event.action, event.actor, event.entity_id) == ("review.reject", "alice",
                                                           str(suggested["data"]))
    assert event.payload["before"]["status"] == "suggested"
    assert event.payload["after"]["status"] == "rejected"


@pytest.mark.parametrize(("action", "kwargs"), [
    ("accept", {}), ("reject", {"memo": "no"}), ("change", {"code": "Models"}),
    ("widen", {}), ("memo", {"memo": "ask P01"}),
])
def test_undo_restores_exactly(loaded: Project, suggested: dict[str, int], action: str,
                               kwargs: dict[str, str]) -> None:
    before = all_codings(loaded)
    decision = apply_decision(loaded, suggested["compute"], action, coder="alice", **kwargs)
    assert all_codings(loaded) != before
    assert undo_decision(loaded, decision.event_id, actor="alice") == suggested["compute"]
    assert all_codings(loaded) == before
    with pytest.raises(CodingError) as info:
        undo_decision(loaded, decision.event_id, actor="alice")
    assert str(info.value) == (f"coding {suggested['compute']} has changed since that decision "
                               "(already undone?)")
    assert_invariants(loaded)


def test_change_rejects_the_suggestion_and_codes_the_span(loaded: Project,
                                                          suggested: dict[str, int]) -> None:
    decision = apply_decision(loaded, suggested["data"], "change", coder="alice",
                              code="Post-release", memo="about the release")
    old = coding(loaded, suggested["data"])
    assert old is not None
    assert (old.status, old.code, old.coder) == (
        "rejected", "challenge.data-work", "alice")
    assert decision.created is not None
    new = coding(loaded, decision.created)
    assert new is not None
    assert (new.start, new.end, new.code, new.status, new.origin, new.coder, new.memo) == (
        old.start, old.end, "stage.release", "accepted", "human", "alice", "about the release")


def test_change_to_a_code_already_suggested_there_accepts_that_one(
        loaded: Project, suggested: dict[str, int]) -> None:
    twin = suggest(loaded, "interview-a", COMPUTE, "domain.models", 0.2)
    count = len(all_codings(loaded))
    decision = apply_decision(loaded, suggested["compute"], "change", coder="alice",
                              code="domain.models")
    assert decision.created is None
    assert len(all_codings(loaded)) == count
    other = coding(loaded, twin)
    assert other is not None
    assert (other.status, other.coder) == ("accepted", "alice")
    undo_decision(loaded, decision.event_id, actor="alice")
    other = coding(loaded, twin)
    assert other is not None
    assert (other.status, other.coder) == ("suggested", "assistant")


@pytest.mark.parametrize(("code", "message"), [
    ("domain.compute", "domain.compute is already the suggested code (accept it instead)"),
    ("nope", "unknown code 'nope' (see `qualcode codebook show`)"),
    ("challenge", "'challenge' is a category, not a code"),
])
def test_change_errors(loaded: Project, suggested: dict[str, int], code: str,
                       message: str) -> None:
    before = all_codings(loaded)
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["compute"], "change", coder="alice", code=code)
    assert str(info.value) == message
    assert all_codings(loaded) == before


def test_widen_to_the_turn_and_narrow_to_the_evidence_sentence(
        loaded: Project, suggested: dict[str, int]) -> None:
    apply_decision(loaded, suggested["data"], "widen", coder="alice")
    widened = coding(loaded, suggested["data"])
    assert widened is not None
    assert widened.status == "suggested"
    assert widened.quote.startswith("It started with a handful")
    assert widened.quote.endswith("good coffee ☕ too.")
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["data"], "widen", coder="alice")
    assert str(info.value) == f"suggestion {suggested['data']} already covers its whole turn"
    apply_decision(loaded, suggested["data"], "narrow", coder="alice")
    narrowed = coding(loaded, suggested["data"])
    assert narrowed is not None
    assert narrowed.quote == DATA
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["data"], "narrow", coder="alice")
    assert str(info.value) == f"suggestion {suggested['data']} already covers one sentence"
    assert_invariants(loaded)


def test_widen_onto_a_span_that_already_has_the_code_is_refused(
        loaded: Project, suggested: dict[str, int]) -> None:
    with loaded.read() as conn:
        doc = store_documents.find_document(conn, "interview-a")
        assert doc is not None
        turn = store_documents.document_turns(conn, doc.id)[1]
    hand = add_coding(loaded, document="interview-a", code="domain.compute", coder="bob",
                      start=turn.start, end=turn.end)
    before = all_codings(loaded)
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["compute"], "widen", coder="alice")
    assert str(info.value) == (f"coding {hand.id} (accepted, bob) already has domain.compute on "
                               "that span (accept or reject this suggestion as it is)")
    assert all_codings(loaded) == before


def test_memo_keeps_the_suggestion_pending(loaded: Project, suggested: dict[str, int]) -> None:
    apply_decision(loaded, suggested["secret"], "memo", coder="alice", memo="ask about recipes")
    noted = coding(loaded, suggested["secret"])
    assert noted is not None
    assert (noted.status, noted.coder, noted.memo) == ("suggested", "assistant", "ask about recipes")
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["secret"], "memo", coder="alice", memo="")
    assert str(info.value) == "the memo is empty"


def test_a_decided_or_removed_suggestion_is_refused(loaded: Project,
                                                     suggested: dict[str, int]) -> None:
    apply_decision(loaded, suggested["compute"], "accept", coder="bob")
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["compute"], "reject", coder="alice")
    assert str(info.value) == f"suggestion {suggested['compute']} was already accepted by bob"
    with loaded.write() as conn:
        store_decisions.delete_codings(conn, [suggested["data"]])
    with pytest.raises(CodingError) as info:
        apply_decision(loaded, suggested["data"], "accept", coder="alice")
    assert str(info.value) == f"suggestion {suggested['data']} is no longer in the project"


def test_session_skip_undo_summary_and_decisions_made_elsewhere(
        loaded: Project, suggested: dict[str, int]) -> None:
    session = ReviewSession(loaded, coder="alice", order="document")
    first = session.current()
    assert first is not None
    assert first.coding.id == suggested["data"]
    session.decide("accept")
    session.skip()
    apply_decision(loaded, suggested["release"], "reject", coder="bob")  # another reviewer
    third = session.current()
    assert third is not None
    assert third.coding.id == suggested["secret"]
    step = session.undo()
    assert step is not None
    assert (step.action, step.coding_id) == ("skip", suggested["compute"])
    step = session.undo()
    assert step is not None
    assert step.action == "accept"
    restored = coding(loaded, suggested["data"])
    assert restored is not None
    assert restored.status == "suggested"
    session.decide("reject")
    assert session.summary() == {"accepted": 0, "rejected": 1, "changed": 0, "skipped": 0,
                                  "widened": 0, "narrowed": 0, "memos": 0, "left": 3}
    assert session.undo() is not None
    assert session.undo() is None


def test_likely_codes_and_resolving_a_choice(loaded: Project, suggested: dict[str, int]) -> None:
    suggest(loaded, "interview-a", COMPUTE, "stage.pre", 0.5)
    session = ReviewSession(loaded, coder="alice")
    item = session.current()
    assert item is not None
    choices = session.likely_codes(item)
    assert [c.id for c in choices] == ["stage.pre", "domain.models"]
    assert session.resolve_code("2", choices) == "domain.models"
    assert session.resolve_code(" copyright ", choices) == "challenge.copyright"
    with pytest.raises(CodingError) as info:
        session.resolve_code("9", choices)
    assert str(info.value) == "unknown code '9' (see `qualcode codebook show`)"


# --- the review sheet -------------------------------------------------------------------


def fill(path: Path, decisions: dict[int, tuple[str, ...]]) -> None:
    """Write decision, code and memo cells on rows of an exported sheet, like a reviewer."""
    book = load_workbook(path)
    sheet = book["review"]
    first = COLUMNS.index("decision") + 1
    for row, values in decisions.items():
        for offset, value in enumerate(values):
            sheet.cell(row, first + offset, value).data_type = "s"  # typed text, not a formula
    book.save(path)


def row_of(path: Path, coding_id: int) -> int:
    sheet = load_workbook(path)["review"]
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if values[0] == coding_id:
            return number
    raise AssertionError(coding_id)


def test_export_writes_a_formatted_sheet_with_a_hidden_key(
        loaded: Project, suggested: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    assert export_review_sheet(loaded, path, order="document") == 4
    book = load_workbook(path)
    sheet = book["review"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:N5"
    assert sheet.column_dimensions["F"].width == 60
    assert sheet["F2"].alignment.wrap_text
    row = [c.value for c in sheet[2]]
    assert row == [suggested["data"], "interview-a", "Community A", "P01",
                   "It started with a handful of volunteers on a chat server.", DATA, COMPUTE,
                   "challenge.data-work", "Data work is undervalued", 0.8,
                   'cue "clean the data"', None, None, None]
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, rule.formula1, rule.allow_blank, str(rule.sqref)) == (
        "list", '"accept,reject"', True, "L2:L5")
    key = book["qualcode-key"]
    assert key.sheet_state == "hidden"
    assert [c.value for c in key[2]] == ["coding_id", "document", "text_sha256", "start", "end",
                                         "quote_sha256", "code", "status"]
    assert key.max_row == 6


def test_formula_looking_text_stays_text(loaded: Project, tmp_path: Path) -> None:
    risky = ["=HYPERLINK(\"http://x\",\"y\")", "+1 cue", "-cue", "@SUM(A1)", "\tcue", "\rcue"]
    for number, text in enumerate(risky):
        suggest(loaded, "interview-a", [COMPUTE, DATA, RELEASE, "Thanks for joining.",
                                        "Some of them 🤝 sent fixes back.",
                                        "And after the release?"][number],
                "domain.compute", 0.5, rationale=text)
    path = tmp_path / "review.xlsx"
    export_review_sheet(loaded, path)
    sheet = load_workbook(path)["review"]
    evidence = COLUMNS.index("evidence") + 1
    cells = [sheet.cell(row, evidence) for row in range(2, 8)]
    assert sorted(c.value for c in cells) == sorted(risky)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_export_refuses_other_formats(loaded: Project, tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        export_review_sheet(loaded, tmp_path / "review.csv")
    assert str(info.value) == f"{tmp_path / 'review.csv'}: a review sheet must be an .xlsx file"


def test_sheet_round_trip_applies_decisions_once(loaded: Project, suggested: dict[str, int],
                                                  tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_review_sheet(loaded, path)
    fill(path, {row_of(path, suggested["compute"]): ("accept", None, "=clear case"),
                row_of(path, suggested["data"]): ("Reject",),
                row_of(path, suggested["release"]): ("accept", "Models")})
    report = import_review_sheet(loaded, path, coder="carol")
    assert (report.rows, report.accepted, report.rejected, report.changed, report.blank,
            report.already, report.problems) == (4, 1, 1, 1, 1, 0, [])
    accepted = coding(loaded, suggested["compute"])
    assert accepted is not None
    assert (accepted.status, accepted.coder, accepted.memo) == ("accepted", "carol", "=clear case")
    changed = coding(loaded, suggested["release"])
    assert changed is not None
    assert changed.status == "rejected"
    assert any(c.code == "domain.models" and c.quote == RELEASE and c.status == "accepted"
               for c in all_codings(loaded))
    state, events = all_codings(loaded), len(list_events(loaded.engine.connect()))
    again = import_review_sheet(loaded, path, coder="carol")
    assert (again.accepted, again.rejected, again.changed, again.already, again.problems) == (
        0, 0, 0, 3, [])
    assert all_codings(loaded) == state
    assert len(list_events(loaded.engine.connect())) == events
    assert_invariants(loaded)


def test_dry_run_changes_nothing(loaded: Project, suggested: dict[str, int],
                                 tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_review_sheet(loaded, path)
    fill(path, {2: ("accept",), 3: ("reject",)})
    before = all_codings(loaded)
    report = import_review_sheet(loaded, path, coder="carol", dry_run=True)
    assert (report.accepted, report.rejected, report.dry_run) == (1, 1, True)
    assert all_codings(loaded) == before


def test_stale_and_bad_rows_are_reported_by_row_number(
        loaded: Project, suggested: dict[str, int], tmp_path: Path, work: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_review_sheet(loaded, path, order="document")
    rows = {name: row_of(path, coding_id) for name, coding_id in suggested.items()}
    fill(path, {rows["compute"]: ("accept",), rows["data"]: ("accept",),
                rows["release"]: ("accept",), rows["secret"]: ("reject",)})
    extra = suggest(loaded, "interview-a", "Thanks for joining.", "domain.models", 0.1)
    book = load_workbook(path)
    sheet = book["review"]
    for values in ([suggested["compute"], None, None], [extra], ["x"], [suggested["data"]]):
        sheet.append(values + [None] * (COLUMNS.index("decision") - len(values)) + ["accept"])
    sheet.append([suggested["release"]] + [None] * 10 + ["yes"])
    sheet.append([suggested["secret"]] + [None] * 10 + ["accept", "nope"])
    book.save(path)
    apply_decision(loaded, suggested["compute"], "reject", coder="bob")
    with loaded.write() as conn:
        store_decisions.delete_codings(conn, [suggested["data"]])
    apply_decision(loaded, suggested["release"], "widen", coder="bob")
    (work / "interview-b.md").write_text(
        (work / "interview-b.md").read_text(encoding="utf-8").replace("hard?", "hardest?"),
        encoding="utf-8")
    from qualcode.corpus import ingest_paths

    assert ingest_paths(loaded, [work / "interview-b.md"], replace=True).count("replaced") == 1
    report = import_review_sheet(loaded, path, coder="carol")
    assert report.problems == [
        (f"{path}:{rows['data']}: suggestion {suggested['data']} was removed from the project "
        "since the export"),
        (f"{path}:{rows['compute']}: suggestion {suggested['compute']} was rejected by bob "
        "since the export"),
        (f"{path}:{rows['release']}: suggestion {suggested['release']} was changed since the "
        "export (code or span)"),
        f"{path}:{rows['secret']}: document 'interview-b' changed since the export",
        f"{path}:6: coding {suggested['compute']} appears again (first on row {rows['compute']})",
        f"{path}:7: coding_id '{extra}' is not one this sheet was exported with",
        f"{path}:8: coding_id 'x' is not one this sheet was exported with",
        f"{path}:9: coding {suggested['data']} appears again (first on row {rows['data']})",
        f"{path}:10: decision must be accept, reject or blank, not 'yes'",
        f"{path}:11: coding {suggested['secret']} appears again (first on row {rows['secret']})",
    ]
    assert (report.accepted, report.rejected, report.changed) == (0, 0, 0)


def test_unknown_code_and_code_with_reject(loaded: Project, suggested: dict[str, int],
                                           tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_review_sheet(loaded, path)
    fill(path, {2: ("accept", "nope"), 3: ("reject", "Models"), 4: ("accept", "challenge")})
    report = import_review_sheet(loaded, path, coder="carol")
    assert report.problems == [
        f"{path}:2: unknown code 'nope' (see `qualcode codebook show`)",
        f"{path}:3: a code is given with decision reject (write accept to code the passage with it)",
        f"{path}:4: 'challenge' is a category, not a code",
    ]


def test_import_errors_name_the_file(loaded: Project, tmp_path: Path) -> None:
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    (tmp_path / "review.csv").write_text("coding_id,decision\n1,accept\n", encoding="utf-8")
    cases = [
        (tmp_path / "missing.xlsx", "file not found"),
        (other, ("not a qualcode review sheet (no qualcode-key sheet) "
                "(export one with `qualcode review --export FILE`)")),
        (tmp_path / "review.csv", ("not a valid .xlsx file (not a zip archive) "
                                  "(open it in Excel and save it in the .xlsx format)")),
    ]
    for path, message in cases:
        with pytest.raises(InputError) as info:
            import_review_sheet(loaded, path, coder="carol")
        assert str(info.value) == f"{path}: {message}"


def test_session_order_and_filters(loaded: Project, suggested: dict[str, int]) -> None:
    by_score = ReviewSession(loaded, coder="alice")
    assert by_score.queue == [suggested[n] for n in ("compute", "data", "release", "secret")]
    only_b = ReviewSession(loaded, coder="alice", document="interview-b")
    assert only_b.queue == [suggested["secret"]]
    with pytest.raises(CodingError) as info:
        ReviewSession(loaded, coder="alice", order="random")
    assert str(info.value) == "unknown order 'random'; use one of score, document"

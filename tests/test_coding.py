"""Hand coding, imports of coding sheets, removal and restore; the offset invariant."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.anchor import find_quote, place_quote
from qualcode.coding import add_coding, import_codings, remove_coding, restore_coding
from qualcode.errors import CodingError
from qualcode.store import Project
from qualcode.store import codings as store_codings
from tests.conftest import assert_invariants


def test_find_quote_ignores_whitespace_differences() -> None:
    text = "one  two\nthree four"
    assert find_quote(text, "two three") == [(5, 14)]
    assert find_quote(text, "  one two  ") == [(0, 8)]
    assert find_quote(text, "   ") == []


def test_place_quote_errors_are_one_line() -> None:
    with pytest.raises(CodingError) as info:
        place_quote("a b a b", "a b", document="doc")
    assert str(info.value) == "doc: quote occurs 2 times: 'a b' (lengthen it, or choose one with --occurrence)"
    assert place_quote("a b a b", "a b", document="doc", occurrence=2) == (4, 7)
    with pytest.raises(CodingError) as info:
        place_quote("a b", "c", document="doc")
    assert str(info.value) == "doc: quote not found: 'c' (check the wording; case and punctuation count)"


def test_add_coding_by_quote_with_astral_characters(loaded: Project) -> None:
    coding = add_coding(loaded, document="interview-a", code="domain.models", coder="bob",
                        quote="Some of them 🤝 sent fixes back.")
    with loaded.read() as conn:
        stored = store_codings.get_coding(conn, coding.id or 0)
    assert stored is not None
    assert stored.quote == "Some of them 🤝 sent fixes back."
    assert (stored.status, stored.origin) == ("accepted", "human")
    assert_invariants(loaded)


def test_add_coding_in_rtl_and_cjk_text(loaded: Project) -> None:
    for quote in ("版权 was a worry", "مرحبا", "Ünïcödé names"):
        add_coding(loaded, document="interview-b", code="challenge.copyright", coder="bob", quote=quote)
    assert_invariants(loaded)


def test_add_coding_by_offsets_and_by_name(loaded: Project) -> None:
    with loaded.read() as conn:
        from qualcode.store.documents import find_document

        doc = find_document(conn, "interview-a")
    assert doc is not None
    start = doc.text.index("public cluster")
    coding = add_coding(loaded, document="interview-a", code="Compute", coder="bob",
                        start=start, end=start + len("public cluster"))
    assert (coding.code, coding.quote) == ("domain.compute", "public cluster")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"document": "nope", "code": "domain.compute", "quote": "x"},
         "no document named 'nope' (see `qualcode documents`)"),
        ({"document": "interview-a", "code": "nope", "quote": "cluster"},
         "interview-a: unknown code 'nope' (see `qualcode codebook show`)"),
        ({"document": "interview-a", "code": "challenge", "quote": "cluster"},
         "interview-a: 'challenge' is a category, not a code"),
        ({"document": "interview-a", "code": "domain.compute", "start": 5, "end": 99999},
         ("interview-a: span 5-99999 is outside the document (it has 477 characters) "
          "(offsets are code points, end excluded)")),
        ({"document": "interview-a", "code": "domain.compute", "quote": "Nobody wanted to clean the data"},
         ("interview-a: quote occurs 2 times: 'Nobody wanted to clean the data' "
          "(lengthen it, or choose one with --occurrence)")),
    ],
)
def test_add_coding_errors(loaded: Project, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(CodingError) as info:
        add_coding(loaded, coder="bob", **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_import_codings_places_every_row(loaded: Project, work: Path) -> None:
    report = import_codings(loaded, work / "codings.csv")
    assert (report.added, report.duplicates, report.problems, report.committed) == (6, 0, [], True)
    with loaded.read() as conn:
        codings = store_codings.find_codings(conn)
    assert {c.code for c in codings} >= {"domain.models", "challenge.copyright"}
    assert all(c.run_id == report.run_id for c in codings)
    assert_invariants(loaded)


def test_import_codings_twice_adds_nothing(loaded: Project, work: Path) -> None:
    import_codings(loaded, work / "codings.csv")
    again = import_codings(loaded, work / "codings.csv")
    assert (again.added, again.duplicates) == (0, 6)


def test_bad_rows_are_listed_and_nothing_is_committed(loaded: Project, work: Path) -> None:
    path = work / "codings-bad.csv"
    report = import_codings(loaded, path)
    assert not report.committed
    assert report.problems == [
        f"{path}:3: unknown document 'interview-x' (see `qualcode documents` for the names)",
        f"{path}:4: unknown code 'no.such.code' (see `qualcode codebook show`)",
        (f"{path}:5: quote not found: 'this sentence is not in the text' "
         "(check the wording; case and punctuation count)"),
        (f"{path}:6: quote occurs 2 times: 'Nobody wanted to clean the data' "
         "(lengthen it, or choose one with --occurrence)"),
        f"{path}:7: empty quote and no start/end",
    ]
    with loaded.read() as conn:
        assert store_codings.find_codings(conn) == []


def test_skip_bad_commits_the_good_rows(loaded: Project, work: Path) -> None:
    report = import_codings(loaded, work / "codings-bad.csv", skip_bad=True)
    assert (report.committed, report.added, len(report.problems)) == (True, 1, 5)


def test_remove_and_restore(loaded: Project, work: Path) -> None:
    import_codings(loaded, work / "codings.csv")
    with loaded.read() as conn:
        before = store_codings.find_codings(conn)
    target = before[0]
    removed, event_id = remove_coding(loaded, target.id or 0, actor="bob")
    assert removed == target
    with loaded.read() as conn:
        assert len(store_codings.find_codings(conn)) == len(before) - 1
    restored = restore_coding(loaded, event_id, actor="bob")
    assert (restored.document, restored.start, restored.end, restored.code, restored.coder, restored.memo) == (
        target.document, target.start, target.end, target.code, target.coder, target.memo)
    assert_invariants(loaded)
    with pytest.raises(CodingError, match=f"event {event_id + 1} did not remove a coding"):
        restore_coding(loaded, event_id + 1, actor="bob")

"""Units read for a batch of documents are those read one document at a time."""

from __future__ import annotations

import pytest

from qualcode.assist import units as assist_units
from qualcode.assist.units import batch_units, document_units, load_units, with_units
from qualcode.store import Project
from qualcode.store import documents as store_documents


@pytest.mark.parametrize("unit", ["sentence", "turn"])
@pytest.mark.parametrize("interviewer", [False, True])
def test_batch_units_match_document_units(loaded: Project, unit: str, interviewer: bool) -> None:
    with loaded.read() as conn:
        docs = store_documents.all_documents(conn)
        one = [document_units(conn, d, unit=unit, include_interviewer=interviewer) for d in docs]
        assert batch_units(conn, docs, unit=unit, include_interviewer=interviewer) == one
        assert load_units(conn, unit=unit, include_interviewer=interviewer) == \
            [u for found in one for u in found]
    assert len(docs) == 2
    assert all(one)
    assert all(u.text == d.text[u.start : u.end] for d, found in zip(docs, one, strict=True) for u in found)


def test_with_units_keeps_order_across_batches(loaded: Project,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assist_units, "BATCH", 1)
    with loaded.read() as conn:
        docs = store_documents.all_documents(conn)
        found = list(with_units(conn, [(d, d.name) for d in docs]))
        assert [(d.name, extra) for d, extra, _ in found] == [(d.name, d.name) for d in docs]
        assert [units for _, _, units in found] == [document_units(conn, d) for d in docs]
        assert list(with_units(conn, [])) == []


def test_documents_parts_of_unknown_document_is_empty(loaded: Project) -> None:
    with loaded.read() as conn:
        assert store_documents.documents_parts(conn, [9999], "sentence") == {9999: ([], [])}

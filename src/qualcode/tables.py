"""Pure pandas builders over a :class:`~qualcode.dataset.Dataset`.

The segment table (one row per coding), its filters, and the summaries researchers ask
for: code frequencies by stage, case, coder or case attribute; code x case (stage,
attribute) matrices; and code co-occurrence. Codes follow the codebook order, cases their
names compared without letter case. A coding belongs to the case of its document (the
document's own name when it has none).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from qualcode.dataset import UNSTAGED, Dataset, coding_stages, codings_stages
from qualcode.errors import ExportError

if TYPE_CHECKING:
    import pandas as pd

NO_VALUE = "(none)"
GROUPINGS = ("stage", "case", "coder", "attribute:NAME")
COUNTS = ("segments", "cases", "words")
SCOPES = ("segment", "turn", "document")
PATH_PREFIX = "code_path_"
ATTRIBUTE_PREFIX = "case_"
CONTEXT_COLUMNS = ["context_before", "context_after"]
Spans = Mapping[str, Sequence[tuple[int, int]]]
Context = Callable[[str], tuple[str, Sequence[tuple[int, int]]]]  # document -> text, sentences

SEGMENT_COLUMNS = [
    "coding_id", "document", "case", "speaker", "role", "turn", "start", "end", "text",
    "code", "code_name", "category", "code_path", "stage", "coder", "origin", "status",
    "score", "memo", "text_sha256",
]


def coding_case(dataset: Dataset, document: str) -> str:
    """The case a coding of ``document`` belongs to (the document's name without a case)."""
    info = dataset.documents.get(document)
    return (info.case if info is not None else None) or document


def _case_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def path_depth(dataset: Dataset) -> int:
    """The number of levels of the deepest code path in the codebook (at least one)."""
    return max([len(dataset.path(code.id)) for code in dataset.codebook.codes] or [1])


def attribute_keys(dataset: Dataset) -> list[str]:
    """Every case attribute name, sorted."""
    return sorted({key for attributes in dataset.cases.values() for key in attributes})


def segment_columns(dataset: Dataset, *, context: bool = False) -> list[str]:
    """The columns of :func:`segment_table`: the fixed ones, then path levels, attributes."""
    levels = [f"{PATH_PREFIX}{n}" for n in range(1, path_depth(dataset) + 1)]
    attributes = [ATTRIBUTE_PREFIX + key for key in attribute_keys(dataset)]
    return SEGMENT_COLUMNS + levels + attributes + (CONTEXT_COLUMNS if context else [])


def segment_table(dataset: Dataset, *, sentences: Spans | None = None) -> pd.DataFrame:
    """One row per coding, in document order, with its context and code path.

    After the fixed :data:`SEGMENT_COLUMNS` come one ``code_path_N`` column per level
    of the code path and one ``case_KEY`` column per case attribute. With ``sentences``
    (the sentence spans of each document, in text order), ``context_before`` and
    ``context_after`` hold the sentence that ends before the coding starts and the one
    that starts after it ends.
    """
    import pandas as pd

    def context(document: str) -> tuple[str, Sequence[tuple[int, int]]]:
        assert sentences is not None
        return dataset.documents[document].text, sentences.get(document, ())

    stages = coding_stages(dataset)
    make = SegmentRow(dataset, context if sentences is not None else None)
    records = [make(row, stages[row["coding_id"]]) for row in dataset.codings]
    columns = segment_columns(dataset, context=sentences is not None)
    frame: pd.DataFrame = pd.DataFrame.from_records(records, columns=columns)
    return frame


def segment_rows(dataset: Dataset, codings: Iterable[dict[str, Any]], *,
                 context: Context | None = None,
                 keep: Callable[[dict[str, Any], list[str]], bool] | None = None,
                 ) -> Iterator[tuple[Any, ...]]:
    """Rows of :func:`segment_table` (as tuples) for codings that come in document order.

    ``codings`` may be a stream (one document's codings are held at a time); ``context``
    gives a document's text and sentence spans when the context columns are wanted;
    ``keep`` (a coding and its stages) drops the codings it refuses.
    """
    make = SegmentRow(dataset, context)
    for _document, group in groupby(codings, key=itemgetter("document")):
        rows = list(group)
        stages = codings_stages(dataset, rows)
        for row in rows:
            found = stages[row["coding_id"]]
            if keep is None or keep(row, found):
                yield make(row, found)


class SegmentRow:
    """Makes one row of the segment table from a coding and its stages.

    Everything a row repeats (the code's names and path, the case's attributes, the
    document's sentences) is worked out once and reused.
    """

    def __init__(self, dataset: Dataset, context: Context | None = None) -> None:
        self.dataset, self.context = dataset, context
        self.depth, self.keys = path_depth(dataset), attribute_keys(dataset)
        self.codes: dict[str, tuple[Any, ...]] = {}
        self.cases: dict[str, tuple[str, ...]] = {}
        self.sentences: tuple[str, str, list[int], list[int], Sequence[tuple[int, int]]] | None = None

    def __call__(self, row: dict[str, Any], stages: list[str]) -> tuple[Any, ...]:
        doc = self.dataset.documents[row["document"]]
        index = doc.turn_index(row["start"])
        turn = doc.turns[index] if index is not None else None
        name, category, path, levels = self._code(row["code_id"])
        cells = (
            row["coding_id"], row["document"], row["case"] or "",
            turn.speaker if turn else "", turn.role if turn else "",
            index if index is not None else "", row["start"], row["end"], row["quote"],
            row["code_id"], name, category, path, "; ".join(stages), row["coder"],
            row["origin"], row["status"], row["score"], row["memo"] or "", doc.text_sha256,
            *levels, *self._attributes(row["case"] or ""))
        if self.context is None:
            return cells
        return (*cells, *self._context(row))

    def _code(self, code_id: str) -> tuple[Any, ...]:
        if code_id not in self.codes:
            dataset = self.dataset
            code = dataset.code(code_id)
            category = dataset.code(code.category) if code is not None else None
            path = dataset.path(code_id)
            levels = tuple(path[level] if level < len(path) else "" for level in range(self.depth))
            self.codes[code_id] = (code.name if code else "", category.name if category else "",
                                   " > ".join(path), levels)
        return self.codes[code_id]

    def _attributes(self, case: str) -> tuple[str, ...]:
        if case not in self.cases:
            attributes = self.dataset.cases.get(case, {})
            self.cases[case] = tuple(attributes.get(key, "") for key in self.keys)
        return self.cases[case]

    def _context(self, row: dict[str, Any]) -> tuple[str, str]:
        """The sentence that ends before the coding starts and the one starting after it."""
        assert self.context is not None
        if self.sentences is None or self.sentences[0] != row["document"]:
            text, spans = self.context(row["document"])
            self.sentences = (row["document"], text, [start for start, _ in spans],
                              [end for _, end in spans], spans)
        _, text, starts, ends, spans = self.sentences
        before = bisect_right(ends, row["start"]) - 1
        after = bisect_left(starts, row["end"])
        previous = text[spans[before][0] : spans[before][1]] if before >= 0 else ""
        following = text[spans[after][0] : spans[after][1]] if after < len(spans) else ""
        return previous, following


def segment_filter(dataset: Dataset, *, codes: Sequence[str] = (), stages: Sequence[str] = (),
                   attributes: Mapping[str, Sequence[str]] | None = None,
                   ) -> Callable[[dict[str, Any], list[str]], bool] | None:
    """The test :func:`filter_segments` applies, on a coding and its stages (None: keep all).

    Documents are left out: a stream selects them when it reads the codings.
    """
    if not codes and not stages and not attributes:
        return None
    prefixes, wanted = tuple(codes), set(stages)
    known = set(attribute_keys(dataset))
    allowed = {key: set(values) for key, values in (attributes or {}).items()}

    def keep(row: dict[str, Any], found: list[str]) -> bool:
        if prefixes and not row["code_id"].startswith(prefixes):
            return False
        if wanted and not wanted.intersection(found):
            return False
        case = dataset.cases.get(row["case"] or "", {})
        return all(key in known and case.get(key, "") in values for key, values in allowed.items())

    return keep


def filter_segments(
    frame: pd.DataFrame,
    *,
    codes: Sequence[str] = (),
    stages: Sequence[str] = (),
    documents: Sequence[str] = (),
    attributes: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Rows of a segment table that pass every filter given (an empty filter passes all).

    ``codes`` are prefixes of code ids; ``stages`` stage ids (a coding passes when one of
    its stages is listed); ``documents`` document names; ``attributes`` maps a case
    attribute to the values allowed (values of one attribute are alternatives).
    """
    import pandas as pd

    keep = pd.Series(True, index=frame.index)
    if codes:
        keep &= frame["code"].map(lambda code: str(code).startswith(tuple(codes)))
    if stages:
        keep &= frame["stage"].map(lambda found: bool(set(stages) & set(str(found).split("; "))))
    if documents:
        keep &= frame["document"].isin(list(documents))
    for key, values in (attributes or {}).items():
        column = ATTRIBUTE_PREFIX + key
        keep &= frame[column].isin(list(values)) if column in frame.columns else False
    result: pd.DataFrame = frame[keep].reset_index(drop=True)
    return result


# -- summaries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grouping:
    """Columns of a summary: their keys in order, a label for each, and the keys of each coding."""

    keys: list[str]
    labels: dict[str, str]
    of_coding: dict[int, list[str]]


def grouping(dataset: Dataset, by: str) -> Grouping:
    """Group codings by ``stage``, ``case``, ``coder`` or ``attribute:NAME``."""
    rows = dataset.codings
    if by == "stage":
        stages = coding_stages(dataset)
        keys = [*dataset.stage_ids(), UNSTAGED]
        labels = {key: _code_name(dataset, key) for key in keys}
        return Grouping(keys, labels, {row["coding_id"]: stages[row["coding_id"]] for row in rows})
    if by == "case":
        keys = sorted({coding_case(dataset, name) for name in dataset.documents}, key=_case_key)
        of = {row["coding_id"]: [coding_case(dataset, row["document"])] for row in rows}
        return Grouping(keys, {key: key for key in keys}, of)
    if by == "coder":
        keys = sorted({row["coder"] for row in rows}, key=_case_key)
        return Grouping(keys, {key: key for key in keys}, {r["coding_id"]: [r["coder"]] for r in rows})
    if by.startswith("attribute:") and by[len("attribute:"):]:
        return _attribute_grouping(dataset, by[len("attribute:"):])
    msg = f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}"
    raise ExportError(msg)


def _attribute_grouping(dataset: Dataset, name: str) -> Grouping:
    if name not in attribute_keys(dataset):
        known = ", ".join(attribute_keys(dataset)) or "none"
        msg = f"no case has the attribute {name!r}"
        raise ExportError(msg, hint=f"attributes: {known}")

    def value(document: str) -> str:
        return dataset.cases.get(coding_case(dataset, document), {}).get(name) or NO_VALUE

    found = {value(document) for document in dataset.documents}
    keys = sorted(found - {NO_VALUE}, key=_case_key) + ([NO_VALUE] if NO_VALUE in found else [])
    of = {row["coding_id"]: [value(row["document"])] for row in dataset.codings}
    return Grouping(keys, {key: key for key in keys}, of)


def _code_name(dataset: Dataset, code_id: str) -> str:
    code = dataset.code(code_id)
    return code.name if code is not None else code_id


def _codes(dataset: Dataset) -> list[Any]:
    return [code for code in dataset.codebook.codes if code.kind == "code"]


def _count(rows: Iterable[dict[str, Any]], count: str, dataset: Dataset) -> int:
    if count == "segments":
        return sum(1 for _ in rows)
    if count == "cases":
        return len({coding_case(dataset, row["document"]) for row in rows})
    return sum(len(row["quote"].split()) for row in rows)


def frequencies(dataset: Dataset, *, by: str = "stage", count: str = "segments") -> pd.DataFrame:
    """Per code (codebook order): the ``count`` of its codings in each group, and in total.

    ``count`` is ``segments`` (codings), ``cases`` (distinct cases) or ``words`` (words
    in the quotes). The total counts every coding of the code once, so with ``--by
    stage`` it can be less than the sum of its stage columns.
    """
    if count not in COUNTS:
        msg = f"unknown count {count!r}; use one of {', '.join(COUNTS)}"
        raise ExportError(msg)
    groups = grouping(dataset, by)
    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dataset.codings:
        by_code[row["code_id"]].append(row)
        for key in groups.of_coding[row["coding_id"]]:
            cells[(row["code_id"], key)].append(row)
    records = []
    for code in _codes(dataset):
        record: list[Any] = [code.id, code.name, _code_name(dataset, code.category)]
        record += [_count(cells[(code.id, key)], count, dataset) for key in groups.keys]
        records.append([*record, _count(by_code[code.id], count, dataset)])
    labels = _unique([groups.labels[key] for key in groups.keys], {"code", "name", "category", "total"})
    return _frame(records, ["code", "name", "category", *labels, "total"])


def code_matrix(dataset: Dataset, *, cols: str = "case", binary: bool = False) -> pd.DataFrame:
    """Codes (rows) by case, stage or ``attribute:NAME`` (columns): codings, or 1/0 presence."""
    table: pd.DataFrame = frequencies(dataset, by=cols, count="segments").drop(
        columns=["category", "total"])
    if binary:
        numbers = table.columns[2:]
        table[numbers] = (table[numbers] > 0).astype(int)
    return table


def stage_summary(dataset: Dataset) -> pd.DataFrame:
    """Codings per lifecycle stage (rows), one column per category (stages excepted)."""
    groups = grouping(dataset, "stage")
    categories = [c for c in dataset.codebook.codes if c.kind == "category" and not c.stages]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for row in dataset.codings:
        code = dataset.code(row["code_id"])
        for key in groups.of_coding[row["coding_id"]]:
            cells[(key, code.category if code is not None else "")] += 1
    records = [[groups.labels[key], *(cells[(key, c.id)] for c in categories)]
               for key in groups.keys]
    return _frame(records, ["stage", *_unique([c.name for c in categories], {"stage"})])


def cooccurrence(dataset: Dataset, *, scope: str = "segment") -> pd.DataFrame:
    """How often two codes meet, for the codes in use (codebook order).

    ``segment``: the number of pairs of overlapping codings of the two codes (the
    diagonal counts a code's codings); ``turn`` and ``document``: the number of turns or
    documents where both codes occur (the diagonal counts those with the code).
    """
    if scope not in SCOPES:
        msg = f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}"
        raise ExportError(msg)
    pairs = _overlapping_pairs(dataset) if scope == "segment" else _shared_units(dataset, scope)
    used = {row["code_id"] for row in dataset.codings}
    codes = [code for code in _codes(dataset) if code.id in used]
    records = [[a.id, a.name, *(pairs.get((a.id, b.id), 0) for b in codes)] for a in codes]
    return _frame(records, ["code", "name", *(code.id for code in codes)])


def _overlapping_pairs(dataset: Dataset) -> dict[tuple[str, str], int]:
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    by_document: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dataset.codings:
        by_document[row["document"]].append(row)
        pairs[(row["code_id"], row["code_id"])] += 1
    for rows in by_document.values():
        rows.sort(key=lambda r: (r["start"], r["end"]))
        for i, first in enumerate(rows):
            for second in rows[i + 1 :]:
                if second["start"] >= first["end"]:
                    break
                if first["code_id"] != second["code_id"]:
                    pairs[(first["code_id"], second["code_id"])] += 1
                    pairs[(second["code_id"], first["code_id"])] += 1
    return pairs


def _shared_units(dataset: Dataset, scope: str) -> dict[tuple[str, str], int]:
    units: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    for row in dataset.codings:
        turn = dataset.documents[row["document"]].turn_index(row["start"]) if scope == "turn" else 0
        units[(row["document"], turn)].add(row["code_id"])
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for codes in units.values():
        for code in codes:
            pairs[(code, code)] += 1
        for a, b in combinations(sorted(codes), 2):
            pairs[(a, b)] += 1
            pairs[(b, a)] += 1
    return pairs


def _unique(labels: list[str], taken: set[str]) -> list[str]:
    """Column labels made unique (a case named ``total`` must not hide the total)."""
    result = []
    for label in labels:
        name, number = label, 1
        while name in taken:
            number += 1
            name = f"{label} ({number})"
        taken.add(name)
        result.append(name)
    return result


def _frame(records: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(records, columns=columns)
    return frame

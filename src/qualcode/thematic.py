"""The thematic tables of a study, built as pandas frames from a :class:`Dataset`.

Conventions shared by every builder:

* Rows of codes follow the codebook file order, never the alphabet.
* Cases follow their names compared without regard to letter case (``casefold``), so a
  table lists them in the same order however the project was filled. Case-level tables
  (case columns, ``cases`` lists) use the cases that have at least one document.
* A coding belongs to the case of its document (the document's own name when it has no
  case). ``n_segments`` counts codings, ``n_cases`` counts distinct cases.
* Builders never fail on a codebook without some category: the table comes out empty,
  with its columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qualcode.dataset import UNSTAGED, Dataset, coding_stages
from qualcode.models import Code

if TYPE_CHECKING:
    import pandas as pd

TICK = "✓"
MOTIVATION_CATEGORY = "motivation"
ORGMODEL_CATEGORY = "orgmodel"
DOMAIN_CATEGORY = "domain"
ORGMODEL_ATTRIBUTE = "orgmodel"
CASE_ATTRIBUTES = ("organisation", "llm", "organisation_type", "region", "country", "licence")
NO_MODEL = "(no model)"
EXAMPLE_WORDS = 25

SAMPLE_COLUMNS = ["case", *CASE_ATTRIBUTES, "orgmodel", "interviews", "participants"]
BOARD_COLUMNS = ["stage", "kind", "code", "name", "cases", "n_cases", "n_segments", "example",
                 "example_case"]
ORGMODEL_COLUMNS = ["code", "name", "definition", "cases", "n_cases", "coded_in"]
FREQUENCY_COLUMNS = ["code", "name", "category", "stage", "n_segments", "n_cases",
                     "share_of_cases"]

TITLES = {
    "01-sample": "Sample: cases, organisations and interviews",
    "02-stage-boards": "Challenges and on-ramps by lifecycle stage",
    "03-motivations": "Motivations by case",
    "03b-motivations-by-orgmodel": "Motivations by organisational model (number of cases)",
    "04-orgmodels": "Organisational models",
    "05-domain-stage": "Artefact domains across the lifecycle stages",
    "06-stage-frequencies": "Codes by lifecycle stage",
}


# -- shared helpers -----------------------------------------------------------------------

def _case_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _sorted_cases(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=_case_key)


def _document_case(ds: Dataset, document: str) -> str:
    info = ds.documents.get(document)
    return (info.case if info is not None else None) or document


def _coding_case(ds: Dataset, row: dict[str, Any]) -> str:
    return _document_case(ds, row["document"])


def case_order(ds: Dataset) -> list[str]:
    """Names of the cases with at least one document, in table order."""
    return _sorted_cases(_document_case(ds, name) for name in ds.documents)


def _codes(ds: Dataset, category: str) -> list[Code]:
    return [c for c in ds.codebook.codes if c.kind == "code" and c.category == category]


def _codings_by_code(ds: Dataset) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ds.codings:
        found[row["code_id"]].append(row)
    return found


def _cases_by_code(ds: Dataset) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for row in ds.codings:
        found[row["code_id"]].add(_coding_case(ds, row))
    return found


def _stage_name(ds: Dataset, stage: str) -> str:
    code = ds.code(stage)
    return code.name if code is not None else stage


def _label(group: str) -> str:
    text = (group or "other").replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def _frame(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
    return frame


# -- 1. sample ----------------------------------------------------------------------------

def resolve_orgmodel(ds: Dataset, value: str) -> Code | None:
    """The orgmodel code a case attribute names, by id or by name (any letter case)."""
    for code in _codes(ds, ORGMODEL_CATEGORY):
        if value == code.id or value.casefold() == code.name.casefold():
            return code
    return None


def _orgmodel_label(ds: Dataset, value: str) -> str:
    code = resolve_orgmodel(ds, value)
    return code.name if code is not None else value


def sample_overview(ds: Dataset) -> pd.DataFrame:
    """One row per case: its attributes, number of interviews and of participants.

    Columns: case, organisation, llm, organisation_type, region, country, licence,
    orgmodel (the code's name when the attribute names an orgmodel code), interviews
    (documents) and participants (distinct speaker labels with the participant role over
    the case's documents). Cases without documents are left out, like everywhere.
    """
    interviews: dict[str, int] = defaultdict(int)
    speakers: dict[str, set[str]] = defaultdict(set)
    for name, info in ds.documents.items():
        case = _document_case(ds, name)
        interviews[case] += 1
        speakers[case].update(t.speaker for t in info.turns if t.role == "participant")
    rows = []
    for case in case_order(ds):
        attributes = ds.cases.get(case, {})
        model = attributes.get(ORGMODEL_ATTRIBUTE, "")
        rows.append([case, *(attributes.get(key, "") for key in CASE_ATTRIBUTES),
                     _orgmodel_label(ds, model) if model else "",
                     interviews[case], len(speakers[case])])
    return _frame(rows, SAMPLE_COLUMNS)


# -- 2. stage boards ----------------------------------------------------------------------

def shorten(quote: str, words: int = EXAMPLE_WORDS) -> str:
    """``quote`` on one line, cut after ``words`` words with an ellipsis."""
    parts = quote.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:—–-") + "…"


def choose_example(ds: Dataset, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The coding whose quote illustrates a code best, chosen deterministically.

    Human codings first, then quotes of 8 to 30 words, then the shortest; ties go to
    the first case, document and position.
    """
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        n_words = len(row["quote"].split())
        return (row["origin"] != "human", not 8 <= n_words <= 30, n_words, len(row["quote"]),
                _case_key(_coding_case(ds, row)), row["document"], row["start"], row["coding_id"])

    return min(rows, key=key) if rows else None


def board_codes(ds: Dataset, stage: str) -> list[Code]:
    """Codes fixed to ``stage`` outside the stage categories, in codebook order."""
    stage_categories = {c.id for c in ds.codebook.codes if c.kind == "category" and c.stages}
    return [c for c in ds.codebook.codes
            if c.kind == "code" and c.stage == stage and c.category not in stage_categories]


def stage_boards(ds: Dataset) -> pd.DataFrame:
    """The challenge and on-ramp boards: every code fixed to a stage, stage by stage.

    Columns: stage (name), kind (category name), code, name, cases (joined with ", "),
    n_cases, n_segments, example (a short quote, see :func:`choose_example`) and
    example_case. Codes without codings are listed with zeros: a board shows the taxonomy.
    """
    codings = _codings_by_code(ds)
    rows = []
    for stage in ds.stage_ids():
        for code in board_codes(ds, stage):
            found = codings.get(code.id, [])
            cases = _sorted_cases(_coding_case(ds, row) for row in found)
            example = choose_example(ds, found)
            category = ds.code(code.category)
            rows.append([
                _stage_name(ds, stage), category.name if category else code.category, code.id,
                code.name, ", ".join(cases), len(cases), len(found),
                shorten(example["quote"]) if example else "",
                _coding_case(ds, example) if example else "",
            ])
    return _frame(rows, BOARD_COLUMNS)


# -- 3. motivations -----------------------------------------------------------------------

def motivation_codes(ds: Dataset) -> list[Code]:
    """Codes of the ``motivation`` category, or else of the first category whose codes all
    carry a ``group`` (the motivation family)."""
    found = _codes(ds, MOTIVATION_CATEGORY)
    if found:
        return found
    for category in (c for c in ds.codebook.codes if c.kind == "category"):
        codes = _codes(ds, category.id)
        if codes and all(c.group for c in codes):
            return codes
    return []


def _families(codes: list[Code]) -> list[tuple[str, list[Code]]]:
    families: dict[str, list[Code]] = {}
    for code in codes:
        families.setdefault(code.group or "", []).append(code)
    return list(families.items())


def _family_rows(
    ds: Dataset, by_code: dict[str, set[str]], cells: Callable[[set[str]], list[Any]]
) -> list[list[Any]]:
    """A row per motivation code, and after each family a subtotal row over its cases."""
    rows: list[list[Any]] = []
    for group, codes in _families(motivation_codes(ds)):
        family = _label(group)
        union: set[str] = set()
        for code in codes:
            coded = by_code.get(code.id, set())
            union |= coded
            rows.append([family, code.id, code.name, *cells(coded)])
        rows.append([family, "", f"{family} (any)", *cells(union)])
    return rows


def motivation_matrix(ds: Dataset) -> pd.DataFrame:
    """Motivation codes by family × cases: a tick where a case was coded with the code.

    Columns: family, code, name, one column per case (see :func:`case_order`), n_cases.
    Each family ends with a subtotal row (name ``"<Family> (any)"``, no code): the cases
    with at least one motivation of that family.
    """
    cases = case_order(ds)
    by_code = _cases_by_code(ds)
    rows = _family_rows(ds, by_code, lambda coded: [
        *(TICK if case in coded else "" for case in cases), len(coded)])
    return _frame(rows, ["family", "code", "name", *cases, "n_cases"])


def _case_models(ds: Dataset) -> tuple[list[str], dict[str, str]]:
    """Column labels of the organisational models and the label of each case."""
    labels: dict[str, str] = {}
    for case in case_order(ds):
        value = ds.cases.get(case, {}).get(ORGMODEL_ATTRIBUTE, "")
        labels[case] = _orgmodel_label(ds, value) if value else NO_MODEL
    used = set(labels.values())
    known = [c.name for c in _codes(ds, ORGMODEL_CATEGORY) if c.name in used]
    others = sorted(used - set(known) - {NO_MODEL}, key=_case_key)
    return [*known, *others, *([NO_MODEL] if NO_MODEL in used else [])], labels


def motivation_by_orgmodel(ds: Dataset) -> pd.DataFrame:
    """Motivation codes × organisational models: how many cases of each model have the code.

    Columns: family, code, name, then one column per model that has cases (named by the
    orgmodel code's name, in codebook order; unknown attribute values and cases without
    the attribute, ``(no model)``, come last). Rows as in :func:`motivation_matrix`, with a
    last row ``Number of cases`` giving each model's number of cases.
    """
    models, label = _case_models(ds)
    by_code = _cases_by_code(ds)

    def counts(coded: set[str]) -> list[int]:
        return [sum(1 for case in coded if label.get(case) == model) for model in models]

    rows = _family_rows(ds, by_code, counts)
    if rows:
        rows.append(["", "", "Number of cases", *counts(set(label))])
    return _frame(rows, ["family", "code", "name", *models])


# -- 4. organisational models -------------------------------------------------------------

def orgmodel_table(ds: Dataset) -> pd.DataFrame:
    """Each orgmodel code with the cases assigned to it and the cases coded with it.

    Columns: code, name, definition, cases (by the case attribute ``orgmodel``, given as
    code id or name), n_cases, coded_in (cases with a coding of the code in their
    interviews). Attribute values that name no orgmodel code get a row of their own
    (no code, definition ``(not a code of the codebook)``) so typing errors show.
    """
    _, label = _case_models(ds)
    by_code = _cases_by_code(ds)
    rows = []
    for code in _codes(ds, ORGMODEL_CATEGORY):
        assigned = [case for case, model in label.items() if model == code.name]
        rows.append([code.id, code.name, " ".join(code.definition.split()), ", ".join(assigned),
                     len(assigned), ", ".join(_sorted_cases(by_code.get(code.id, set())))])
    names = {c.name for c in _codes(ds, ORGMODEL_CATEGORY)} | {NO_MODEL}
    for model in sorted(set(label.values()) - names, key=_case_key):
        assigned = [case for case, value in label.items() if value == model]
        rows.append(["", model, "(not a code of the codebook)", ", ".join(assigned),
                     len(assigned), ""])
    return _frame(rows, ORGMODEL_COLUMNS)


# -- 5. domains × stages ------------------------------------------------------------------

def domain_stage_table(ds: Dataset) -> pd.DataFrame:
    """Artefact domain codes × lifecycle stages.

    Columns: code, name, then for each stage ``"<stage name>: cases"`` and
    ``"<stage name>: segments"`` (``unstaged`` only when a domain coding has no stage),
    then n_cases and n_segments over all stages. A coding with two stages counts in both.
    """
    stages_of = coding_stages(ds)
    domain = _codes(ds, DOMAIN_CATEGORY)
    ids = {c.id for c in domain}
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    segments: dict[tuple[str, str], int] = defaultdict(int)
    for row in ds.codings:
        if row["code_id"] in ids:
            for stage in stages_of[row["coding_id"]]:
                cases[(row["code_id"], stage)].add(_coding_case(ds, row))
                segments[(row["code_id"], stage)] += 1
    stages = ds.stage_ids()
    if any(stage == UNSTAGED for _, stage in segments):
        stages.append(UNSTAGED)
    columns = ["code", "name"]
    for stage in stages:
        columns += [f"{_stage_name(ds, stage)}: cases", f"{_stage_name(ds, stage)}: segments"]
    codings = _codings_by_code(ds)
    rows = []
    for code in domain:
        cells: list[Any] = [code.id, code.name]
        for stage in stages:
            cells += [len(cases[(code.id, stage)]), segments[(code.id, stage)]]
        found = codings.get(code.id, [])
        rows.append([*cells, len({_coding_case(ds, r) for r in found}), len(found)])
    return _frame(rows, [*columns, "n_cases", "n_segments"])


# -- 6. stage frequencies -----------------------------------------------------------------

def stage_frequencies(ds: Dataset) -> pd.DataFrame:
    """Every code (not categories) × each stage its codings fall in.

    Columns: code, name, category (name), stage (name, or ``unstaged``), n_segments,
    n_cases, share_of_cases (n_cases over the cases with a document, two decimals).
    Stages follow the codebook, ``unstaged`` last. A code without codings appears once,
    with an empty stage and zeros, so the table covers the whole codebook.
    """
    stages_of = coding_stages(ds)
    order = {stage: i for i, stage in enumerate([*ds.stage_ids(), UNSTAGED])}
    total = len(case_order(ds))
    codings = _codings_by_code(ds)
    rows: list[list[Any]] = []
    for code in (c for c in ds.codebook.codes if c.kind == "code"):
        category = ds.code(code.category)
        head = [code.id, code.name, category.name if category else code.category]
        by_stage: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in codings.get(code.id, []):
            for stage in stages_of[row["coding_id"]]:
                by_stage[stage].append(row)
        if not by_stage:
            rows.append([*head, "", 0, 0, 0.0])
        for stage in sorted(by_stage, key=lambda s: order.get(s, len(order))):
            n_cases = len({_coding_case(ds, r) for r in by_stage[stage]})
            share = round(n_cases / total, 2) if total else 0.0
            rows.append([*head, _stage_name(ds, stage), len(by_stage[stage]), n_cases, share])
    return _frame(rows, FREQUENCY_COLUMNS)


# -- all tables ---------------------------------------------------------------------------

def without_provenance(ds: Dataset, provenance: str = "extra") -> Dataset:
    """``ds`` without the codes of one provenance and their codings.

    With the default codebook, dropping ``extra`` codes gives the study's own taxonomy.
    """
    dropped = {c.id for c in ds.codebook.codes if c.provenance == provenance}
    codes = tuple(c for c in ds.codebook.codes if c.id not in dropped)
    return replace(ds, codebook=replace(ds.codebook, codes=codes),
                   codings=[row for row in ds.codings if row["code_id"] not in dropped])


def thematic_tables(ds: Dataset) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every thematic table by stable key (file name stem), in order, with its title."""
    builders = (sample_overview, stage_boards, motivation_matrix, motivation_by_orgmodel,
                orgmodel_table, domain_stage_table, stage_frequencies)
    return {key: (title, build(ds))
            for (key, title), build in zip(TITLES.items(), builders, strict=True)}

"""Codebook loading, validation messages, the shipped codebooks and the YAML round trip."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import pytest

from qualcode.codebook import (
    codebook_tree,
    dump_codebook,
    load_codebook,
    parse_codebook,
    stage_ids,
    validate_codebook,
)
from qualcode.errors import CodebookError, ExitCode, InputError
from qualcode.models import Code, Codebook

DATA = Path(__file__).parent / "data" / "codebooks"
REPO = Path(__file__).parents[1]
CODEBOOKS = REPO / "codebooks"
DEFAULT = CODEBOOKS / "open-llm-collaboration.yaml"
SPEC = Path(__file__).parents[2] / "shared" / "codebook-spec.md"

# The contract of the default codebook, so the check runs without ../shared.
SPEC_IDS = [
    "stage.pre", "stage.post", "stage.release",
    "challenge.pre.secrecy", "challenge.pre.lock-in", "challenge.pre.expertise",
    "challenge.pre.data-work", "challenge.pre.data-value", "challenge.pre.copyright",
    "challenge.pre.pace", "challenge.pre.compute", "challenge.post.secrets",
    "challenge.post.iteration", "challenge.release.gated-licenses",
    "challenge.release.reusability", "challenge.release.firewalls",
    "challenge.release.sustaining",
    "onramp.pre.language-datasets", "onramp.pre.open-datasets",
    "onramp.pre.compute-partnerships", "onramp.pre.data-quality", "onramp.pre.frameworks",
    "onramp.post.trusted-partners", "onramp.post.datasets", "onramp.release.distribution",
    "onramp.release.derivatives", "onramp.release.follow-up", "onramp.release.feedback",
    "onramp.release.benchmarking", "onramp.release.regional-use", "onramp.release.other",
    "motivation.social.access", "motivation.social.open-science", "motivation.social.language",
    "motivation.social.public-interest", "motivation.social.community",
    "motivation.economic.ecosystem", "motivation.economic.adoption",
    "motivation.economic.shared-cost", "motivation.economic.reputation",
    "motivation.technological.feedback", "motivation.technological.gaps",
    "motivation.technological.data-quality", "motivation.technological.tooling",
    "orgmodel.single-company", "orgmodel.single-institute", "orgmodel.multi-institute",
    "orgmodel.nonprofit-grassroots", "orgmodel.company-grassroots", "orgmodel.multi-company",
    "domain.models", "domain.data", "domain.software", "domain.evaluation", "domain.compute",
    "domain.community",
]  # fmt: skip
CATEGORY_IDS = ["stage", "challenge", "onramp", "motivation", "orgmodel", "domain"]


@pytest.fixture
def in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run inside tests/data/codebooks so problems render as ``name.yaml:LINE: message``."""
    monkeypatch.chdir(DATA)


def problems(name: str) -> list[str]:
    return [str(problem) for problem in validate_codebook(Path(name))]


def without_positions(codebook: Codebook) -> Codebook:
    codes = tuple(replace(code, line=None) for code in codebook.codes)
    return replace(codebook, codes=codes, source=None, sha256="")


# --- a valid codebook ----------------------------------------------------------------------


def test_valid_codebook_loads_every_field() -> None:
    path = DATA / "valid.yaml"
    book = load_codebook(path)
    assert (book.name, book.version) == ("Valid test codebook", "2.1")
    assert book.description == "Folded text on two lines."
    assert book.source == str(path)
    assert book.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert book.ids() == [
        "stage", "stage.pre", "stage.release", "challenge", "challenge.secrecy",
        "challenge.secrecy.recipes", "challenge.secrecy.recipes.data", "challenge.gates",
        "domain", "domain.data",
    ]  # fmt: skip
    assert book.get("stage") == Code(
        id="stage", name="Stage", kind="category", category="stage", definition="The stages.",
        stages=True, line=7,
    )  # fmt: skip
    assert book.get("challenge.secrecy") == Code(
        id="challenge.secrecy", name="Secrecy", kind="code", category="challenge",
        parent="challenge", definition="Keeping training methods secret.",
        include="Data mixes.", exclude="Anything after release.",
        examples=("They keep it secret.", "Nobody tells."),
        cues=("trade secret", "secret sauce"),
        patterns=([{"LEMMA": {"IN": ["keep", "guard"]}}, {"OP": "?"},
                   {"LOWER": {"IN": ["secret", "private"]}}],),
        stage="stage.pre", colour="#C44E52", provenance="seen", group="closed", line=20,
    )  # fmt: skip


def test_patterns_are_plain_json_values() -> None:
    pattern = load_codebook(DATA / "valid.yaml").get("challenge.secrecy").patterns[0]  # type: ignore[union-attr]
    assert type(pattern) is list
    assert all(type(token) is dict for token in pattern)
    assert type(pattern[0]["LEMMA"]["IN"]) is list
    assert type(pattern[1]["OP"]) is str


def test_parents_default_to_the_category_and_stages_are_inherited() -> None:
    book = load_codebook(DATA / "valid.yaml")
    found = {c.id: (c.parent, c.stage) for c in book.codes if c.kind == "code"}
    assert found == {
        "stage.pre": ("stage", None),
        "stage.release": ("stage", None),
        "challenge.secrecy": ("challenge", "stage.pre"),
        "challenge.secrecy.recipes": ("challenge.secrecy", "stage.pre"),
        "challenge.secrecy.recipes.data": ("challenge.secrecy.recipes", "stage.pre"),
        "challenge.gates": ("challenge", "stage.release"),
        "domain.data": ("domain", None),
    }
    assert stage_ids(book) == ["stage.pre", "stage.release"]
    assert book.path("challenge.secrecy.recipes.data") == (
        "Challenge", "Secrecy", "Recipes", "Data recipes",
    )  # fmt: skip


def test_codebook_tree_puts_children_under_their_parent() -> None:
    book = load_codebook(DATA / "valid.yaml")
    rows = [(depth, code.id) for depth, code in codebook_tree(book)]
    assert rows == [
        (0, "stage"), (1, "stage.pre"), (1, "stage.release"),
        (0, "challenge"), (1, "challenge.secrecy"), (2, "challenge.secrecy.recipes"),
        (3, "challenge.secrecy.recipes.data"), (1, "challenge.gates"),
        (0, "domain"), (1, "domain.data"),
    ]  # fmt: skip


def test_tree_follows_parents_defined_later_in_the_file() -> None:
    text = (
        "name: n\nversion: '1'\ncategories:\n  - id: c\n    name: C\n    codes:\n"
        "      - {id: c.child, name: Child, parent: c.parent}\n"
        "      - {id: c.other, name: Other}\n"
        "      - {id: c.parent, name: Parent}\n"
    )
    rows = [(depth, code.id) for depth, code in codebook_tree(parse_codebook(text))]
    assert rows == [(0, "c"), (1, "c.other"), (1, "c.parent"), (2, "c.child")]


def test_bom_and_crlf_are_accepted() -> None:
    book = load_codebook(DATA / "bom-crlf.yaml")
    assert book.name == "BOM and CRLF"
    code = book.get("topic.a")
    assert code is not None
    assert (code.name, code.cues, code.line) == ("Café", ("naïve",), 7)


def test_parse_codebook_names_its_source() -> None:
    book = parse_codebook("name: n\nversion: '1'\ncategories: [{id: c, name: C}]\n")
    assert (book.source, book.ids()) == ("<string>", ["c"])
    with pytest.raises(CodebookError) as caught:
        parse_codebook("name: n\ncategories: [{id: c, name: C}]\n", source="inline")
    assert caught.value.lines() == ["inline:1: the codebook has no 'version'"]


# --- problems, all at once -----------------------------------------------------------------


@pytest.mark.usefixtures("in_data")
def test_many_problems_are_reported_together() -> None:
    assert problems("many-problems.yaml") == [
        (
            "many-problems.yaml:2: 'version' of the codebook must be a string, not a number "
            "(put it in quotes)"
        ),
        (
            "many-problems.yaml:3: unknown field 'descripton' in the codebook "
            "(did you mean 'description'?)"
        ),
        "many-problems.yaml:19: cue 3 of code 'topic.secrecy' is empty",
        "many-problems.yaml:19: cue 4 of code 'topic.secrecy' must be a string, not a number",
        "many-problems.yaml:19: duplicate cue 'Secret' in code 'topic.secrecy' (same as cue 1)",
        "many-problems.yaml:20: colour 'red' of code 'topic.secrecy' is not of the form #RRGGBB",
        (
            "many-problems.yaml:22: pattern 1 of code 'topic.secrecy': "
            "token 2 LOWERR: Extra inputs are not permitted"
        ),
        "many-problems.yaml:24: 'name' of code 'topic.one' is empty",
        "many-problems.yaml:25: parent cycle: topic.one -> topic.two -> topic.one",
        (
            "many-problems.yaml:26: provenance 'rumour' of code 'topic.one' must be one of: "
            "seen, 3p, inferred, extra"
        ),
        "many-problems.yaml:31: duplicate key 'definition' (first on line 30)",
        (
            "many-problems.yaml:32: id 'topic secrecy' may only contain letters, digits, "
            "'_', '.' and '-'"
        ),
        (
            "many-problems.yaml:34: parent 'stage.pre' of code 'topic secrecy' is in category "
            "'stage'; a parent must be in the same category ('topic')"
        ),
        (
            "many-problems.yaml:35: stage 'topic.two' of code 'topic secrecy' is not a stage code "
            "(stage.pre, stage.post)"
        ),
        "many-problems.yaml:36: duplicate id 'topic.secrecy' (first defined on line 16)",
        "many-problems.yaml:38: 'examples' of code 'topic.secrecy' must be a list, not a string",
        "many-problems.yaml:39: code 6 of category 'topic' has no 'id'",
        (
            "many-problems.yaml:40: parent 'topic.nowhere' of code 6 of category 'topic' "
            "is not defined (did you mean 'topic.one'?)"
        ),
    ]


@pytest.mark.usefixtures("in_data")
def test_load_raises_codebook_error_with_every_problem() -> None:
    with pytest.raises(CodebookError) as caught:
        load_codebook(Path("many-problems.yaml"))
    error = caught.value
    assert error.exit_code == ExitCode.INVALID
    assert error.path == "many-problems.yaml"
    assert error.lines() == problems("many-problems.yaml")
    assert str(error) == (
        "many-problems.yaml:2: 'version' of the codebook must be a string, not a number "
        "(put it in quotes) (and 17 more problems)"
    )


# --- each check alone ----------------------------------------------------------------------

CASES = {
    "unknown-field.yaml": [
        "unknown-field.yaml:6: unknown field 'code' in category 'topic' (did you mean 'codes'?)",
    ],
    "unknown-code-field.yaml": [
        (
            "unknown-code-field.yaml:9: unknown field 'defintion' in code 'topic.a' "
            "(did you mean 'definition'?)"
        ),
        (
            "unknown-code-field.yaml:10: unknown field 'weight' in code 'topic.a' (expected one of: "
            "id, name, definition, include, exclude, examples, cues, patterns, stage, parent, "
            "group, colour, provenance)"
        ),
    ],
    "missing-id.yaml": [
        "missing-id.yaml:7: code 1 of category 'topic' has no 'id'",
        "missing-id.yaml:8: 'id' of code 2 of category 'topic' is empty",
    ],
    "bad-id.yaml": [
        "bad-id.yaml:7: id 'topic/a b' may only contain letters, digits, '_', '.' and '-'",
    ],
    "duplicate-id.yaml": [
        "duplicate-id.yaml:7: duplicate id 'topic' (first defined on line 4)",
        "duplicate-id.yaml:11: duplicate id 'topic.a' (first defined on line 9)",
    ],
    "unknown-parent.yaml": [
        (
            "unknown-parent.yaml:11: parent 'topic.secrcy' of code 'topic.recipes' is not defined "
            "(did you mean 'topic.secrecy'?)"
        ),
    ],
    "parent-other-category.yaml": [
        (
            "parent-other-category.yaml:14: parent 'topic.a' of code 'other.b' is in category "
            "'topic'; a parent must be in the same category ('other')"
        ),
        (
            "parent-other-category.yaml:17: parent 'topic' of code 'other.c' is in category "
            "'topic'; a parent must be in the same category ('other')"
        ),
    ],
    "cycle.yaml": [
        "cycle.yaml:9: parent cycle: topic.a -> topic.c -> topic.b -> topic.a",
        "cycle.yaml:18: parent cycle: topic.self -> topic.self",
    ],
    "bad-stage.yaml": [
        "bad-stage.yaml:10: code 'stage.pre' is a stage itself and cannot name a 'stage'",
        "bad-stage.yaml:16: stage 'topic.b' of code 'topic.a' is not a stage code (stage.pre)",
        ("bad-stage.yaml:19: stage 'stage.post' of code 'topic.b' is not a stage code (stage.pre)"),
    ],
    "no-stage-category.yaml": [
        (
            "no-stage-category.yaml:6: 'stages' of category 'topic' must be true or false, "
            "not a string"
        ),
        (
            "no-stage-category.yaml:12: stage 'topic.a' of code 'topic.b' is not a stage code "
            "(none: no category has 'stages: true')"
        ),
    ],
    "bad-cues.yaml": [
        "bad-cues.yaml:11: cue 2 of code 'topic.a' must be a string, not a number",
        "bad-cues.yaml:12: cue 3 of code 'topic.a' is empty",
        "bad-cues.yaml:13: duplicate cue 'Trade  Secret' in code 'topic.a' (same as cue 1)",
        "bad-cues.yaml:14: cue 5 of code 'topic.a' must be a string, not a list",
        "bad-cues.yaml:17: 'cues' of code 'topic.b' must be a list, not a string",
    ],
    "bad-patterns.yaml": [
        (
            "bad-patterns.yaml:10: pattern 1 of code 'topic.a': token 2 OP: "
            "Input should be '+', '*', '?' or '!'"
        ),
        (
            "bad-patterns.yaml:11: pattern 2 of code 'topic.a': "
            "a token pattern must be a non-empty list of token attribute mappings"
        ),
        (
            "bad-patterns.yaml:12: pattern 3 of code 'topic.a': "
            "a token pattern must be a non-empty list of token attribute mappings"
        ),
        (
            "bad-patterns.yaml:13: pattern 4 of code 'topic.a': "
            "each token of a pattern must be a mapping such as {LOWER: data}"
        ),
        (
            "bad-patterns.yaml:14: pattern 5 of code 'topic.a': "
            "invalid REGEX: missing ), unterminated subpattern at position 0"
        ),
    ],
    "bad-colour.yaml": [
        "bad-colour.yaml:9: colour '#12345' of code 'topic.a' is not of the form #RRGGBB",
        (
            "bad-colour.yaml:12: 'colour' of code 'topic.b' is empty (quote it, e.g. "
            'colour: "#4C72B0"; an unquoted # starts a comment)'
        ),
    ],
    "wrong-types.yaml": [
        "wrong-types.yaml:1: 'name' of the codebook must be a string, not a list",
        (
            "wrong-types.yaml:2: 'version' of the codebook must be a string, not a number "
            "(put it in quotes)"
        ),
        (
            "wrong-types.yaml:3: 'description' of the codebook must be a string, not a number "
            "(put it in quotes)"
        ),
        "wrong-types.yaml:10: 'definition' of code 'topic.a' must be a string, not a mapping",
        (
            "wrong-types.yaml:11: 'include' of code 'topic.a' must be a string, not true/false "
            "(put it in quotes)"
        ),
        "wrong-types.yaml:12: 'examples' of code 'topic.a' must be a list, not a string",
        "wrong-types.yaml:13: 'patterns' of code 'topic.a' must be a list, not a mapping",
        (
            "wrong-types.yaml:14: 'group' of code 'topic.a' must be a string, not a number "
            "(put it in quotes)"
        ),
        (
            "wrong-types.yaml:15: provenance 'Seen' of code 'topic.a' must be one of: "
            "seen, 3p, inferred, extra"
        ),
        "wrong-types.yaml:16: category 2 must be a mapping, not a string",
        "wrong-types.yaml:19: 'codes' of category 'other' must be a list, not a string",
    ],
    "duplicate-keys.yaml": [
        "duplicate-keys.yaml:3: duplicate key 'name' (first on line 1)",
        "duplicate-keys.yaml:11: duplicate key 'cues' (first on line 10)",
        "duplicate-keys.yaml:13: duplicate key 'LOWER' (first on line 13)",
    ],
    "tabs.yaml": [
        "tabs.yaml:7: tab character used for indentation; use spaces",
        "tabs.yaml:8: tab character used for indentation; use spaces",
    ],
    "tab-separator.yaml": ["tab-separator.yaml:3: tab character where YAML expects spaces"],
    "syntax-error.yaml": [
        (
            "syntax-error.yaml:10: invalid YAML: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence started on line 9)"
        ),
    ],
    "not-a-mapping.yaml": ["not-a-mapping.yaml:1: the codebook must be a mapping, not a list"],
    "no-categories.yaml": ["no-categories.yaml:1: the codebook has no 'categories'"],
    "empty-categories.yaml": ["empty-categories.yaml:3: 'categories' of the codebook is empty"],
    "empty.yaml": ["empty.yaml:1: the codebook is empty; it needs name, version and categories"],
    "not-utf8.yaml": ["not-utf8.yaml:3: not UTF-8 text (byte 0xe9); save the codebook as UTF-8"],
}


@pytest.mark.usefixtures("in_data")
@pytest.mark.parametrize(("name", "expected"), CASES.items(), ids=list(CASES))
def test_each_problem_alone(name: str, expected: list[str]) -> None:
    assert problems(name) == expected
    with pytest.raises(CodebookError) as caught:
        load_codebook(Path(name))
    assert caught.value.lines() == expected


def test_duplicate_keys_keep_the_first_value_while_reported() -> None:
    text = "name: first\nversion: '1'\nname: second\ncategories: [{id: c, name: C}]\n"
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, source="dup.yaml")
    assert caught.value.lines() == ["dup.yaml:3: duplicate key 'name' (first on line 1)"]


def test_odd_yaml_values_are_reported_not_crashed_on() -> None:
    text = "? {a: 1}\n: x\nname: n\nversion: 2024-01-01\ncategories: [{id: c, name: !x C}]\n"
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text, source="odd.yaml")
    assert caught.value.lines() == ["odd.yaml:1: a key must be a plain word, not a list or mapping"]
    with pytest.raises(CodebookError) as caught:
        parse_codebook(text.split("\n", 2)[2], source="odd.yaml")
    assert caught.value.lines() == [
        "odd.yaml:2: 'version' of the codebook must be a string, not a date (put it in quotes)",
        "odd.yaml:3: 'name' of category 'c' must be a string, not a tagged value",
    ]


@pytest.mark.usefixtures("in_data")
def test_missing_file_is_an_input_error() -> None:
    for function in (load_codebook, validate_codebook):
        with pytest.raises(InputError) as caught:
            function(Path("no-such-codebook.yaml"))
        assert (
            str(caught.value)
            == "no-such-codebook.yaml: cannot read codebook: No such file or directory"
        )


@pytest.mark.usefixtures("in_data")
def test_directory_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        load_codebook(Path())
    assert str(caught.value) == ".: cannot read codebook: Is a directory"


# --- the shipped codebooks -----------------------------------------------------------------


def test_default_codebook_is_valid() -> None:
    assert validate_codebook(DEFAULT) == []


def test_default_codebook_has_exactly_the_contract_ids() -> None:
    book = load_codebook(DEFAULT)
    assert [c.id for c in book.codes if c.kind == "category"] == CATEGORY_IDS
    assert [c.id for c in book.codes if c.kind == "code"] == SPEC_IDS
    assert stage_ids(book) == ["stage.pre", "stage.post", "stage.release"]


def test_default_codebook_fixes_challenges_and_onramps_to_their_stage() -> None:
    book = load_codebook(DEFAULT)
    for code in (c for c in book.codes if c.kind == "code"):
        part = code.id.split(".")
        if part[0] in ("challenge", "onramp"):
            assert code.stage == f"stage.{part[1]}", code.id
        else:
            assert code.stage is None, code.id


def test_default_codebook_fields_are_filled() -> None:
    book = load_codebook(DEFAULT)
    for code in (c for c in book.codes if c.kind == "code"):
        assert code.definition, code.id
        assert code.include, code.id
        assert code.exclude, code.id
        assert 1 <= len(code.examples) <= 2, code.id
        assert 10 <= len(code.cues) <= 30, code.id
        assert code.patterns, code.id
        assert code.colour, code.id
        assert code.provenance in ("seen", "3p", "inferred", "extra"), code.id
        assert (code.group is not None) == code.id.startswith("motivation."), code.id
        if code.group:
            assert code.id.split(".")[1] == code.group
        for other in re.findall(r"\(([a-z]+\.[a-z.-]+)", code.exclude):
            assert book.get(other) is not None, (code.id, other)


def _spec_rows() -> list[list[str]]:
    if not SPEC.exists():
        pytest.skip("../shared/codebook-spec.md is not available")
    rows = []
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 7 and "." in cells[0] and not set(cells[0]) <= set("-"):
            rows.append(cells)
    return rows


def test_default_codebook_matches_the_spec_file() -> None:
    rows = _spec_rows()
    book = load_codebook(DEFAULT)
    assert [row[0] for row in rows] == SPEC_IDS
    provenance = {"seen": "seen", "3p": "3p", "inf": "inferred"}
    for code_id, stage, name, *_, source in rows:
        code = book.get(code_id)
        assert code is not None, code_id
        assert code.name == name, code_id
        assert code.stage == (stage or None), code_id
        expected = "extra" if "extra" in source else provenance[source]
        assert code.provenance == expected, code_id


@pytest.mark.parametrize("path", [DEFAULT, CODEBOOKS / "example-minimal.yaml", DATA / "valid.yaml"])
def test_dump_and_load_round_trip(path: Path) -> None:
    book = load_codebook(path)
    again = parse_codebook(dump_codebook(book))
    assert without_positions(again) == without_positions(book)
    assert dump_codebook(again) == dump_codebook(book)


def test_dump_writes_the_codebook_format() -> None:
    text = dump_codebook(load_codebook(DATA / "valid.yaml"))
    assert text == (DATA / "valid.dumped.yaml").read_text(encoding="utf-8")


def test_example_codebook_has_a_parent_and_a_pattern() -> None:
    book = load_codebook(CODEBOOKS / "example-minimal.yaml")
    codes = [c for c in book.codes if c.kind == "code"]
    assert len([c for c in book.codes if c.kind == "category"]) == 2
    assert len(codes) == 6
    assert [c.id for c in codes if c.parent not in ("challenge", "benefit")] == [
        "boundaries.always-on"
    ]
    assert [c.id for c in codes if c.patterns] == ["tech-problems"]
    assert all(c.cues for c in codes)

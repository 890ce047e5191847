"""YAML side of :mod:`qualcode.codebook`: decoding, parsing with positions, field checks.

Parsing uses ruamel.yaml's round-trip loader because it remembers the line of every key
and list item. Duplicate keys are found on the composed node tree, so they are reported
whatever the loader's own duplicate-key mode is. :class:`Reader` checks each field where
it stands and leaves checks that need the whole file to :mod:`qualcode.codebook`.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarbool import ScalarBoolean

from qualcode.errors import Problem
from qualcode.models import CodeKind
from qualcode.nlp import check_token_pattern

PROVENANCES = ("seen", "3p", "inferred", "extra")
TOP_FIELDS = ("name", "version", "description", "categories")
CATEGORY_FIELDS = ("id", "name", "description", "stages", "codes")
CODE_FIELDS = (
    "id", "name", "definition", "include", "exclude", "examples", "cues", "patterns",
    "stage", "parent", "group", "colour", "provenance",
)  # fmt: skip
_ID = re.compile(r"[A-Za-z0-9_.-]+\Z")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}\Z")
TAB_MESSAGE = "tab character used for indentation; use spaces"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COMPLEX_KEY = "a key must be a plain word, not a list or mapping"


def _loader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # they are reported from the node tree instead
    return yaml


def compose(text: str) -> Node | None:
    """The node tree of ``text`` (raises ruamel's ``YAMLError`` on a syntax error)."""
    root: Node | None = _loader().compose(text)
    return root


def parse(text: str, source: str, root: Node | None = None) -> tuple[Any, list[Problem]]:
    """Load ``text`` with positions; return ``(data, problems)``, data ``None`` on syntax errors.

    ``root`` is the node tree of ``text`` when the caller has composed it already: composing
    is most of the cost, so a large codebook is composed once and constructed from it.
    """
    yaml = _loader()
    try:
        if root is None:
            root = yaml.compose(text)
        problems = list(_key_problems(root, source)) if root is not None else []
        if any(p.message == _COMPLEX_KEY for p in problems):
            return None, problems  # ruamel cannot construct mappings used as keys
        data = yaml.constructor.construct_document(root) if root is not None else None
    except YAMLError as exc:
        return None, _syntax_problems(exc, text, source)
    return data, problems


def _syntax_problems(exc: YAMLError, text: str, source: str) -> list[Problem]:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    if "'\\t'" in problem:
        return _tab_problems(text, line, source)
    message = f"invalid YAML: {problem}"
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if (
        isinstance(exc, MarkedYAMLError)
        and context
        and context_mark is not None
        and context_mark.line + 1 != line
    ):
        message += f" ({context} started on line {context_mark.line + 1})"
    return [Problem(message, source, line)]


def _tab_problems(text: str, error_line: int | None, source: str) -> list[Problem]:
    lines = [
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if "\t" in content[: len(content) - len(content.lstrip(" \t"))]
    ]
    problems = [Problem(TAB_MESSAGE, source, number) for number in lines]
    if error_line not in lines:
        problems.append(Problem("tab character where YAML expects spaces", source, error_line))
    return problems


def _key_problems(root: Node, source: str) -> Iterator[Problem]:
    """Duplicate keys (at the second one) and keys that are lists or mappings."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[object, int] = {}
            for key, value in node.value:
                stack.append(value)
                line = key.start_mark.line + 1
                if not isinstance(key, ScalarNode):
                    yield Problem(_COMPLEX_KEY, source, line)
                    continue
                if key.tag == _MERGE_TAG:
                    continue
                if key.value in first:
                    message = f"duplicate key {key.value!r} (first on line {first[key.value]})"
                    yield Problem(message, source, line)
                else:
                    first[key.value] = line
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def node_line(value: Any, default: int = 1) -> int:
    """1-based line where a loaded mapping or list starts (``default`` for plain scalars)."""
    lc = getattr(value, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else default


def key_line(mapping: Any, key: str) -> int:
    """1-based line of ``key`` in a loaded mapping."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return node_line(mapping)


def item_line(seq: Any, index: int, default: int) -> int:
    """1-based line of item ``index`` of a loaded list."""
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def plain(value: Any) -> Any:
    """Turn ruamel's round-trip containers and scalars into plain JSON-compatible values."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, (bool, ScalarBoolean)):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


@dataclass
class Draft:
    """A category or code as read from the file, before its references are checked."""

    id: str
    what: str
    line: int
    kind: CodeKind
    category: str
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    is_stage: bool = False


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date):
        return "a date"
    return "a tagged value" if hasattr(value, "tag") else f"a {type(value).__name__}"


def _pattern_errors(pattern: Any) -> list[str]:
    try:
        errors = check_token_pattern(pattern)
    except re.error as exc:  # spaCy compiles REGEX values without catching their errors
        return [f"invalid REGEX: {exc}"]
    return [_tidy(error) for error in errors]


_SPACY_HEAD = re.compile(r"^Invalid token patterns for matcher rule '[^']*'\s*Pattern \d+:\s*")
_SPACY_ITEM = re.compile(r"- \[pattern -> (\d+)((?: -> .*?)?)\] (.*?)(?= - \[pattern|$)")
_TYPE_STEP = re.compile(r"^(TokenPattern\w*|str|int|float|bool|constrained-str|str-enum\[.*\])$")


def _tidy(message: str) -> str:
    """Shorten spaCy's validation text to ``token N KEY: reason``, one reason per token."""
    items = _SPACY_ITEM.findall(_SPACY_HEAD.sub("", message))
    if not items:
        return message
    parts: dict[str, str] = {}
    for token, path, reason in items:
        steps = [step for step in path.split(" -> ") if step and not _TYPE_STEP.match(step)]
        where = f"token {int(token) + 1}" + (f" {' -> '.join(steps)}" if steps else "")
        parts.setdefault(f"token {token}", f"{where}: {reason.strip()}")
    return "; ".join(parts.values())


def suggest(word: str, choices: Sequence[str]) -> str:
    """A did-you-mean hint for ``word`` among ``choices`` (empty when nothing is close)."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Reader:
    """Walks the loaded YAML, collecting problems and the drafts of categories and codes."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.drafts: list[Draft] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(message, self.source, line))

    def top(self, data: Any) -> tuple[str, str, str] | None:
        if data is None:
            self.add(1, "the codebook is empty; it needs name, version and categories")
            return None
        if not isinstance(data, dict):
            self.add(node_line(data), f"the codebook must be a mapping, not {_kind(data)}")
            return None
        what = "the codebook"
        self.unknown(data, TOP_FIELDS, what)
        name = self.text(data, "name", what, required=True)
        version = self.text(data, "version", what, required=True)
        description = self.text(data, "description", what)
        categories = self.items(data, "categories", what, required=True)
        for index, item in enumerate(categories or [], start=1):
            self.category(item, index, item_line(data["categories"], index - 1, 1))
        return name or "", version or "", description or ""

    def unknown(self, mapping: dict[Any, Any], allowed: Sequence[str], what: str) -> None:
        for key in mapping:
            if str(key) not in allowed:
                hint = suggest(str(key), allowed) or f" (expected one of: {', '.join(allowed)})"
                self.add(key_line(mapping, key), f"unknown field {str(key)!r} in {what}{hint}")

    def text(
        self, mapping: dict[Any, Any], key: str, what: str, *, required: bool = False
    ) -> str | None:
        if key not in mapping:
            if required:
                self.add(node_line(mapping), f"{what} has no {key!r}")
            return None
        value = mapping[key]
        line = key_line(mapping, key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(line, f"{key!r} of {what} is empty")
            return None
        if not isinstance(value, str):
            quotable = (bool, int, float, datetime.date)
            hint = " (put it in quotes)" if isinstance(value, quotable) else ""
            self.add(line, f"{key!r} of {what} must be a string, not {_kind(value)}{hint}")
            return None
        return str(value).strip()

    def items(
        self, mapping: dict[Any, Any], key: str, what: str, *, required: bool = False
    ) -> list[Any] | None:
        value = mapping.get(key)
        if key not in mapping and required:
            self.add(node_line(mapping), f"{what} has no {key!r}")
        elif value is None:
            if required:
                self.add(key_line(mapping, key), f"{key!r} of {what} is empty")
        elif not isinstance(value, list):
            message = f"{key!r} of {what} must be a list, not {_kind(value)}"
            self.add(key_line(mapping, key), message)
        elif not value and required:
            self.add(key_line(mapping, key), f"{key!r} of {what} is empty")
        else:
            return value
        return None

    def header(self, item: Any, what: str, line: int, kind: CodeKind) -> Draft | None:
        if not isinstance(item, dict):
            self.add(line, f"{what} must be a mapping, not {_kind(item)}")
            return None
        ident = self.text(item, "id", what, required=True)
        if ident is not None:
            what = f"{kind} {ident!r}"
            if not _ID.match(ident):
                message = f"id {ident!r} may only contain letters, digits, '_', '.' and '-'"
                self.add(key_line(item, "id"), message)
        self.unknown(item, CATEGORY_FIELDS if kind == "category" else CODE_FIELDS, what)
        name = self.text(item, "name", what, required=True)
        id_line = key_line(item, "id") if "id" in item else node_line(item, line)
        return Draft(ident or "", what, id_line, kind, "", {"name": name or ""})

    def category(self, item: Any, index: int, line: int) -> None:
        draft = self.header(item, f"category {index}", line, "category")
        if draft is None:
            return
        draft.category = draft.id
        draft.values["definition"] = self.text(item, "description", draft.what) or ""
        stages = item.get("stages", False)
        if not isinstance(stages, bool):
            message = f"'stages' of {draft.what} must be true or false, not {_kind(stages)}"
            self.add(key_line(item, "stages"), message)
        draft.is_stage = stages is True
        self.drafts.append(draft)
        codes = self.items(item, "codes", draft.what) or []
        for number, code in enumerate(codes, start=1):
            where = f"code {number} of {draft.what}"
            self.code(code, where, item_line(item["codes"], number - 1, draft.line), draft)

    def code(self, item: Any, where: str, line: int, category: Draft) -> None:
        draft = self.header(item, where, line, "code")
        if draft is None:
            return
        draft.category = category.id
        draft.is_stage = category.is_stage
        what, values = draft.what, draft.values
        for key in ("definition", "include", "exclude"):
            values[key] = self.text(item, key, what) or ""
        values["group"] = self.text(item, "group", what)
        for key in ("stage", "parent"):
            values[key] = self.text(item, key, what)
            draft.lines[key] = key_line(item, key)
        values["examples"] = self.strings(item, "examples", "example", what)
        values["cues"] = self.cues(item, what)
        values["patterns"] = self.patterns(item, what)
        values["colour"] = self.colour(item, what)
        values["provenance"] = self.provenance(item, what)
        self.drafts.append(draft)

    def strings(self, item: dict[Any, Any], key: str, noun: str, what: str) -> list[str]:
        found: list[str] = []
        values = self.items(item, key, what) or []
        for number, value in enumerate(values, start=1):
            line = item_line(item[key], number - 1, key_line(item, key))
            if not isinstance(value, str):
                self.add(line, f"{noun} {number} of {what} must be a string, not {_kind(value)}")
            elif not value.strip():
                self.add(line, f"{noun} {number} of {what} is empty")
            else:
                found.append(" ".join(value.split()))
        return found

    def cues(self, item: dict[Any, Any], what: str) -> tuple[str, ...]:
        cues = self.strings(item, "cues", "cue", what)
        first: dict[str, int] = {}
        raw = item.get("cues")
        for number, cue in enumerate(raw if isinstance(raw, list) else [], start=1):
            if not isinstance(cue, str) or not cue.strip():
                continue
            folded = " ".join(cue.split()).casefold()
            if folded in first:
                line = item_line(item["cues"], number - 1, key_line(item, "cues"))
                message = f"duplicate cue {cue.strip()!r} in {what} (same as cue {first[folded]})"
                self.add(line, message)
            else:
                first[folded] = number
        return tuple(dict.fromkeys(cues))

    def patterns(self, item: dict[Any, Any], what: str) -> tuple[Any, ...]:
        found: list[Any] = []
        for number, pattern in enumerate(self.items(item, "patterns", what) or [], start=1):
            line = item_line(item["patterns"], number - 1, key_line(item, "patterns"))
            value = plain(pattern)
            errors = _pattern_errors(value)
            for error in errors:
                self.add(line, f"pattern {number} of {what}: {error}")
            if not errors:
                found.append(value)
        return tuple(found)

    def colour(self, item: dict[Any, Any], what: str) -> str | None:
        if "colour" in item and item["colour"] is None:
            message = (
                f"'colour' of {what} is empty (quote it, e.g. colour: \"#4C72B0\"; "
                "an unquoted # starts a comment)"
            )
            self.add(key_line(item, "colour"), message)
            return None
        colour = self.text(item, "colour", what)
        if colour is not None and not _COLOUR.match(colour):
            message = f"colour {colour!r} of {what} is not of the form #RRGGBB"
            self.add(key_line(item, "colour"), message)
        return colour

    def provenance(self, item: dict[Any, Any], what: str) -> str | None:
        value = self.text(item, "provenance", what)
        if value is not None and value not in PROVENANCES:
            message = f"provenance {value!r} of {what} must be one of: {', '.join(PROVENANCES)}"
            self.add(key_line(item, "provenance"), message)
        return value

"""Load, validate, dump and display codebooks written in YAML.

A codebook file holds ``name``, ``version``, an optional ``description`` and a list of
``categories``, each with its ``codes`` (see codebooks/README.md for every field).
Validation reports every problem at once as ``FILE:LINE: message``.

Stages: the codes of a category marked ``stages: true`` (``Code.stages`` on the category)
are the lifecycle stages; they carry no ``stage`` themselves. Any other code's ``stage``
is the one it names or, failing that, the stage of its nearest ancestor.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from ruamel.yaml.scalarstring import LiteralScalarString

from qualcode import _codebook_yaml as cy
from qualcode._codebook_yaml import CATEGORY_FIELDS, CODE_FIELDS, PROVENANCES, TOP_FIELDS
from qualcode.errors import CodebookError, InputError, Problem
from qualcode.models import Code, Codebook, sha256_text

MAX_CODEBOOK_BYTES = 5 * 1024 * 1024
MAX_YAML_VALUES = 100_000  # after expanding aliases; a large codebook has a few thousand

__all__ = [
    "CATEGORY_FIELDS",
    "CODE_FIELDS",
    "PROVENANCES",
    "TOP_FIELDS",
    "codebook_tree",
    "dump_codebook",
    "load_codebook",
    "parse_codebook",
    "stage_ids",
    "validate_codebook",
]


def load_codebook(path: Path) -> Codebook:
    """Read and validate a codebook file; raise :class:`CodebookError` listing every problem."""
    codebook, problems = _read(path)
    if problems or codebook is None:
        raise CodebookError(problems, path=path)
    return codebook


def validate_codebook(path: Path) -> list[Problem]:
    """Return every problem of a codebook file (empty when it is valid)."""
    return _read(path)[1]


def parse_codebook(text: str, *, source: str = "<string>") -> Codebook:
    """Validate codebook YAML given as text; ``source`` names it in problems."""
    codebook, problems = _check(text, source, sha256_text(text))
    if problems or codebook is None:
        raise CodebookError(problems, path=source)
    return codebook


def _read(path: Path) -> tuple[Codebook | None, list[Problem]]:
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_CODEBOOK_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read codebook: {exc.strerror}", path=path) from exc
    if len(data) > MAX_CODEBOOK_BYTES:
        message = f"not a codebook: the file is larger than {MAX_CODEBOOK_BYTES // 1024 // 1024} MB"
        return None, [Problem(message, str(path), None)]
    text, problems = _decode(data, str(path))
    if text is None:
        return None, problems
    return _check(text, str(path), hashlib.sha256(data).hexdigest())


def _decode(data: bytes, source: str) -> tuple[str | None, list[Problem]]:
    """Decode codebook bytes as UTF-8 (a BOM is dropped); a problem names the bad byte's line."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the codebook as UTF-8"
        return None, [Problem(message, source, line)]


def _check(text: str, source: str, sha256: str) -> tuple[Codebook | None, list[Problem]]:
    shape, root = _shape_problems(text, source)
    if shape:
        return None, shape
    data, problems = cy.parse(text, source, root)
    reader = cy.Reader(source, problems)
    header = reader.top(data) if data is not None or not problems else None
    drafts = reader.drafts
    if header is not None:
        _cross_check(reader, drafts)
    problems.sort(key=lambda p: p.line or 0)
    if problems or header is None:
        return None, problems
    name, version, description = header
    codes = tuple(_build(drafts))
    return Codebook(name, version, codes, description, source=source, sha256=sha256), []


def _shape_problems(text: str, source: str) -> tuple[list[Problem], Node | None]:
    """Refuse YAML that is nested too deeply to walk, or whose aliases (``*name``) would
    expand it into a huge structure (a "billion laughs"); syntax errors are left to the parser.
    Also return the node tree, so that the parser need not compose the text again.
    """
    from ruamel.yaml.error import YAMLError

    from qualcode.ingest.sniff import yaml_too_deep

    deep = yaml_too_deep(text)
    if deep is not None:
        return [Problem("the YAML is nested too deeply to be a codebook", source, deep)], None
    try:
        root = cy.compose(text)
    except YAMLError:
        return [], None
    blown = _too_large(root) if root is not None else None
    if blown is None:
        return [], root
    message = (f"YAML aliases (*name) expand the codebook beyond {MAX_YAML_VALUES:,} values; "
               "write the values out instead of repeating aliases")
    return [Problem(message, source, blown.start_mark.line + 1)], None


def _too_large(root: Node) -> Node | None:
    """The first node whose expanded size passes :data:`MAX_YAML_VALUES` (a cycle counts)."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            size = 1 + sum(sizes[id(child)] for child in children)
            sizes[id(node)] = min(size, MAX_YAML_VALUES + 1)
            if size > MAX_YAML_VALUES:
                return node
        elif id(node) in entered:
            if id(node) not in sizes:
                return node  # an alias inside its own anchor: endless
        else:
            entered.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    return None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _cross_check(reader: cy.Reader, drafts: list[cy.Draft]) -> None:
    """Check what needs the whole file: unique ids, parents, cycles and stages."""
    by_id: dict[str, cy.Draft] = {}
    for draft in drafts:
        if not draft.id:
            continue
        if draft.id in by_id:
            first = by_id[draft.id].line
            reader.add(draft.line, f"duplicate id {draft.id!r} (first defined on line {first})")
        else:
            by_id[draft.id] = draft
    stage_ids = [d.id for d in by_id.values() if d.is_stage and d.kind == "code"]
    for draft in drafts:
        if draft.kind == "code":
            _check_parent(reader, draft, by_id)
            _check_stage(reader, draft, stage_ids)
    _check_cycles(reader, drafts, by_id)


def _check_parent(reader: cy.Reader, draft: cy.Draft, by_id: dict[str, cy.Draft]) -> None:
    parent = draft.values.get("parent")
    if parent is None:
        return
    line = draft.lines["parent"]
    target = by_id.get(parent)
    if target is None:
        hint = cy.suggest(parent, list(by_id))
        reader.add(line, f"parent {parent!r} of {draft.what} is not defined{hint}")
    elif target.category != draft.category:
        message = (
            f"parent {parent!r} of {draft.what} is in category {target.category!r}; "
            f"a parent must be in the same category ({draft.category!r})"
        )
        reader.add(line, message)


def _check_stage(reader: cy.Reader, draft: cy.Draft, stage_ids: list[str]) -> None:
    stage = draft.values.get("stage")
    if stage is None:
        return
    line = draft.lines["stage"]
    if draft.is_stage:
        reader.add(line, f"{draft.what} is a stage itself and cannot name a 'stage'")
    elif stage not in stage_ids:
        known = ", ".join(stage_ids) if stage_ids else "none: no category has 'stages: true'"
        reader.add(line, f"stage {stage!r} of {draft.what} is not a stage code ({known})")


def _check_cycles(reader: cy.Reader, drafts: list[cy.Draft], by_id: dict[str, cy.Draft]) -> None:
    reported: set[str] = set()
    for draft in drafts:
        if draft.kind != "code" or by_id.get(draft.id) is not draft or draft.id in reported:
            continue
        chain: list[str] = []
        current: cy.Draft | None = draft
        while current is not None and current.kind == "code" and current.id not in chain:
            chain.append(current.id)
            parent = current.values.get("parent")
            current = by_id.get(parent) if parent else None
        if current is draft:
            reported.update(chain)
            cycle = " -> ".join([*chain, draft.id])
            reader.add(draft.lines.get("parent", draft.line), f"parent cycle: {cycle}")


def _build(drafts: list[cy.Draft]) -> list[Code]:
    """Turn checked drafts into codes, resolving default parents and inherited stages."""
    by_id = {draft.id: draft for draft in drafts}

    def stage_of(draft: cy.Draft) -> str | None:
        if draft.kind == "category" or draft.is_stage:
            return None
        stage: str | None = draft.values.get("stage")
        if stage is not None:
            return stage
        parent = draft.values.get("parent")
        return stage_of(by_id[parent]) if parent else None

    codes: list[Code] = []
    for draft in drafts:
        values = dict(draft.values)
        if draft.kind == "code":
            values["parent"] = values.get("parent") or draft.category
            values["stage"] = stage_of(draft)
            values["examples"] = tuple(values["examples"])
        else:
            values["stages"] = draft.is_stage
        codes.append(
            Code(id=draft.id, kind=draft.kind, category=draft.category, line=draft.line, **values)
        )
    return codes


def codebook_tree(codebook: Codebook) -> list[tuple[int, Code]]:
    """Categories and codes as ``(depth, code)`` in display order: each under its parent."""
    children: dict[str, list[Code]] = {}
    for code in codebook.codes:
        if code.kind == "code" and code.parent is not None:
            children.setdefault(code.parent, []).append(code)
    rows: list[tuple[int, Code]] = []
    shown: set[str] = set()

    def visit(code: Code, depth: int) -> None:
        if code.id in shown:
            return
        shown.add(code.id)
        rows.append((depth, code))
        for child in children.get(code.id, []):
            visit(child, depth + 1)

    for code in codebook.codes:
        if code.kind == "category":
            visit(code, 0)
    return rows


def stage_ids(codebook: Codebook) -> list[str]:
    """Ids of the lifecycle-stage codes (the codes of ``stages: true`` categories), in file order."""
    staged = {code.id for code in codebook.codes if code.kind == "category" and code.stages}
    return [code.id for code in codebook.codes if code.kind == "code" and code.category in staged]


def dump_codebook(codebook: Codebook) -> str:
    """Write a codebook as YAML in the codebook file format; loading it gives it back."""
    top: dict[str, Any] = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        top["description"] = _block_text(codebook.description)
    categories = []
    for category in (code for code in codebook.codes if code.kind == "category"):
        members = [c for c in codebook.codes if c.kind == "code" and c.category == category.id]
        entry: dict[str, Any] = {"id": category.id, "name": category.name}
        if category.definition:
            entry["description"] = _block_text(category.definition)
        if category.stages:
            entry["stages"] = True
        entry["codes"] = [_dump_code(code) for code in members]
        categories.append(entry)
    top["categories"] = categories
    return _dump_yaml(top)


def _dump_code(code: Code) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": code.id, "name": code.name}
    for key in ("definition", "include", "exclude"):
        if getattr(code, key):
            entry[key] = _block_text(getattr(code, key))
    if code.examples:
        entry["examples"] = list(code.examples)
    if code.cues:
        entry["cues"] = _flow(code.cues)
    if code.patterns:
        entry["patterns"] = [_flow(pattern) for pattern in code.patterns]
    if code.stage:
        entry["stage"] = code.stage
    if code.parent and code.parent != code.category:
        entry["parent"] = code.parent
    for key in ("group", "colour", "provenance"):
        if getattr(code, key):
            entry[key] = getattr(code, key)
    return entry


def _flow(value: Any) -> Any:
    """Round-trip containers for ``value`` written in flow style (``[a, b]``, ``{K: v}``)."""
    if isinstance(value, dict):
        mapping = CommentedMap((key, _flow(item)) for key, item in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_flow(item) for item in value)
        seq.fa.set_flow_style()
        return seq
    return value


def _block_text(text: str) -> str:
    """A string as YAML should write it: a literal block when it spans lines."""
    return LiteralScalarString(text) if "\n" in text else text


def _dump_yaml(data: Any) -> str:
    """Write round-trip data as YAML text in the codebook's indentation style."""
    yaml = YAML(typ="rt")
    yaml.width = 100
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()

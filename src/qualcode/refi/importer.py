"""Importing REFI-QDA files into a project, in one transaction.

A project file (``.qdpx``, or a bare ``.qde``) brings its codebook, text sources,
codings with their coders, cases with their variables and memos. The codes go into the
project's codebook as a new version (codes already there, by id, are kept as they are);
a source whose document is already in the project with the same text adds only its new
codings, one with a different text under the same name is left out. Everything that
cannot be placed is listed in :attr:`ImportSummary.problems`, and memos that have no
place are kept in the import's log entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Connection

from qualcode.codebook import dump_codebook, parse_codebook
from qualcode.errors import InputError
from qualcode.ingest.normalise import read_bytes
from qualcode.models import Code, Codebook, Coding, Segment
from qualcode.refi.codebook import is_codebook_root, read_codebook, unique_id
from qualcode.refi.reader import ProjectPlan, read_project
from qualcode.refi.safety import MAX_ENTRY, open_archive, parse_xml
from qualcode.refi.sources import SourcePlan
from qualcode.refi.xmltools import kid, kids, read_extras
from qualcode.segment import segment_many
from qualcode.store import Project
from qualcode.store import cases as store_cases
from qualcode.store import codes as store_codes
from qualcode.store import codings as store_codings
from qualcode.store import documents as store_documents
from qualcode.store.log import log_event
from qualcode.store.runs import finish_run, start_run

ACTOR = "refi-import"


@dataclass
class ImportSummary:
    """What an import added, and what it could not."""

    path: str
    origin: str = ""
    documents: int = 0
    matched: int = 0
    codes: int = 0
    codings: int = 0
    duplicates: int = 0
    cases: int = 0
    problems: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None


def import_qdpx(project: Project, path: Path, *, actor: str = ACTOR) -> ImportSummary:
    """Import a REFI-QDA project file into ``project`` (see the module docstring)."""
    plan = read_project(open_archive(path))
    summary = ImportSummary(str(path), plan.origin, problems=list(plan.problems))
    with project.read() as conn:
        fresh = [s for s in plan.sources
                 if store_documents.find_document(conn, s.document.name) is None]
    segments = dict(zip((s.document.name for s in fresh),
                        segment_many((s.document.text, s.document.turns) for s in fresh), strict=True))
    with project.write() as conn:
        run_id = start_run(conn, kind="refi-import", actor=actor, params={"file": str(path)})
        renamed = merge_codes(conn, plan.codebook.codebook(plan.name, "imported"), summary,
                              label=path.stem)
        for source in plan.sources:
            _store_source(conn, source, plan, segments, renamed, run_id, summary)
        for name, attributes in plan.cases.items():
            store_cases.set_case_attributes(conn, store_cases.ensure_case(conn, name), attributes)
        summary.cases = len(plan.cases)
        finish_run(conn, run_id)
        log_event(conn, actor=actor, action="refi.import", entity="run", entity_id=run_id,
                  payload={"file": str(path), "origin": plan.origin,
                           "documents": summary.documents, "codes": summary.codes,
                           "codings": summary.codings, "problems": summary.problems,
                           "unplaced_memos": plan.unplaced})
    summary.run_id = run_id
    return summary


def merge_codes(conn: Connection, imported: Codebook, summary: ImportSummary, *,
                label: str) -> dict[str, str]:
    """Add the imported codes the project lacks as a new codebook version.

    Returns the imported ids that had to be renamed because the project uses the id for
    a category where the file has a code (or the other way round).
    """
    current = store_codes.project_codebook(conn)
    if not imported.codes:
        return {}
    renamed: dict[str, str] = {}
    if current is None:
        added = list(imported.codes)
        merged = imported
    else:
        added, renamed = _new_codes(current, imported)
        if not added:
            return renamed
        archived = store_codes.archived_ids(conn)
        kept = tuple(c for c in current.codes if c.id not in archived)
        merged = Codebook(current.name, f"{current.version}+{label}", kept + tuple(added),
                          current.description)
    content = dump_codebook(merged)
    checked = replace(parse_codebook(content, source=label), source=label)
    store_codes.store_codebook(conn, checked, content,
                               archive=sorted(store_codes.archived_ids(conn)))
    summary.codes = len(added)
    return renamed


def _new_codes(current: Codebook, imported: Codebook) -> tuple[list[Code], dict[str, str]]:
    existing = {code.id: code for code in current.codes}
    taken = set(existing) | {code.id for code in imported.codes}
    renamed = {code.id: unique_id(code.id, taken) for code in imported.codes
               if code.id in existing and existing[code.id].kind != code.kind}
    taken.update(renamed.values())

    def moved(code_id: str | None) -> str | None:
        return renamed.get(code_id, code_id) if code_id is not None else None

    added = []
    for code in imported.codes:
        if code.id in existing and code.id not in renamed:
            continue
        added.append(replace(code, id=renamed.get(code.id, code.id),
                             category=renamed.get(code.category, code.category),
                             parent=moved(code.parent), stage=moved(code.stage)))
    return added, renamed


def _store_source(conn: Connection, source: SourcePlan, plan: ProjectPlan,
                  segments: dict[str, list[Segment]], renamed: dict[str, str], run_id: str,
                  summary: ImportSummary) -> None:
    doc = source.document
    existing = store_documents.find_document(conn, doc.name)
    if existing is not None and existing.text_sha256 != doc.text_sha256:
        summary.problems.append(f"source {doc.name!r}: a document with this name and another "
                                f"text is already in the project; not imported "
                                f"({len(source.codings)} coding(s) lost)")
        return
    if existing is None:
        case_id = store_cases.ensure_case(conn, plan.document_case.get(doc.name, doc.name))
        doc_id = store_documents.insert_document(conn, doc, segments[doc.name], case_id=case_id)
        log_event(conn, actor=ACTOR, action="document.add", entity="document", entity_id=doc_id,
                  payload={"name": doc.name, "source": doc.source_path,
                           "text_sha256": doc.text_sha256})
        summary.documents += 1
    else:
        doc_id = existing.id
        summary.matched += 1
    summary.models[doc.name] = source.model
    present = {_key(c) for c in store_codings.find_codings(conn, document=doc.name)}
    new: list[Coding] = []
    for coding in source.codings:
        coding = replace(coding, code=renamed.get(coding.code, coding.code), run_id=run_id)
        if _key(coding) in present:
            summary.duplicates += 1
            continue
        present.add(_key(coding))
        new.append(coding)
    store_codings.insert_codings(conn, doc_id, doc.text, new)
    summary.codings += len(new)


def _key(coding: Coding) -> tuple[int, int, str, str]:
    return (coding.start, coding.end, coding.code, coding.coder)


# -- codebooks -------------------------------------------------------------------------------

def read_qdc(path: Path) -> tuple[Codebook, list[str]]:
    """The codebook of a ``.qdc`` file, and the problems found reading it."""
    data = read_bytes(path, limit=MAX_ENTRY)
    root = parse_xml(data, path=path)
    if not is_codebook_root(root):
        msg = "not a REFI-QDA codebook: the root element is not <CodeBook>"
        raise InputError(msg, path=path, hint="a project (.qdpx) goes in with import qdpx")
    read = read_codebook(kid(root, "Codes"), read_extras(root), path.name)
    if not read.codes:
        raise InputError("the codebook has no codes", path=path)
    sets = kid(root, "Sets")
    for item in kids(sets, "Set") if sets is not None else ():
        read.problems.append(f"{path.name}: Set {item.get('name') or ''!r} not imported "
                             "(qualcode has no sets)")
    return read.codebook(path.stem, "imported"), read.problems


def qdc_to_yaml(path: Path, output: Path) -> ImportSummary:
    """Write the codebook of a ``.qdc`` file as a YAML codebook file (the project is untouched)."""
    from qualcode.fileio import atomic_text

    codebook, problems = read_qdc(path)
    with atomic_text(output) as handle:
        handle.write(dump_codebook(codebook))
    return ImportSummary(str(path), codes=len(codebook.codes), problems=problems)


def import_qdc(project: Project, path: Path, *, actor: str = ACTOR) -> ImportSummary:
    """Add the codes of a ``.qdc`` codebook to the project's codebook."""
    codebook, problems = read_qdc(path)
    summary = ImportSummary(str(path), problems=problems)
    with project.write() as conn:
        merge_codes(conn, codebook, summary, label=path.stem)
        log_event(conn, actor=actor, action="codebook.import", entity="codebook",
                  entity_id=path.name, payload={"file": str(path), "codes": summary.codes,
                                                "problems": problems})
    return summary

"""Commands about documents: ingest, documents, show, cases, log."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@project_option
@click.option("--cases", "cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="CSV/XLSX of case attributes keyed by document name or case.")
@click.option("--encoding", help="Read every file with this encoding (default: detect).")
@click.option("--interviewer-label", "interviewer_labels", multiple=True, metavar="LABEL",
              help="A speaker label used by the interviewer (repeatable; replaces the defaults).")
@click.option("--label-pattern", metavar="REGEX",
              help="Regular expression for speaker labels, with a named group 'speaker'.")
@click.option("--id-column", help="For CSV/XLSX answer tables: the column naming each document.")
@click.option("--text-column", help="For CSV/XLSX answer tables: the column with the text.")
@click.option("--replace", is_flag=True,
              help="Accept changed texts of coded documents; codings are re-anchored by quote.")
@click.option("--spacy-model", metavar="NAME", help="An installed spaCy pipeline for sentences.")
@click.option("--strict", is_flag=True,
              help="Refuse documents in which the privacy checks find possible personal data.")
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Read and segment files in this many processes (this one writes).")
@json_option
def ingest(paths: tuple[Path, ...], project: str, cases: Path | None, encoding: str | None,
           interviewer_labels: tuple[str, ...], label_pattern: str | None, id_column: str | None,
           text_column: str | None, replace: bool, spacy_model: str | None, strict: bool,
           processes: int, as_json: bool) -> None:
    """Ingest transcripts (files or folders) into the project.

    Reads .txt/.md with speaker labels, .docx, .vtt and .srt captions, and CSV/XLSX
    tables of answers (with --text-column). Re-ingesting an unchanged file does
    nothing. Each document gets the fast privacy checks (see check-privacy): a finding
    is a warning, or with --strict a refusal. Exit code 3 means some files failed;
    the others went in. --processes 2 uses two cores for large corpora; the project
    is the same as with one.

    \b
    Example:
      qualcode ingest transcripts_sample --cases transcripts_sample/cases.csv
    """
    from qualcode.corpus import ingest_paths
    from qualcode.ingest import DEFAULT_INTERVIEWER_LABELS, ReadOptions
    from qualcode.store import open_project

    options = ReadOptions(
        encoding=encoding,
        interviewer_labels=interviewer_labels or DEFAULT_INTERVIEWER_LABELS,
        label_pattern=label_pattern,
        id_column=id_column,
        text_column=text_column,
    )
    if not paths and cases is None:
        raise click.UsageError("give files or folders to ingest (or --cases to update case attributes)")
    with open_project(project) as proj, render.progress("Ingesting") as tick:
        report = ingest_paths(proj, list(paths), options=options, cases=cases, replace=replace,
                              spacy_model=spacy_model, progress=tick,
                              privacy="strict" if strict else "warn", processes=processes)
    _render_ingest(report, as_json=as_json)
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _render_ingest(report: object, *, as_json: bool) -> None:
    from qualcode.corpus import IngestReport

    assert isinstance(report, IngestReport)
    if as_json:
        render.print_json({
            "documents": [
                {**asdict(o), "lost": [asdict(c) for c in o.lost]} for o in report.outcomes
            ],
            "cases_applied": report.cases_applied,
            "unknown_cases": report.unknown_cases,
        })
        return
    rows = [(o.document or "", o.action, o.turns, o.sentences)
            for o in report.outcomes if o.action in ("added", "updated", "replaced")]
    if rows:
        render.out().print(render.table("Ingested", ["document", "action", "turns", "sentences"], rows))
    for outcome in report.outcomes:
        for warning in outcome.warnings:
            render.warning(f"{outcome.path}: {warning}")
        if outcome.moved:
            render.message(f"{outcome.document}: {outcome.moved} coding(s) re-anchored")
        for coding in outcome.lost:
            render.warning(f"{outcome.document}: coding {coding.id} ({coding.code}) lost: quote "
                           f"{coding.quote[:60]!r} is no longer in the text; "
                           "it is kept in the event log (qualcode log)")
    for line in report.unknown_cases:
        render.warning(line)
    for outcome in report.failed:
        render.error(str(outcome.message))
    summary = ", ".join(f"{report.count(a)} {a}" for a in ("added", "updated", "replaced", "unchanged",
                                                           "refused", "failed") if report.count(a))
    render.message(f"{summary or 'nothing to ingest'}; {report.cases_applied} case row(s) applied")


@click.command()
@project_option
@json_option
def documents(project: str, as_json: bool) -> None:
    """List the documents of the project with their counts.

    \b
    Example:
      qualcode documents --json
    """
    from qualcode.project import list_documents
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        docs = list_documents(proj)
    if as_json:
        render.print_json([asdict(d) for d in docs])
        return
    columns = ["document", "case", "format", "turns", "words", "participants", "sentences",
               "codings", "suggestions"]
    rows = [(d.name, d.case or "", d.format, d.turns, d.words, d.participants, d.sentences,
             d.codings, d.suggestions) for d in docs]
    render.out().print(render.table(f"{len(docs)} documents", columns, rows))


@click.command()
@click.argument("document")
@project_option
@json_option
def show(document: str, project: str, as_json: bool) -> None:
    """Print one document turn by turn.

    \b
    Example:
      qualcode show ai2-olmo
    """
    from qualcode.project import get_document
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        view = get_document(proj, document)
    if as_json:
        data = asdict(view)
        data["turns"] = [{**asdict(t), "text": view.text[t.start : t.end]} for t in view.turns]
        render.print_json(data)
        return
    from rich.text import Text

    console = render.out()
    attributes = ", ".join(f"{k}={v}" for k, v in view.case_attributes.items())
    console.print(Text(f"{view.name}  case: {view.case or '-'}  {attributes}", style="bold"))
    styles = {"interviewer": "cyan", "participant": "green", "other": "dim"}
    for index, turn in enumerate(view.turns):
        when = f" [{turn.media_start:.0f}s]" if turn.media_start is not None else ""
        console.print(Text(f"\n#{index} {turn.speaker or '(preamble)'}{when}", style=styles[turn.role]))
        console.print(Text(view.text[turn.start : turn.end]))


@click.command()
@project_option
@json_option
def cases(project: str, as_json: bool) -> None:
    """List cases with their attributes.

    \b
    Example:
      qualcode cases
    """
    from qualcode.project import list_cases
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        found = list_cases(proj)
    if as_json:
        render.print_json([{"case": n, "documents": c, "attributes": a} for n, c, a in found])
        return
    keys = sorted({k for _, _, attrs in found for k in attrs})
    rows = [(name, count, *(attrs.get(k, "") for k in keys)) for name, count, attrs in found]
    render.out().print(render.table(f"{len(found)} cases", ["case", "documents", *keys], rows))


@click.command()
@project_option
@click.option("--limit", default=30, show_default=True, help="How many events (newest first).")
@json_option
def log(project: str, limit: int, as_json: bool) -> None:
    """Show the event log: every change, who made it and when.

    \b
    Example:
      qualcode log --limit 10
    """
    from qualcode.project import event_log
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        events = event_log(proj, limit=limit)
    if as_json:
        render.print_json([asdict(e) for e in events])
        return
    rows = [(e.id, e.at, e.actor, e.action, e.entity_id or "", _brief(e.payload)) for e in events]
    render.out().print(render.table("Events", ["id", "at", "actor", "action", "on", "details"], rows))


def _brief(payload: dict[str, object]) -> str:
    text = ", ".join(f"{k}={v}" for k, v in payload.items() if k not in ("quote", "rationale"))
    return text if len(text) <= 80 else text[:79] + "…"


COMMANDS: list[click.Command] = [ingest, documents, show, cases, log]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@project_option
@click.option("--codebook", "codebook_file", required=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Codebook YAML.")
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Case attributes (CSV/XLSX).")
@click.option("--codings", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Reference codings to import (CSV/XLSX).")
@click.option("--coder", help="Coder for codings rows without a coder column.")
@click.option("--suggest/--no-suggest", "suggest", default=True, show_default=True,
              help="Suggest codes from the codebook's cues (pending suggestions for review).")
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=Path("results"),
              show_default=True, help="Folder for the result files.")
@json_option
def run(paths: tuple[Path, ...], project: str, codebook_file: Path, cases: Path | None,
        codings: Path | None, coder: str | None, suggest: bool, output: Path,
        as_json: bool) -> None:
    """Run the main job: ingest, load the codebook, import codings, suggest, write results.

    Creates or updates the project; running it again changes nothing. Suggestions
    from the codebook's cues are stored as pending (review them with `qualcode
    review`); the tables count accepted codings only.

    \b
    Example:
      qualcode run transcripts_sample --codebook codebooks/open-llm-collaboration.yaml \\
        --cases transcripts_sample/cases.csv --codings transcripts_sample/codings.csv -o results
    """
    from qualcode.pipeline import run_study
    from qualcode.store import open_project

    with open_project(project) as proj, render.progress("Ingesting") as tick:
        summary = run_study(proj, list(paths), codebook=codebook_file, output=output, cases=cases,
                            codings=codings, coder=coder, suggest=suggest, progress=tick)
    if as_json:
        render.print_json({
            "documents": {a: summary.ingest.count(a) for a in ("added", "updated", "unchanged", "failed")},
            "codebook_version": summary.codebook.version,
            "codings_added": summary.codings.added if summary.codings else 0,
            "suggestions_added": summary.suggestions.added if summary.suggestions else 0,
            "categories": [asdict(c) for c in summary.categories],
            "outputs": {k: str(v) for k, v in summary.outputs.items()},
        })
    else:
        _render_ingest(summary.ingest, as_json=False)
        if summary.codings is not None:
            for problem in summary.codings.problems:
                render.error(problem)
            render.message(f"codings: {summary.codings.added} added, "
                           f"{summary.codings.duplicates} already present")
        if summary.suggestions is not None:
            run_id = summary.suggestions.run_id
            render.message(f"suggestions: {summary.suggestions.added} added"
                           + (f" (run {run_id}; review with `qualcode review --coder NAME`)" if run_id else ""))
        rows = [(c.name, c.accepted, c.suggested) for c in summary.categories]
        rows.append(("All categories", sum(c.accepted for c in summary.categories),
                     sum(c.suggested for c in summary.categories)))
        render.out().print(render.table("Codings", ["category", "accepted", "suggested"], rows))
        _render_outputs(summary.outputs, project=project)
    failed = summary.ingest.failed or (summary.codings is not None and not summary.codings.committed)
    if failed:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _render_outputs(outputs: dict[str, Path], *, project: str) -> None:
    """One row per result (a table written in several formats is one row)."""
    grouped: dict[str, list[Path]] = {}
    for path in outputs.values():
        key = path.stem if path.suffix in (".md", ".csv", ".tex") and path.stem[:2].isdigit() else path.name
        grouped.setdefault(key, []).append(path)
    rows = [(key, ", ".join(p.suffix.lstrip(".") for p in paths), str(paths[0].parent))
            for key, paths in grouped.items()]
    render.out().print(render.table(f"Results (project {project})", ["result", "formats", "folder"], rows))


COMMANDS.append(run)

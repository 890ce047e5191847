"""Assisted tagging: suggest, learn, evaluate, accept, runs, undo."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option

METHOD = click.Choice(["cues", "model", "both"])
UNIT = click.Choice(["sentence", "turn"])


@contextmanager
def _progress(description: str, noun: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar whose item reads "<item> · <rate> <noun>/s"."""
    started = time.monotonic()
    with render.progress(description) as tick:

        def update(done: int, total: int, item: str) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            tick(done, total, f"{item} · {rate:.0f} {noun}/s")

        yield update


@click.command("suggest")
@click.argument("documents", nargs=-1, metavar="[DOC]...")
@project_option
@click.option("--method", default="cues", show_default=True, type=METHOD,
              help="Cues and patterns of the codebook, the learned model, or both.")
@click.option("--unit", default="sentence", show_default=True, type=UNIT,
              help="Suggest for each sentence or each whole turn.")
@click.option("--codes", "code_prefixes", multiple=True, metavar="PREFIX",
              help="Only codes under PREFIX, e.g. challenge.pre (repeatable).")
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Lowest score kept [cues: 0.35; model, both: learned by `qualcode learn`].")
@click.option("--include-interviewer", is_flag=True,
              help="Also suggest for interviewer turns and other speakers.")
@click.option("--dry-run", is_flag=True, help="Show what would be suggested; write nothing.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1),
              help="Worker processes matching cues (method cues); use the number of cores.")
@json_option
def suggest_cmd(documents: tuple[str, ...], project: str, method: str, unit: str,
                code_prefixes: tuple[str, ...], min_score: float | None,
                include_interviewer: bool, dry_run: bool, processes: int,
                as_json: bool) -> None:
    """Suggest codes for the documents (all by default), as a run you can undo.

    Suggestions get status suggested and coder assistant, with a score and the
    evidence. Spans already coded, decided or rejected for a code are skipped, so
    running it again adds nothing new.

    \b
    Example:
      qualcode suggest --method cues --codes challenge
      qualcode suggest ai2-olmo --method both --unit turn --dry-run
      qualcode suggest --processes 2
    """
    from qualcode.assist.suggest import suggest
    from qualcode.store import open_project

    noun = "documents" if method == "cues" else "units"
    with open_project(project, create=False) as proj, _progress("Suggesting", noun) as tick:
        report = suggest(proj, documents=list(documents), method=method, unit=unit,
                         code_prefixes=list(code_prefixes), min_score=min_score,
                         include_interviewer=include_interviewer, dry_run=dry_run,
                         progress=tick, processes=processes, keep_suggestions=False)
    if as_json:
        render.print_json({
            "run_id": report.run_id, "dry_run": report.dry_run, "method": report.method,
            "unit": report.unit, "documents": report.documents, "units": report.units,
            "classifier": report.classifier, "added": report.added,
            "skipped": report.skipped, "by_category": report.by_category,
            "by_code": report.by_code,
        })
        return
    rows = [(code, n) for code, n in report.by_code.items()]
    if rows:
        title = "Would suggest" if dry_run else "Suggested"
        render.out().print(render.table(title, ["code", "suggestions"], rows))
    skipped = ", ".join(f"{n} {status}" for status, n in report.skipped.items()) or "none"
    verb = "would add" if dry_run else "added"
    run = f" (run {report.run_id}; undo with: qualcode undo {report.run_id})" if report.run_id else ""
    render.message(f"{report.documents} document(s), {report.units} {unit}(s): {verb} "
                   f"{report.added} suggestion(s); skipped as already coded: {skipped}{run}")


@click.command("learn")
@project_option
@click.option("--coder", help="Learn only from this coder's accepted codings.")
@click.option("--unit", default="sentence", show_default=True, type=UNIT,
              help="Train on sentences or whole turns (use the same with suggest).")
@click.option("--include-interviewer", is_flag=True, help="Also train on interviewer turns.")
@click.option("--folds", default=3, show_default=True, type=click.IntRange(2, 20),
              help="Folds (by document) for learning how to combine model and cues.")
@json_option
def learn_cmd(project: str, coder: str | None, unit: str, include_interviewer: bool,
              folds: int, as_json: bool) -> None:
    """Train a model on the accepted codings and store it in the project.

    Units overlapping an accepted coding of a code are examples of it; the other
    units of coded documents are counter-examples. Each training is a new version.

    \b
    Example:
      qualcode learn --coder researcher
      qualcode suggest --method both
    """
    from qualcode.assist.learn import learn
    from qualcode.store import open_project

    with open_project(project, create=False) as proj, _progress("Learning", "steps") as tick:
        report = learn(proj, coder=coder, unit=unit, include_interviewer=include_interviewer,
                       folds=folds, progress=tick)
    if as_json:
        render.print_json(asdict(report))
        return
    render.message(f"model {report.classifier}: {report.codes} code(s) learned from "
                   f"{report.positives} coded {unit}(s) in {report.documents} document(s)")
    rows = [(method, found["threshold"], found["precision"], found["recall"], found["f1"])
            for method, found in report.metrics.items() if isinstance(found, dict)]
    if rows:
        render.out().print(render.table(f"Cross-validated by document ({report.metrics['folds']} folds)",
                                        ["method", "threshold", "precision", "recall", "F1"], rows))


@click.command("evaluate")
@project_option
@click.option("--reference", required=True, metavar="CODER",
              help="The coder whose accepted codings are the reference.")
@click.option("--method", default="both", show_default=True, type=METHOD)
@click.option("--unit", default="sentence", show_default=True, type=UNIT)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50),
              help="Cross-validation folds (by document) for model and both.")
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Score threshold instead of the default or learned one.")
@click.option("--include-interviewer", is_flag=True, help="Also score interviewer turns.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the table to FILE (.csv or .json).")
@json_option
def evaluate_cmd(project: str, reference: str, method: str, unit: str, folds: int,
                 min_score: float | None, include_interviewer: bool, output: Path | None,
                 as_json: bool) -> None:
    """Compare suggestions with a reference coder: precision, recall, F1 per code.

    Nothing is written to the project. Model and both are cross-validated by
    document: a document's codings never train the model that scores it.

    \b
    Example:
      qualcode evaluate --reference researcher --method both --unit turn -o eval.csv
    """
    from qualcode.assist.evaluate import evaluate, evaluation_summary, write_evaluation
    from qualcode.store import open_project

    with open_project(project, create=False) as proj, _progress("Evaluating", "folds") as tick:
        result = evaluate(proj, reference=reference, method=method, unit=unit, folds=folds,
                          include_interviewer=include_interviewer, min_score=min_score,
                          progress=tick)
    if output is not None:
        write_evaluation(result, output)
    if as_json:
        render.print_json(evaluation_summary(result))
        return
    rows: list[tuple[object, ...]] = [
        (s.code, s.reference, s.suggested, s.correct, f"{s.precision:.2f}", f"{s.recall:.2f}",
         f"{s.f1:.2f}") for s in [*result.codes, result.micro]]
    rows.append(("macro", "", "", "", f"{result.macro.precision:.2f}",
                 f"{result.macro.recall:.2f}", f"{result.macro.f1:.2f}"))
    folds_text = f", {result.folds}-fold by document" if result.folds else ""
    title = (f"{method} vs {reference}: {result.units} {unit}(s) in {result.documents} "
             f"document(s){folds_text}")
    render.out().print(render.table(title, ["code", "reference", "suggested", "correct",
                                            "precision", "recall", "F1"], rows))
    if output is not None:
        render.message(f"wrote {output}")


@click.command("accept")
@project_option
@click.option("--min-score", required=True, type=click.FloatRange(0, 1),
              help="Accept suggestions scoring at least this.")
@click.option("--code", "code_prefixes", multiple=True, metavar="PREFIX",
              help="Only codes under PREFIX (repeatable).")
@click.option("--method", type=METHOD, help="Only suggestions made with this method.")
@click.option("--doc", "document", metavar="NAME", help="Only this document.")
@click.option("--coder", help="Who accepts (becomes the coder); needed with --yes.")
@click.option("--yes", is_flag=True, help="Apply; without it, only show what would happen.")
@json_option
def accept_cmd(project: str, min_score: float, code_prefixes: tuple[str, ...],
               method: str | None, document: str | None, coder: str | None, yes: bool,
               as_json: bool) -> None:
    """Accept pending suggestions in bulk (a dry run unless --yes).

    Applied, it is one run that `qualcode undo` reverses.

    \b
    Example:
      qualcode accept --min-score 0.8 --code stage
      qualcode accept --min-score 0.8 --code stage --coder alice --yes
    """
    from qualcode.assist.runs import accept_suggestions
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = accept_suggestions(proj, min_score=min_score, code_prefixes=list(code_prefixes),
                                    method=method, document=document, coder=coder, apply=yes)
    if as_json:
        render.print_json({"applied": report.applied, "run_id": report.run_id,
                           "accepted" if report.applied else "would_accept": report.total,
                           "by_code": report.by_code})
        return
    if report.by_code:
        title = "Accepted" if report.applied else "Would accept"
        render.out().print(render.table(title, ["code", "suggestions"], list(report.by_code.items())))
    if report.applied:
        undo = f" (run {report.run_id}; undo with: qualcode undo {report.run_id})" if report.run_id else ""
        render.message(f"accepted {report.total} suggestion(s){undo}")
    else:
        render.message(f"dry run: {report.total} suggestion(s) would be accepted; "
                       "apply with --coder NAME --yes")


@click.command("runs")
@project_option
@click.option("--kind", type=click.Choice(["suggest", "accept", "import"]), help="Only this kind.")
@json_option
def runs_cmd(project: str, kind: str | None, as_json: bool) -> None:
    """List runs (suggestions, bulk accepts, imports), newest first.

    \b
    Example:
      qualcode runs --kind suggest
    """
    from qualcode.assist.runs import list_runs
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        runs = list_runs(proj, kind=kind)
    if as_json:
        render.print_json([asdict(r) for r in runs])
        return
    rows = [(r.id, r.kind, r.actor, r.started_at, r.status,
             ", ".join(f"{k} {v}" for k, v in r.counts.items())) for r in runs]
    render.out().print(render.table(f"{len(runs)} run(s)",
                                    ["run", "kind", "actor", "started", "status", "counts"], rows))


@click.command("undo")
@click.argument("run_id")
@project_option
@click.option("--coder", default="qualcode", show_default=True, help="Who undoes it (for the log).")
@json_option
def undo_cmd(run_id: str, project: str, coder: str, as_json: bool) -> None:
    """Undo a whole run: a suggestion, accept or import run.

    Suggestions decided since the run are human work and stay.

    \b
    Example:
      qualcode undo suggest-3f2a9c1b7e
    """
    from qualcode.assist.runs import undo_run
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = undo_run(proj, run_id, actor=coder)
    if as_json:
        render.print_json(asdict(report))
        return
    render.message(f"undid {report.kind} run {run_id}: {report.removed} coding(s) removed, "
                   f"{report.restored} restored, {report.kept} kept (decided since)")


COMMANDS: list[click.Command] = [suggest_cmd, learn_cmd, evaluate_cmd, accept_cmd, runs_cmd,
                                 undo_cmd]

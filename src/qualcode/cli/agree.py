"""Several coders: agree, disagreements, adjudicate, merge."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode

if TYPE_CHECKING:
    from rich.table import Table

    from qualcode.agree import Estimate
    from qualcode.agreement import AgreementReport, CodeAgreement

UNITS = ("sentence", "turn", "document", "character")
READING = {"ok": "", "tentative": "< .800", "low": "< .667"}


class Several(click.Option):
    """An option that takes every value up to the next option: ``--coders alice bob``.

    Repeating it (``--coders alice --coders bob``) works too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            found = parser._long_opt.get(name) or parser._short_opt.get(name)
            if found is not None:
                found.process = _greedy(found.process)


def _greedy(process: Any) -> Any:
    def take_all(value: Any, state: Any) -> None:
        process(value, state)
        while state.rargs and not str(state.rargs[0]).startswith("-"):
            process(state.rargs.pop(0), state)

    return take_all


def _selection(func: Any) -> Any:
    """--coders, --unit, --codes and --docs, shared by agree and disagreements."""
    options = [
        click.option("--coders", cls=Several, required=True, metavar="CODER...",
                     help="Two or more coders; 'assistant' (or 'cues', 'model') stands for "
                          "the suggestions."),
        click.option("--unit", type=click.Choice(UNITS), default="sentence", show_default=True,
                     help="What is compared."),
        click.option("--codes", cls=Several, metavar="PREFIX...",
                     help="Only these codes or code prefixes."),
        click.option("--docs", cls=Several, metavar="DOCUMENT...", help="Only these documents."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@project_option
@_selection
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the table (.csv, .xlsx or .json).")
@click.option("--all-codes", is_flag=True, help="Also list codes no coder used.")
@json_option
def agree(project: str, coders: tuple[str, ...], unit: str, codes: tuple[str, ...],
          docs: tuple[str, ...], output: Path | None, all_codes: bool, as_json: bool) -> None:
    """Intercoder agreement per code and pooled: percent agreement, kappa, alpha.

    Cohen's kappa for two coders, Fleiss' kappa for more; Krippendorff's alpha
    (nominal) for any number; with --unit character also unitizing alpha. A coder
    who did not code a document is missing there, not "absent". Codes with alpha
    under 0.800 and under 0.667 are flagged, as Krippendorff recommends.

    \b
    Example:
      qualcode agree --coders researcher second --unit sentence
      qualcode agree --coders alice bob carol --codes challenge -o agreement.xlsx
    """
    from qualcode.agreement import agreement
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = agreement(proj, coders=coders, unit=unit, codes=codes, documents=docs)
    if output is not None:
        from qualcode.export.agreement import write_agreement

        write_agreement(report, output)
        render.message(f"wrote {output}")
    if as_json:
        render.print_json(asdict(report))
        return
    _print_report(report, all_codes=all_codes)


def _number(estimate: Estimate | None) -> str:
    if estimate is None or estimate.value is None:
        return "—"
    return f"{estimate.value:.3f}"


def _count(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _print_report(report: AgreementReport, *, all_codes: bool) -> None:
    from qualcode.agreement import NOT_USED

    console = render.out()
    shown = [r for r in report.codes if all_codes or r.alpha.reason != NOT_USED]
    count_keys = list(report.pooled.counts)
    columns = ["code", *count_keys, "agree", report.kappa_name.split("'")[0] + " κ", "α"]
    if report.unit == "character":
        columns.append("uα")
    columns.append("reading")
    rows = [_row(r, report.unit) for r in (*shown, report.pooled)]
    compared = ", ".join(report.documents) or "none"
    title = (f"Agreement of {', '.join(report.coders)} by {report.unit}: {_count(report.units)} "
             f"unit(s) every coder coded, in {len(report.documents)} document(s): {compared}")
    console.print(_compact(render.table(title, columns, rows)))
    hidden = len(report.codes) - len(shown)
    if hidden:
        console.print(f"{hidden} code(s) no coder used are not shown (--all-codes lists them).")
    for coder, names in report.missing.items():
        if names:
            console.print(f"{coder} did not code {len(names)} document(s): {', '.join(names)} "
                          "(missing there, not absent)")
    console.print("How it is computed:")
    for line in report.formulas:
        console.print(f"  - {line}", soft_wrap=True)


def _compact(table: Table) -> Table:
    """Light rules, right-aligned numbers; on a narrow terminal the headers wrap, not the codes."""
    from rich import box

    table.box = box.SIMPLE_HEAD
    table.columns[0].no_wrap = True
    for column in table.columns[1:-1]:
        column.justify = "right"
        column.overflow = "ellipsis"
    return table


def _row(row: CodeAgreement, unit: str) -> list[str]:
    from qualcode.agreement import NOT_USED, ON_EVERY_UNIT

    short = {NOT_USED: "not used", ON_EVERY_UNIT: "on every unit"}
    cells = [row.code, *(_count(v) for v in row.counts.values()), _number(row.percent),
             _number(row.kappa), _number(row.alpha)]
    if unit == "character":
        cells.append(_number(row.unitizing))
    note = row.alpha.reason or row.kappa.reason or ""
    cells.append(short.get(note, note) if row.flag == "undefined" else READING[row.flag])
    return cells


@click.command()
@project_option
@_selection
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The review sheet to write (.xlsx, or .csv).")
@json_option
def disagreements(project: str, coders: tuple[str, ...], unit: str, codes: tuple[str, ...],
                  docs: tuple[str, ...], output: Path, as_json: bool) -> None:
    """List every unit on which the coders gave different codes, for a consensus decision.

    Each row shows the unit in its context and each coder's codes; fill in the
    decision column (a coder's name, both, neither) or the consensus codes, then
    run `qualcode adjudicate`.

    \b
    Example:
      qualcode disagreements --coders researcher second -o disagreements.xlsx
    """
    from qualcode.disagreements import find_disagreements
    from qualcode.export.agreement import write_disagreements
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        table, found = find_disagreements(proj, coders=coders, unit=unit, codes=codes,
                                          documents=docs)
    write_disagreements(table.coders, found, output)
    compared = sum(1 for d in table.documents if all(d.present))
    if as_json:
        render.print_json({"path": str(output), "disagreements": len(found), "unit": unit,
                           "documents": compared})
        return
    render.message(f"wrote {len(found)} disagreement(s) by {unit} in {compared} document(s) "
                   f"coded by {', '.join(table.coders)} to {output}")


@click.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@project_option
@click.option("--as", "as_coder", default="consensus", show_default=True,
              help="The coder the decisions are recorded as.")
@json_option
def adjudicate(file: Path, project: str, as_coder: str, as_json: bool) -> None:
    """Import the decisions of a disagreements sheet as codings of a consensus coder.

    The original coders' codings are kept. Rows that cannot be applied are listed
    (exit code 3); running it again adds nothing new.

    \b
    Example:
      qualcode adjudicate disagreements.xlsx --as consensus
    """
    from qualcode.disagreements import adjudicate as run_adjudicate
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = run_adjudicate(proj, file, coder=as_coder)
    if as_json:
        render.print_json(asdict(report))
    for problem in report.problems:
        render.error(problem)
    render.message(f"{file}: {report.applied} decision(s) applied, {report.undecided} row(s) "
                   f"undecided, {len(report.problems)} cannot be applied; {report.added} coding(s) "
                   f"added for {as_coder}, {report.duplicates} already present (run {report.run_id})")
    if report.problems:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _coder_pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{value!r} is not OLD=NEW", param_hint="'--coder-map'")
        pairs[old.strip()] = new.strip()
    return pairs


@click.command()
@click.argument("other", type=click.Path(path_type=Path, dir_okay=False))
@project_option
@click.option("--coder-map", "coder_map", multiple=True, metavar="OLD=NEW",
              help="Rename a coder of the other project (repeatable).")
@click.option("--on-conflict", type=click.Choice(["fail", "keep", "theirs"]), default="fail",
              show_default=True,
              help="When a code, case or memo differs: stop, keep ours, or take theirs.")
@json_option
def merge(other: Path, project: str, coder_map: tuple[str, ...], on_conflict: str,
          as_json: bool) -> None:
    """Bring the codes, cases, documents and codings of another project into this one.

    Documents are matched by their text; one missing here is copied. Codings on a
    document whose text differs are placed again by their quotes, or reported.
    Nothing is overwritten unless --on-conflict theirs, and the other project is
    only read. Merging twice adds nothing the second time.

    \b
    Example:
      qualcode merge ../second-coder.db --coder-map researcher=second
    """
    from qualcode.merge import merge_project
    from qualcode.store import open_project

    mapping = _coder_pairs(coder_map)
    with open_project(project, create=False) as proj:
        report = merge_project(proj, other, coder_map=mapping, on_conflict=on_conflict)
    if as_json:
        render.print_json(asdict(report))
    for conflict in report.conflicts:
        render.warning(f"{conflict} (resolved: {'ours kept' if on_conflict == 'keep' else 'theirs taken'})")
    for lost in report.codings_lost:
        render.error(lost)
    render.message(
        f"merged {other}: {len(report.codes_added)} code(s), {len(report.cases_added)} case(s), "
        f"{len(report.documents_copied)} document(s) copied, {len(report.documents_matched)} "
        f"matched, {len(report.documents_reanchored)} with another text; {report.codings_added} "
        f"coding(s) added, {report.codings_present} already here, {report.codings_moved} moved, "
        f"{len(report.codings_lost)} not placed (run {report.run_id})")
    if report.codings_lost:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


COMMANDS: list[click.Command] = [agree, disagreements, adjudicate, merge]

"""Reviewing suggestions: one key per decision in the terminal, or a spreadsheet round trip."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import CodingError, ExitCode

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from qualcode.context import Context, ReviewItem
    from qualcode.models import Code
    from qualcode.review import ReviewSession

KEYS = (
    ("a", "accept"), ("r", "reject"), ("s", "skip"), ("c", "change code"), ("w", "widen to turn"),
    ("n", "narrow to sentence"), ("m", "memo"), ("u", "undo"), ("q", "quit"), ("?", "help"),
)
HELP = """\
a  accept the suggestion (you become its coder)
r  reject it (it will not be suggested again)
s  skip it for now (it stays pending)
c  change the code: reject this one and code the passage with another code
w  widen the passage to the speaker's whole turn
n  narrow the passage to one sentence (the one with the evidence)
m  add a memo to the suggestion
u  undo the last step (decisions are put back exactly)
q  quit; every decision so far is already saved
?  this help"""
ACTIONS = {"a": "accept", "r": "reject", "w": "widen", "n": "narrow"}


class Keys:
    """Single key presses on a terminal; one key per line when stdin is a pipe or file."""

    def __init__(self) -> None:
        self.terminal = sys.stdin.isatty()

    def key(self) -> str | None:
        """The next key (lower case), or ``None`` at the end of input."""
        if self.terminal:
            while True:
                try:
                    pressed = click.getchar()
                except EOFError:
                    return None
                if pressed.strip():
                    return pressed.lower()
        while True:
            line = sys.stdin.readline()
            if not line:
                return None
            if line.strip():
                return line.strip()[0].lower()

    def line(self, console: Console, prompt: str) -> str:
        """A line of text typed after a prompt (empty at the end of input)."""
        console.print(prompt, end="")
        answer = sys.stdin.readline()
        if not self.terminal:
            console.print()
        return answer.strip()


def _marked(text: str, marks: tuple[tuple[int, int], ...]) -> Text:
    from rich.text import Text

    passage = Text(text, style="bold")
    for start, end in marks:
        passage.stylize("bold underline black on yellow", start, end)
    return passage


def _context_text(context: Context, speaker: str) -> Text:
    from rich.text import Text

    label = f"{context.speaker}: " if context.speaker not in ("", speaker) else ""
    return Text(label + context.text, style="dim")


def item_view(item: ReviewItem, position: int, total: int) -> RenderableType:
    """One suggestion on screen: where it is, the passage in its context, code and evidence."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    coding = item.coding
    where = Text.assemble((coding.document, "bold"), f"  case {item.case or '-'}  ",
                          (f"{item.speaker or '-'}", "bold"), f" ({item.role or 'no turn'})")
    passage = Table.grid(padding=(0, 1))
    passage.add_column(width=1)
    passage.add_column(ratio=1)
    if item.before is not None:
        passage.add_row("", _context_text(item.before, item.speaker))
    passage.add_row(Text("▶", style="bold yellow"), _marked(coding.quote, item.marks))
    if item.after is not None:
        passage.add_row("", _context_text(item.after, item.speaker))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(ratio=1)
    facts.add_row("Code", Text.assemble((coding.code, "bold cyan"), f"  {item.code.name}"))
    for label, value in (("Definition", item.code.definition), ("Include", item.code.include),
                         ("Exclude", item.code.exclude)):
        if value:
            facts.add_row(label, value)
    score = "-" if coding.score is None else f"{coding.score:.2f}"
    facts.add_row("Score", f"{score}  ({coding.origin}, {coding.coder})")
    facts.add_row("Evidence", coding.rationale or "-")
    if coding.memo:
        facts.add_row("Memo", coding.memo)
    title = f"suggestion {position + 1} of {total} · coding {coding.id} · {coding.start}-{coding.end}"
    return Panel(Group(where, Text(""), passage, Text(""), facts), title=title,
                 title_align="left")


def key_lines(width: int) -> Text:
    """The keys and what they do, wrapped between pairs (never inside one)."""
    from rich.text import Text

    legend = Text()
    used = 0
    for key, label in KEYS:
        size = len(key) + 1 + len(label)
        if used and used + 2 + size > width:
            legend.append("\n")
            used = 0
        elif used:
            legend.append("  ")
            used += 2
        legend.append(key, style="bold")
        legend.append(f" {label}")
        used += size
    return legend


def _choose_code(session: ReviewSession, item: ReviewItem, keys: Keys, console: Console) -> str:
    choices: list[Code] = session.likely_codes(item)
    for number, code in enumerate(choices, start=1):
        console.print(f"  {number}  {code.id}  [dim]{code.name}[/]", highlight=False)
    answer = keys.line(console, "Code (number, id or name; empty cancels): ")
    return session.resolve_code(answer, choices) if answer else ""


def _step(session: ReviewSession, item: ReviewItem, key: str, keys: Keys,
          console: Console) -> str:
    """Carry out one key; returns the notice to show next."""
    coding_id = item.coding.id
    if key in ACTIONS:
        decision = session.decide(ACTIONS[key])
        return f"{decision.action}: coding {coding_id}"
    if key == "s":
        session.skip()
        return f"skipped coding {coding_id}"
    if key == "c":
        code = _choose_code(session, item, keys, console)
        if not code:
            return "change cancelled"
        session.decide("change", code=code)
        return f"changed coding {coding_id} to {code}"
    if key == "m":
        memo = keys.line(console, "Memo (empty cancels): ")
        if not memo:
            return "memo cancelled"
        session.decide("memo", memo=memo)
        return f"memo saved on coding {coding_id}"
    if key == "u":
        step = session.undo()
        return "nothing to undo" if step is None else f"undid {step.action} of coding {step.coding_id}"
    if key == "?":
        return HELP
    shown = key if len(key) <= 12 else f"{key[:12]}…"
    return f"unknown key {shown!r}: press ? for help"


def review_loop(session: ReviewSession, keys: Keys, console: Console) -> None:
    """Show each pending suggestion and take one key, until the queue ends or q."""
    notice = ""
    while (item := session.current()) is not None:
        if keys.terminal:
            console.clear()
        if notice:
            console.print(notice, highlight=False, markup=False)
        console.print(item_view(item, session.position, session.total))
        console.print(key_lines(console.width))
        key = keys.key()
        if key is None or key == "q":
            return
        try:
            notice = _step(session, item, key, keys, console)
        except CodingError as exc:
            notice = f"Error: {exc}"
    if notice and notice != HELP:
        console.print(notice, highlight=False, markup=False)
    console.print("No suggestion left in this review.")


def _summary(session: ReviewSession) -> str:
    counts = session.summary()
    return (f"accepted {counts['accepted']}, rejected {counts['rejected']}, changed "
            f"{counts['changed']}, skipped {counts['skipped']} (widened {counts['widened']}, "
            f"narrowed {counts['narrowed']}, memos {counts['memos']}); {counts['left']} not seen")


def _interactive(project: str, coder: str, code_prefixes: tuple[str, ...], document: str | None,
                 order: str) -> None:
    from qualcode.review import ReviewSession
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        session = ReviewSession(proj, coder=coder, code_prefixes=code_prefixes,
                                document=document, order=order)
        if session.total == 0:
            render.message("no pending suggestions to review")
            return
        interrupted = False
        try:
            review_loop(session, Keys(), render.out())
        except KeyboardInterrupt:
            interrupted = True
        finally:
            render.message(_summary(session))
    if interrupted:
        render.message("Interrupted; every decision so far is saved.")
        raise click.exceptions.Exit(int(ExitCode.INTERRUPTED))


def _export(project: str, path: Path, code_prefixes: tuple[str, ...], document: str | None,
            order: str, as_json: bool) -> None:
    from qualcode.review_sheet import export_review_sheet
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        rows = export_review_sheet(proj, path, code_prefixes=code_prefixes, document=document,
                                   order=order)
    if as_json:
        render.print_json({"path": str(path), "rows": rows})
    render.message(f"wrote {rows} suggestion(s) to {path}")


def _import(project: str, path: Path, coder: str, dry_run: bool, as_json: bool) -> None:
    from qualcode.review_sheet import import_review_sheet
    from qualcode.store import open_project

    with open_project(project, create=False) as proj:
        report = import_review_sheet(proj, path, coder=coder, dry_run=dry_run)
    if as_json:
        render.print_json(asdict(report))
    for problem in report.problems:
        render.error(problem)
    verb = "would apply" if dry_run else "applied"
    render.message(f"{path}: {verb}: accepted {report.accepted}, rejected {report.rejected}, "
                   f"changed {report.changed}; {report.blank} blank, {report.already} already "
                   f"applied, {len(report.problems)} row(s) not applied")
    if report.problems:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


@click.command()
@project_option
@click.option("--code", "code_prefixes", multiple=True, metavar="PREFIX",
              help="Only suggestions of codes under this id (repeatable).")
@click.option("--doc", "document", metavar="NAME", help="Only suggestions in this document.")
@click.option("--order", type=click.Choice(["score", "document"]), default="score",
              show_default=True, help="Highest score first, or in document order.")
@click.option("--coder", help="Who reviews; becomes the coder of what you decide.")
@click.option("--export", "export_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the pending suggestions to this .xlsx sheet instead.")
@click.option("--import", "import_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Apply the decisions of a filled-in review sheet.")
@click.option("--dry-run", is_flag=True, help="With --import: check and count, change nothing.")
@json_option
def review(project: str, code_prefixes: tuple[str, ...], document: str | None, order: str,
           coder: str | None, export_path: Path | None, import_path: Path | None, dry_run: bool,
           as_json: bool) -> None:
    """Review pending suggestions: accept, reject, change, widen, narrow, memo, undo.

    Shows each suggestion in its context and takes one key per decision (? for
    help). Each decision is saved at once, so quitting or a crash loses nothing.
    With --export, writes the suggestions to a spreadsheet with a decision
    column; --import applies the filled-in sheet and lists rows that no longer
    match the project.

    \b
    Example:
      qualcode review --coder alice --code challenge --order document
      qualcode review --export review.xlsx --doc ai2-olmo
      qualcode review --import review.xlsx --coder alice --dry-run
    """
    if export_path is not None and import_path is not None:
        raise click.UsageError("give --export or --import, not both")
    if dry_run and import_path is None:
        raise click.UsageError("--dry-run goes with --import")
    if export_path is not None:
        _export(project, export_path, code_prefixes, document, order, as_json)
        return
    if not coder:
        raise click.UsageError("--coder is required: who takes the decisions")
    if import_path is not None:
        _import(project, import_path, coder, dry_run, as_json)
        return
    _interactive(project, coder, code_prefixes, document, order)


COMMANDS: list[click.Command] = [review]

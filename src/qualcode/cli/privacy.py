"""Participants' privacy: check-privacy and pseudonymise."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from qualcode.cli import render
from qualcode.cli._options import json_option, project_option
from qualcode.errors import ExitCode

if TYPE_CHECKING:
    from qualcode.privacy import Entities


@click.command("check-privacy")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@project_option
@click.option("--names", "names_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A file of real names to look for, one per line.")
@click.option("--entities", type=click.Choice(["person", "all", "none"]), default="person",
              show_default=True,
              help="Named entities to report when a pretrained spaCy pipeline is installed "
                   "(all: people, places and organisations).")
@click.option("--spacy-model", metavar="NAME", help="The installed spaCy pipeline to use.")
@json_option
def check_privacy(paths: tuple[Path, ...], project: str, names_file: Path | None, entities: str,
                  spacy_model: str | None, as_json: bool) -> None:
    """Look for personal data that should not survive anonymisation.

    Checks the transcripts in PATHS (files or folders), or without PATHS the documents
    of the project, for e-mail and web addresses, IP addresses, phone numbers, postcodes
    and street addresses, dates of birth, identity, bank and card numbers, speaker labels
    that look like real names, the names in --names, and (when a pretrained spaCy
    pipeline is installed) names of people. Findings show a masked excerpt only. Exit
    code 4 means something was found.

    \b
    Example:
      qualcode check-privacy transcripts/ --names real-names.txt
    """
    from qualcode.privacy import check_paths, check_project, read_names
    from qualcode.store import open_project

    names = read_names(names_file) if names_file is not None else []
    wanted = cast("Entities", entities)
    if paths:
        report = check_paths(list(paths), names=names, entities=wanted, spacy_model=spacy_model)
    else:
        with open_project(project, create=False) as proj:
            report = check_project(proj, names=names, entities=wanted, spacy_model=spacy_model)
    if as_json:
        render.print_json(asdict(report))
    else:
        for finding in report.findings:
            click.echo(str(finding))
        for note in report.notes:
            render.message(f"Note: {note}")
        for error in report.errors:
            render.error(error)
        render.message(_summary(report))
    if report.findings:
        raise click.exceptions.Exit(int(ExitCode.INVALID))
    if report.errors:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


def _summary(report: object) -> str:
    from qualcode.privacy import PrivacyReport

    assert isinstance(report, PrivacyReport)
    checked = f"{report.documents} document(s) checked"
    if not report.findings:
        return f"{checked}: nothing found"
    documents = len({finding.document for finding in report.findings})
    return (f"{checked}: {len(report.findings)} finding(s) in {documents} document(s); "
            "edit them, or replace names with `qualcode pseudonymise`")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--map", "mapping", required=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="CSV/XLSX with the columns name and pseudonym.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the pseudonymised copies (created if needed).")
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False),
              help="The key file to write [default: OUTPUT-key.csv beside OUTPUT].")
@json_option
def pseudonymise(paths: tuple[Path, ...], mapping: Path, output: Path, key: Path | None,
                 as_json: bool) -> None:
    """Write copies of transcripts with names replaced by pseudonyms.

    Whole words only, any letter case, possessives included ("Anna's" becomes
    "Beth's"); all-lower-case words are left alone. A .docx becomes a .txt of its
    text. The key (pseudonym, name, count) goes to a separate file, never into the
    output folder or the project. Running it again gives the same files.

    \b
    Example:
      qualcode pseudonymise interviews/ --map names.csv -o pseudonymised/
    """
    from qualcode.pseudonymise import pseudonymise_paths

    report = pseudonymise_paths(list(paths), mapping=mapping, output=output, key=key)
    if as_json:
        render.print_json({**asdict(report), "key": str(report.key)})
    else:
        for item in report.files:
            count = sum(item.replacements.values())
            pseudonyms = ", ".join(f"{p} ×{n}" for p, n in item.replacements.items())
            render.message(f"{item.output}: {count} replacement(s)"
                           + (f" ({pseudonyms})" if pseudonyms else ""))
        for error in report.errors:
            render.error(error)
        render.message(f"wrote {len(report.files)} file(s) to {output} and the key to "
                       f"{report.key}; keep the key apart from the data")
    if report.errors:
        raise click.exceptions.Exit(int(ExitCode.PARTIAL))


COMMANDS: list[click.Command] = [check_privacy, pseudonymise]

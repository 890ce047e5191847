"""Hostile and broken inputs (tests/data/bad/, made by make_bad.py): for each one, the exact
error line naming the file (and line or row) with what to do, a documented exit code, no
traceback, and the project byte for byte as it was; ingest, a batch command, still takes
the good file given beside a bad one.

A few inputs are readable and are accepted with a warning instead (UTF-16 without a
byte-order mark, overlapping cues, no speaker labels, a cases row for an unknown document,
a repeated codings row); for those the test checks the warning and the invariants.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.corpus import ingest_paths
from qualcode.errors import ExitCode, InputError
from qualcode.ingest import ReadOptions, read_documents
from qualcode.project import install_codebook, list_documents
from qualcode.store import open_project
from tests.conftest import DATA, PROJECT_DATA, assert_invariants, file_digest

BAD = DATA / "bad"
INGEST = ("ingest",)
CASES = ("ingest", "--cases")
CODEBOOK = ("codebook", "load")
CODINGS = ("import-codings",)
REFI = ("import", "qdpx")
EMPTY = "(leave it out, or check that it is the file you meant)"
REFI_DTD = ("project.qde: refused: the XML has a document type declaration (<!DOCTYPE>), which "
            "REFI files never need and which can hide entity attacks "
            "(export the project again from the QDA program)")
NOT_PLACED = "nothing imported: 1 row(s) cannot be placed (fix them, or pass --skip-bad)"
REFUSED_XML = ("refused: the XML part 'word/document.xml' declares a document type (<!DOCTYPE>), "
               "as entity-expansion and external-entity attacks do "
               "(if the file is genuine, save it again from Word)")


def _huge_single_line(folder: Path) -> None:
    with (folder / "huge-single-line.txt").open("wb") as handle:
        handle.write(b"Interviewer: ")
        for _ in range(50):
            handle.write(b"a" * (1024 * 1024))


@dataclass(frozen=True)
class Bad:
    """One input, the command that reads it, and what must come out (``*`` ends a prefix)."""

    file: str
    command: tuple[str, ...]
    exit: ExitCode
    lines: tuple[str, ...]
    make: Callable[[Path], None] | None = None

    @property
    def accepted(self) -> bool:
        return self.exit == ExitCode.OK


def _error(file: str, message: str) -> tuple[str, ...]:
    return (f"Error: {file}{message}",)


def _row(file: str, message: str) -> tuple[str, ...]:
    return (f"Error: {file}:{message}", f"{file}: {NOT_PLACED}")


P = ExitCode.PARTIAL
E = ExitCode.ERROR
V = ExitCode.INVALID
OK = ExitCode.OK

CASES_OF_BAD_INPUT = [
    # transcripts
    Bad("empty.txt", INGEST, P, _error("empty.txt", f": file is empty {EMPTY}")),
    Bad("whitespace-only.txt", INGEST, P,
        _error("whitespace-only.txt", f": file contains only whitespace {EMPTY}")),
    Bad("photo-renamed.txt", INGEST, P, _error(
        "photo-renamed.txt", ": is a PNG image, not a transcript (give the file its real "
        "suffix, or save the text as a UTF-8 .txt file)")),
    Bad("nul-bytes.txt", INGEST, P, _error(
        "nul-bytes.txt", ":1: contains NUL bytes, so it is not a plain-text transcript (if it is "
        "UTF-16 text, pass --encoding utf-16-le or utf-16-be; otherwise remove the NUL bytes)")),
    Bad("invalid-utf8-middle.txt", INGEST, P, _error(
        "invalid-utf8-middle.txt", ":3: cannot be decoded as utf-8 (byte 0xff at offset 54) "
        "(the rest of the file is UTF-8: fix or delete this byte, or pass --encoding)")),
    Bad("utf16-no-bom.txt", INGEST, OK, (
        ("Warning: utf16-no-bom.txt: decoded as utf-16-le (no byte-order mark); "
        "pass --encoding to choose"),)),
    Bad("utf16-no-bom-chinese.txt", INGEST, P, _error(
        "utf16-no-bom-chinese.txt", ":2: contains NUL bytes, so it is not a plain-text "
        "transcript (if it is UTF-16 text, pass --encoding utf-16-le or utf-16-be; otherwise "
        "remove the NUL bytes)")),
    Bad("huge-single-line.txt", INGEST, P, _error(
        "huge-single-line.txt", ": file is too large (over 20 MB) (split it into smaller files)"),
        make=_huge_single_line),
    Bad("no-speaker-labels.txt", INGEST, OK, (
        "Warning: no-speaker-labels.txt: no speaker labels found; the whole text is one turn",)),
    Bad("malformed-timestamp.vtt", INGEST, P, _error(
        "malformed-timestamp.vtt", ":6: malformed cue timing '00:00:05.000 --> 00:00:6O.000' "
        "(write it like 00:00:01.000 --> 00:00:04.000)")),
    Bad("overlapping-cues.vtt", INGEST, OK, (
        ("Warning: overlapping-cues.vtt: 1 cue start before the previous cue ends "
        "(first at line 6); kept in order"),)),
    Bad("backwards-cue.srt", INGEST, P, _error(
        "backwards-cue.srt", ":6: cue ends before it starts '00:00:09,000 --> 00:00:05,000' "
        "(correct one of the two times)")),
    Bad("missing-header.vtt", INGEST, P, _error(
        "missing-header.vtt", ":1: missing WEBVTT header (a WebVTT file starts with a line "
        "'WEBVTT')")),
    Bad("unclosed-front-matter.md", INGEST, P, _error(
        "unclosed-front-matter.md", ":1: front matter is not closed (close it with a '---' "
        "line, or remove the first '---' line)")),
    Bad("front-matter-deeply-nested.md", INGEST, P, _error(
        "front-matter-deeply-nested.md", ":2: front matter is nested too deeply (keep the "
        "front matter to simple name: value lines)")),
    Bad("report.pdf", INGEST, P, _error(
        "report.pdf", ": cannot read a file type '.pdf' (qualcode reads .csv, .docx, .markdown, "
        ".md, .srt, .txt, .vtt, .xlsx)")),
    Bad("truncated.docx", INGEST, P, _error(
        "truncated.docx", ": not a valid .docx file (damaged zip archive) "
        "(save it again from Word)")),
    Bad("html-renamed.docx", INGEST, P, _error(
        "html-renamed.docx", ": not a valid .docx file (not a zip archive) "
        "(open it in Word and save it in the .docx format)")),
    Bad("zip-bomb.docx", INGEST, P, _error(
        "zip-bomb.docx", ": refused: the archive entry 'word/document.xml' is compressed 685 "
        "times (limit 100), like a zip bomb (if the file is genuine, save it again from Word)")),
    Bad("external-entity.docx", INGEST, P, _error("external-entity.docx", f": {REFUSED_XML}")),
    Bad("billion-laughs.docx", INGEST, P, _error("billion-laughs.docx", f": {REFUSED_XML}")),
    # codebooks
    Bad("codebook-tabs.yaml", CODEBOOK, V, _error(
        "codebook-tabs.yaml", ":5: tab character used for indentation; use spaces")),
    Bad("codebook-duplicate-keys.yaml", CODEBOOK, V, _error(
        "codebook-duplicate-keys.yaml", ":9: duplicate key 'name' (first on line 8)")),
    Bad("codebook-duplicate-ids.yaml", CODEBOOK, V, _error(
        "codebook-duplicate-ids.yaml", ":9: duplicate id 'domain.compute' "
        "(first defined on line 7)")),
    Bad("codebook-parent-cycle.yaml", CODEBOOK, V, _error(
        "codebook-parent-cycle.yaml", ":9: parent cycle: domain.a -> domain.b -> domain.a")),
    Bad("codebook-unknown-stage.yaml", CODEBOOK, V, _error(
        "codebook-unknown-stage.yaml", ":15: stage 'stage.post' of code 'domain.compute' is "
        "not a stage code (stage.pre)")),
    Bad("codebook-broken-pattern.yaml", CODEBOOK, V, _error(
        "codebook-broken-pattern.yaml", ":10: pattern 1 of code 'domain.compute': token 2 "
        "LOWERR: Extra inputs are not permitted")),
    Bad("codebook-alias-bomb.yaml", CODEBOOK, V, _error(
        "codebook-alias-bomb.yaml", ":7: YAML aliases (*name) expand the codebook beyond "
        "100,000 values; write the values out instead of repeating aliases")),
    Bad("codebook-deeply-nested.yaml", CODEBOOK, V, _error(
        "codebook-deeply-nested.yaml", ":4: the YAML is nested too deeply to be a codebook")),
    Bad("codebook-binary.yaml", CODEBOOK, V, _error(
        "codebook-binary.yaml", ":1: not UTF-8 text (byte 0x89); save the codebook as UTF-8")),
    # cases files
    Bad("cases-missing-column.csv", CASES, E, _error(
        "cases-missing-column.csv", ": needs a 'document' or a 'case' column "
        "(columns: interview, organisation)")),
    Bad("cases-duplicate-rows.csv", CASES, E, _error(
        "cases-duplicate-rows.csv", ":3: duplicate document 'interview-a' (also on row 2)")),
    Bad("cases-unknown-document.csv", CASES, OK, (
        "Warning: cases-unknown-document.csv:3: 'interview-q' matches no document or case",)),
    Bad("cases-several-sheets.xlsx", CASES, E, _error(
        "cases-several-sheets.xlsx", ": has 2 sheets with data ('Cases', 'More cases'); "
        "qualcode reads one table per file (move the table to one sheet and delete the "
        "others, or save that sheet as CSV)")),
    Bad("cases-formula-without-value.xlsx", CASES, E, _error(
        "cases-formula-without-value.xlsx", ":2: cell C2 holds a formula ('=LOWER(\"AFRICA\")') "
        "without a stored value; qualcode never calculates formulas (open and save the file "
        "in Excel, or paste the cells as values)")),
    # codings sheets
    Bad("codings-missing-columns.csv", CODINGS, E, _error(
        "codings-missing-columns.csv", ":1: missing column(s): code, coder (or pass --coder); "
        "found: document, quote")),
    Bad("codings-duplicate-rows.csv", CODINGS, OK, (
        "codings-duplicate-rows.csv: 1 coding(s) added, 1 already present, 0 skipped (run *",)),
    Bad("codings-unknown-document.csv", CODINGS, E, _row(
        "codings-unknown-document.csv", "3: unknown document 'interview-q' "
        "(see `qualcode documents` for the names)")),
    Bad("codings-unknown-code.csv", CODINGS, E, _row(
        "codings-unknown-code.csv", "3: unknown code 'domain.gpus' "
        "(see `qualcode codebook show`)")),
    Bad("codings-quote-not-found.csv", CODINGS, E, _row(
        "codings-quote-not-found.csv", "3: quote not found: 'compute from a private cluster' "
        "(check the wording; case and punctuation count)")),
    Bad("codings-formula-cells.csv", CODINGS, E, _row(
        "codings-formula-cells.csv", "3: unknown document "
        "'=HYPERLINK(\"http://example.org/?x=\"&A1,\"open\")' "
        "(see `qualcode documents` for the names)")),
    Bad("codings-ragged-row.csv", CODINGS, E, _error(
        "codings-ragged-row.csv", ":3: row has 6 values but the header has 4 (put values that "
        "contain the delimiter in double quotes, or name the extra columns)")),
    Bad("codings-binary.csv", CODINGS, E, _error(
        "codings-binary.csv", ": is a zip archive (perhaps a .docx or .xlsx file), not a table "
        "(give the file its real suffix, or save the table as a UTF-8 CSV file)")),
    Bad("codings-several-sheets.xlsx", CODINGS, E, _error(
        "codings-several-sheets.xlsx", ": has 2 sheets with data ('Alice', 'Bob'); qualcode "
        "reads one table per file (move the table to one sheet and delete the others, or save "
        "that sheet as CSV)")),
    # REFI-QDA exchange files (the reader is qualcode.refi.safety)
    Bad("refi-billion-laughs.qdpx", REFI, E, _error("refi-billion-laughs.qdpx", f":{REFI_DTD}")),
    Bad("refi-external-entity.qdpx", REFI, E, _error("refi-external-entity.qdpx", f":{REFI_DTD}")),
    Bad("refi-zip-slip.qdpx", REFI, E, _error(
        "refi-zip-slip.qdpx", ": refused: the archive entry '../../evil.txt' climbs out of the "
        "archive with '..' (this file was not made by a QDA program)")),
    Bad("refi-symlink.qdpx", REFI, E, _error(
        "refi-symlink.qdpx", ": refused: the archive entry 'sources/passwd.txt' is a symbolic "
        "link (this file was not made by a QDA program)")),
    Bad("refi-zip-bomb.qdpx", REFI, E, _error(
        "refi-zip-bomb.qdpx", ": refused: the archive entry 'sources/bomb.txt' is compressed "
        "1,028 times (limit 100): a zip bomb (this file was not made by a QDA program)")),
    Bad("codings-formula-without-value.xlsx", CODINGS, E, _error(
        "codings-formula-without-value.xlsx", ":2: cell C2 holds a formula "
        "('=CONCAT(\"We had \",\"compute\")') without a stored value; qualcode never "
        "calculates formulas (open and save the file in Excel, or paste the cells as values)")),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the test codebook and both interviews, closed (WAL checkpointed)."""
    folder = tmp_path_factory.mktemp("base")
    with open_project(folder / "base.db") as project:
        install_codebook(project, PROJECT_DATA / "codebook.yaml")
        report = ingest_paths(project, [PROJECT_DATA / "interview-a.txt",
                                        PROJECT_DATA / "interview-b.md"],
                              cases=PROJECT_DATA / "cases.csv")
        assert not report.failed
    return folder / "base.db"


def _files(folder: Path) -> set[Path]:
    """Every file under ``folder`` but the project's own WAL and shared-memory files."""
    return {p for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm"))}


def _matches(expected: str, lines: list[str]) -> bool:
    if expected.endswith("*"):
        return any(line.startswith(expected[:-1]) for line in lines)
    return expected in lines


def test_every_file_in_the_folder_has_a_case() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.name != "make_bad.py"}
    covered = {bad.file for bad in CASES_OF_BAD_INPUT if bad.make is None}
    assert on_disk == covered
    assert len(CASES_OF_BAD_INPUT) >= 30


@pytest.mark.parametrize("bad", CASES_OF_BAD_INPUT, ids=lambda bad: bad.file)
def test_bad_input(bad: Bad, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(base, "qualcode.db")
    if bad.make is not None:
        bad.make(tmp_path)
    else:
        shutil.copy(BAD / bad.file, bad.file)
    before = file_digest(tmp_path / "qualcode.db")
    files = _files(tmp_path.parent)
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200", "QUALCODE_PROJECT": None})
    result = runner.invoke(cli, [*bad.command, bad.file], catch_exceptions=False)
    lines = result.stderr.splitlines()
    assert result.exit_code == bad.exit, result.stderr
    for expected in bad.lines:
        assert _matches(expected, lines), (expected, lines)
    assert "Traceback" not in result.output + result.stderr
    with open_project(tmp_path / "qualcode.db", create=False) as project:
        assert_invariants(project)
    if bad.accepted:
        return
    assert [line for line in lines if line.startswith("Error:")] == [
        line for line in bad.lines if line.startswith("Error:")]
    assert file_digest(tmp_path / "qualcode.db") == before
    assert _files(tmp_path.parent) == files  # nothing written anywhere, inside or out
    if bad.command == INGEST:
        _good_file_still_goes_in(runner, bad, lines)


def _good_file_still_goes_in(runner: CliRunner, bad: Bad, lines: list[str]) -> None:
    shutil.copy(PROJECT_DATA / "interview-a.txt", "interview-c.txt")
    result = runner.invoke(cli, ["ingest", bad.file, "interview-c.txt"], catch_exceptions=False)
    assert result.exit_code == ExitCode.PARTIAL
    after = result.stderr.splitlines()
    assert [line for line in after if line.startswith("Error:")] == [
        line for line in lines if line.startswith("Error:")]
    assert after[-1] == "1 added, 1 failed; 0 case row(s) applied"
    with open_project("qualcode.db", create=False) as project:
        assert [d.name for d in list_documents(project)] == [
            "interview-a", "interview-b", "interview-c"]


def test_debug_shows_the_traceback(base: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(base, "qualcode.db")
    shutil.copy(BAD / "cases-several-sheets.xlsx", "cases.xlsx")
    runner = CliRunner(env={"QUALCODE_PROJECT": None})
    with pytest.raises(InputError) as caught:
        runner.invoke(cli, ["--debug", "ingest", "--cases", "cases.xlsx"], catch_exceptions=False)
    assert caught.value.path == "cases.xlsx"


FLOODS = [
    ("tags.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nP01: " + "<" * 300_000),
    ("braces.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nP01: " + "{\\" * 150_000),
    ("voices.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nP01: " + "<v" * 150_000),
    ("quotes.csv", "a,b\n" + ',"' * 30_000),
]


@pytest.mark.parametrize(("name", "text"), FLOODS, ids=[name for name, _ in FLOODS])
def test_a_flood_of_markup_is_read_in_linear_time(tmp_path: Path, name: str, text: str) -> None:
    # each took from seconds to minutes while a pattern (ours, or csv.Sniffer's on a large
    # sample) could scan to the end of the line from every '<' or '"'
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    started = time.monotonic()
    if name.endswith(".csv"):
        with pytest.raises(InputError) as caught:
            read_documents(path, options=ReadOptions(text_column="b"))
        assert str(caught.value).startswith(f"{path}:2: row has 15001 values but the header has 2")
    else:
        (doc,) = read_documents(path)
        assert doc.turns[0].speaker == "P01"
    assert time.monotonic() - started < 3

"""Every file qualcode writes appears whole or not at all: a temporary file in the same
folder, then a rename; an interrupted write leaves the previous file and no temporary."""

from __future__ import annotations

import builtins
import io
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qualcode import fileio
from qualcode.cli import cli
from qualcode.coding import import_codings
from qualcode.errors import ExportError
from qualcode.export.segments import export_segments
from qualcode.store import Project
from qualcode.store import engine as store_engine
from qualcode.verify import backup_project

OLD = b"the previous, complete file\n"


class Interrupted(RuntimeError):
    """Stands for a crash, a full disk or Ctrl-C half way through a write."""


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _assert_interrupted_write_keeps(target: Path, write: Callable[[], object]) -> None:
    """``write`` (which fails half way) leaves ``target`` as it was, and no temporary file."""
    target.write_bytes(OLD)
    with pytest.raises(Interrupted):
        write()
    assert target.read_bytes() == OLD
    assert _leftovers(target.parent) == []


@pytest.fixture
def coded(loaded: Project, work: Path) -> Project:
    assert import_codings(loaded, work / "codings.csv").committed
    return loaded


def _half_then_fail(write: Callable[[Path], None]) -> Callable[..., None]:
    """A writer that puts half of the real output at its target, then fails."""

    def broken(target: Any, *_args: Any, **_kwargs: Any) -> None:
        scratch = Path(str(target) + ".scratch")
        write(scratch)
        data = scratch.read_bytes()
        scratch.unlink()
        if hasattr(target, "write"):
            target.write(data[: len(data) // 2].decode("utf-8", "ignore"))
        else:
            Path(target).write_bytes(data[: len(data) // 2])
        raise Interrupted

    return broken


class _FailingHandle:
    """A text file that writes half of what it is given, then fails."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise Interrupted

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> _FailingHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.fixture
def failing_text_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text written to a temporary file beside its target fails half way."""
    real = Path.open

    def flaky(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real(self, mode, *args, **kwargs)
        temporary = self.name.startswith(".") and self.name.endswith(".tmp")
        return _FailingHandle(handle) if temporary and "w" in mode and "b" not in mode else handle

    monkeypatch.setattr(Path, "open", flaky)


@pytest.mark.usefixtures("failing_text_writes")
def test_interrupted_csv_export_keeps_the_previous_file(coded: Project, tmp_path: Path) -> None:
    target = tmp_path / "segments.csv"
    _assert_interrupted_write_keeps(target, lambda: export_segments(coded, target))


@pytest.mark.usefixtures("failing_text_writes")
def test_interrupted_pseudonymise_keeps_the_previous_copy(work: Path) -> None:
    from qualcode.pseudonymise import pseudonymise_paths

    (work / "map.csv").write_text("name,pseudonym\nSwahili,Language A\n", encoding="utf-8")
    out = work / "out"
    out.mkdir()
    _assert_interrupted_write_keeps(out / "interview-a.txt", lambda: pseudonymise_paths(
        [work / "interview-a.txt"], mapping=work / "map.csv", output=out))


def test_interrupted_xlsx_export_keeps_the_previous_file(coded: Project, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    from qualcode.pipeline import write_thematic_tables

    real = Workbook.save

    def broken(book: Workbook, filename: Any) -> None:
        _half_then_fail(lambda scratch: real(book, scratch))(filename)

    monkeypatch.setattr(Workbook, "save", broken)
    _assert_interrupted_write_keeps(
        tmp_path / "tables.xlsx", lambda: write_thematic_tables(coded, tmp_path, formats=("xlsx",)))


def test_interrupted_backup_keeps_the_previous_backup(coded: Project, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = store_engine.backup_to

    def broken(engine: Any, path: Path) -> None:
        _half_then_fail(lambda scratch: real(engine, scratch))(path)

    import qualcode.verify as verify_module

    monkeypatch.setattr(verify_module, "backup_to", broken)
    target = tmp_path / "backup.db"
    _assert_interrupted_write_keeps(target, lambda: backup_project(coded, target))


def test_a_failed_text_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "notes.md"

    def write() -> None:
        with fileio.atomic_text(target) as handle:
            handle.write("half of the new text")
            raise Interrupted

    _assert_interrupted_write_keeps(target, write)


def test_new_files_are_private_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.csv"
    with fileio.atomic_bytes(fresh) as handle:
        handle.write(b"x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    shared = tmp_path / "shared.csv"
    shared.write_bytes(OLD)
    shared.chmod(0o644)
    with fileio.atomic_text(shared) as handle:
        handle.write("new")
    assert (shared.read_text(encoding="utf-8"), stat.S_IMODE(shared.stat().st_mode)) == ("new", 0o644)


@pytest.mark.parametrize(("name", "message"), [
    ("missing/out.csv", "the folder does not exist (create it first)"),
    ("folder", "is a folder, not a file (name a file to write)"),
])
def test_atomic_write_errors(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(ExportError) as caught, fileio.atomic_text(tmp_path / name):
        pass
    assert str(caught.value) == f"{tmp_path / name}: {message}"


# every writer goes through fileio --------------------------------------------------------

WRITING_COMMANDS = [
    ("export", "segments", "-o", "out/segments.csv"),
    ("export", "segments", "-o", "out/segments.xlsx"),
    ("export", "frequencies", "-o", "out/frequencies.xlsx"),
    ("export", "matrix", "-o", "out/matrix.csv"),
    ("export", "cooccurrence", "-o", "out/cooccurrence.xlsx"),
    ("export", "qdc", "-o", "out/codebook.qdc"),
    ("export", "qdpx", "-o", "out/project.qdpx"),
    ("tables", "--format", "md", "--format", "csv", "--format", "tex", "--format", "xlsx",
     "-o", "out"),
    ("report", "-o", "out/report.html"),
    ("backup", "-o", "out/backup.db"),
    ("pseudonymise", "interview-a.txt", "--map", "map.csv", "-o", "out/pseudonymised"),
]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path opened for writing through Python's open()."""
    found: list[str] = []
    real_open = io.open

    def spy(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, Path)) and any(flag in mode for flag in "wax+"):
            found.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(builtins, "open", spy)
    return found


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_written_file_goes_through_a_temporary(command: tuple[str, ...], coded: Project,
                                                     work: Path, runner: CliRunner,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     opened: list[str]) -> None:
    monkeypatch.chdir(work)
    (work / "out").mkdir()
    (work / "map.csv").write_text("name,pseudonym\nSwahili,Language A\n", encoding="utf-8")
    opened.clear()
    result = runner.invoke(cli, [*command, "--project", str(coded.target)]
                           if command[0] != "pseudonymise" else list(command),
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    written = sorted(p for p in (work / "out").rglob("*") if p.is_file())
    assert written, "the command wrote nothing"
    for path in opened:
        if Path(path).is_dir():
            continue  # an anonymous temporary file (O_TMPFILE), not an output
        name = Path(path).name
        assert name.startswith("."), f"{command[0]} opened {path} directly"
        assert name.endswith(".tmp"), f"{command[0]} opened {path} directly"
    assert _leftovers(work / "out") == []

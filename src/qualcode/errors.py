"""The one exception hierarchy of qualcode, and the exit codes the CLI maps it to.

Errors a user can fix are :class:`UserError` subclasses. They carry the file, the line
(or row) and a hint, and render as one line: ``path:line: message (hint)``.
Anything else that escapes the library is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Exit status of the ``qualcode`` command."""

    OK = 0
    ERROR = 1  # a user error: bad input, unknown document, refused change
    USAGE = 2  # bad command-line arguments (click's own code)
    PARTIAL = 3  # a batch finished, but some of its inputs failed
    INVALID = 4  # a validation command found problems (codebook validate, verify)
    INTERRUPTED = 130


def location(path: str | Path | None, line: int | None = None) -> str:
    """Render ``path:line`` (either part may be missing) as used in every message."""
    if path is None:
        return f"line {line}" if line is not None else ""
    return f"{path}:{line}" if line is not None else str(path)


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a file."""

    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = location(self.path, self.line)
        return f"{where}: {self.message}" if where else self.message


class QualcodeError(Exception):
    """Root of every exception qualcode raises on purpose."""

    exit_code: ExitCode = ExitCode.ERROR


class UserError(QualcodeError):
    """An error the user can fix: names the file (and line) and says what to do."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = location(self.path, self.line)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class InputError(UserError):
    """An input file cannot be read or parsed."""


class ProjectError(UserError):
    """The project store refuses an operation or is not usable."""


class CodingError(UserError):
    """A coding cannot be placed or changed."""


class ExportError(UserError):
    """An export cannot be written."""


class ValidationError(UserError):
    """A file has one or more problems; all of them are listed in ``problems``."""

    exit_code = ExitCode.INVALID

    def __init__(self, problems: Sequence[Problem], *, path: str | Path | None = None) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = str(self.problems[0]) if self.problems else "invalid"
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        super().__init__(f"{head}{more}")
        self.path = str(path) if path is not None else None

    def __str__(self) -> str:
        return self.message

    def lines(self) -> list[str]:
        """Every problem as one ``FILE:LINE: message`` line."""
        return [str(p) for p in self.problems]


class CodebookError(ValidationError):
    """A codebook file has problems."""


def collect(problems: Iterable[Problem], *, path: str | Path | None = None) -> None:
    """Raise :class:`ValidationError` when ``problems`` is not empty."""
    found = list(problems)
    if found:
        raise ValidationError(found, path=path)

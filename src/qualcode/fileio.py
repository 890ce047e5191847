"""Writing files atomically: a temporary file in the same folder, then a rename.

A reader (or a crash) sees either the old file or the complete new one, never half a
file, and a failed write leaves no temporary file behind. The data reaches the disk
(``fsync``) before the rename. A new file is readable by its owner only (it holds
interview data); a replaced file keeps the permissions it had.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from qualcode.errors import ExportError


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only on success."""
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        msg = "the folder does not exist"
        raise ExportError(msg, path=target, hint="create it first")
    if target.is_dir():
        msg = "is a folder, not a file"
        raise ExportError(msg, path=target, hint="name a file to write")
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        _sync(tmp)
        _keep_mode(target, tmp)
        tmp.replace(target)
        _sync_folder(folder)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_text(target: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open a text file for writing (UTF-8) that appears at ``target`` only when complete."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline=newline) as handle:
        yield handle


@contextmanager
def atomic_bytes(target: Path) -> Iterator[IO[bytes]]:
    """Open a binary file for writing that appears at ``target`` only when complete."""
    with atomic_path(target) as tmp, tmp.open("wb") as handle:
        yield handle


def _keep_mode(target: Path, tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.chmod(stat.S_IMODE(target.stat().st_mode))


def _sync(path: Path) -> None:
    # Windows cannot fsync a read-only descriptor; there the rename is still atomic
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only)."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY | flag)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

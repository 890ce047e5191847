"""Reading untrusted REFI-QDA files: zip archives and XML, with limits.

XML is parsed with defusedxml and any document type declaration is refused (REFI files
never need one; it is where entity bombs and external entities live). Comments are kept,
because qualcode stores its own fields in one (see :mod:`qualcode.refi.extras`).

An archive is refused outright when an entry has an absolute path, a ``..`` part, a
backslash or NUL in its name, is a symbolic link or is encrypted, when it declares more
than :data:`MAX_TOTAL` bytes in all or :data:`MAX_ENTRY` bytes in one entry, or when a
large entry is compressed more than :data:`MAX_RATIO` times (a zip bomb). Entries are
read into memory while counting bytes, never extracted to disk.
"""

from __future__ import annotations

import re
import stat
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qualcode.errors import InputError
from qualcode.ingest.normalise import read_bytes

MAX_ENTRIES = 10_000
MAX_ENTRY = 256 * 1024 * 1024
MAX_TOTAL = 1024 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024  # smaller entries may compress as much as they like
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass
class Archive:
    """A ``.qdpx`` opened for reading (or a bare ``.qde``, with no members)."""

    path: Path
    qde_name: str
    qde: bytes
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    def member(self, reference: str) -> bytes | None:
        """The bytes of the entry an ``internal://`` path (or a bare file name) points to.

        Entries are looked up by their base name, in any folder and letter case, as
        programs disagree on ``sources/`` and ``Sources/``. ``None`` when absent.
        """
        name = reference.split("://", 1)[1] if "://" in reference else reference
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        info = self.members.get(base) or self.members.get(base.casefold())
        if info is None:
            return None
        with zipfile.ZipFile(self.path) as archive:
            return _read_entry(archive, info, self.path)


def open_archive(path: Path) -> Archive:
    """Open a ``.qdpx`` (zip) or a bare ``.qde``/XML file, checking every entry."""
    if not path.is_file():
        raise InputError("file not found", path=path)
    if not zipfile.is_zipfile(path):
        data = read_bytes(path, limit=MAX_ENTRY)
        if data.startswith(b"PK") or path.suffix.lower() == ".qdpx":
            reason = "damaged zip archive" if data.startswith(b"PK") else "not a zip archive"
            raise InputError(f"not a valid .qdpx file ({reason})", path=path)
        if len(data) > MAX_ENTRY:
            raise InputError(f"the file is larger than {MAX_ENTRY:,} bytes", path=path)
        return Archive(path, path.name, data)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(infos, path)
            qde = _project_entry(infos, path)
            members: dict[str, zipfile.ZipInfo] = {}
            for info in infos:
                base = info.filename.rsplit("/", 1)[-1]
                if base and not info.is_dir():
                    members.setdefault(base, info)
                    members.setdefault(base.casefold(), info)
            return Archive(path, qde.filename, _read_entry(archive, qde, path), members)
    except zipfile.BadZipFile as exc:
        raise InputError(f"damaged zip archive ({exc})", path=path) from None


def _check_entries(infos: list[zipfile.ZipInfo], path: Path) -> None:
    if len(infos) > MAX_ENTRIES:
        raise InputError(f"the archive has more than {MAX_ENTRIES:,} entries", path=path)
    total = 0
    for info in infos:
        reason = unsafe_reason(info)
        if reason is not None:
            msg = f"refused: the archive entry {info.filename!r} {reason}"
            raise InputError(msg, path=path, hint="this file was not made by a QDA program")
        total += info.file_size
    if total > MAX_TOTAL:
        msg = f"refused: the archive would unpack to {total:,} bytes (limit {MAX_TOTAL:,})"
        raise InputError(msg, path=path)


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why an entry must not be read (``None`` when it is fine)."""
    name = info.filename
    parts = PurePosixPath(name).parts
    if "\x00" in name or "\\" in name:
        return "has a backslash or NUL in its name"
    if name.startswith("/") or _DRIVE.match(name):
        return "has an absolute path"
    if ".." in parts:
        return "climbs out of the archive with '..'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.file_size > MAX_ENTRY:
        return f"would unpack to {info.file_size:,} bytes (limit {MAX_ENTRY:,})"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (f"is compressed {info.file_size // max(info.compress_size, 1):,} times "
                f"(limit {MAX_RATIO}): a zip bomb")
    return None


def _project_entry(infos: list[zipfile.ZipInfo], path: Path) -> zipfile.ZipInfo:
    found = [i for i in infos if "/" not in i.filename and i.filename.lower().endswith(".qde")]
    if len(found) != 1:
        what = "no project.qde" if not found else f"{len(found)} .qde files"
        raise InputError(f"not a REFI-QDA project: the archive holds {what} at its top level",
                         path=path)
    return found[0]


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    # zipfile stops at the declared size and checks the CRC, so a lying header fails
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_ENTRY + 1)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot read the entry {info.filename!r} ({exc})", path=path) from None
    if len(data) > MAX_ENTRY:
        raise InputError(f"refused: the entry {info.filename!r} is too large", path=path)
    return data


def parse_xml(data: bytes, *, path: Path | str) -> ET.Element:
    """Parse untrusted XML (comments kept); refuse DTDs and entities; errors name the line."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=ET.TreeBuilder(insert_comments=True), forbid_dtd=True)
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except DefusedXmlException:
        msg = ("refused: the XML has a document type declaration (<!DOCTYPE>), which REFI "
               "files never need and which can hide entity attacks")
        raise InputError(msg, path=path, hint="export the project again from the QDA program") from None
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise InputError(f"not well-formed XML ({reason})", path=path, line=line) from None
    return root

"""Pseudonymised copies of transcripts, and the key that links pseudonyms to names.

The map is a CSV/XLSX sheet with the columns ``name`` and ``pseudonym``. Every occurrence
of a name as a whole word is replaced, longest name first, in one pass (a pseudonym is
never replaced again): ``Anna`` and ``ANNA`` become ``Beth`` and ``BETH``, ``Anna's``
becomes ``Beth's``, ``Annabel`` stays. An all-lower-case occurrence is left alone, since
``rose`` or ``will`` is a word, not a name. Text files keep their format and line endings
(written as UTF-8); a ``.docx`` becomes a ``.txt`` of the text qualcode reads from it, so
no header, comment or hidden text survives. The same inputs always give the same files.

The key file (CSV: pseudonym, name, replacements, files) is written beside the output
folder, never inside it, and the project is not touched.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.corpus import expand_paths
from qualcode.errors import InputError, QualcodeError, UserError
from qualcode.fileio import atomic_text
from qualcode.ingest import read_documents
from qualcode.ingest.normalise import decode_bytes, read_bytes
from qualcode.ingest.tables import find_column, read_rows
from qualcode.privacy import TEXT_SUFFIXES, names_pattern, sorted_names

KEY_COLUMNS = ("pseudonym", "name", "replacements", "files")


@dataclass(frozen=True)
class Replacement:
    """One row of the map."""

    name: str
    pseudonym: str
    row: int


@dataclass(frozen=True)
class PseudonymisedFile:
    """One copy written: from where, to where, and replacements per pseudonym (never names)."""

    source: str
    output: str
    replacements: dict[str, int]


@dataclass
class PseudonymiseReport:
    """The copies written, the files that could not be read, and where the key went."""

    files: list[PseudonymisedFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    key: Path | None = None


def read_map(path: Path) -> list[Replacement]:
    """Read the ``name``/``pseudonym`` sheet; an empty cell or a repeated name is an error."""
    columns, rows = read_rows(path)
    name_column = find_column(columns, "name", option="the map", path=path)
    pseudonym_column = find_column(columns, "pseudonym", option="the map", path=path)
    seen: dict[str, int] = {}
    found = []
    for number, values in rows:
        name = " ".join(values[name_column].split())
        pseudonym = values[pseudonym_column]
        if not name or not pseudonym:
            column = name_column if not name else pseudonym_column
            raise InputError(f"no value in column {column!r}", path=path, line=number)
        if not any(ch.isalpha() for ch in name):
            raise InputError("a name needs at least one letter", path=path, line=number)
        if name.casefold() in seen:
            message = f"the name on this row repeats row {seen[name.casefold()]}"
            raise InputError(message, path=path, line=number, hint="keep one row per name")
        seen[name.casefold()] = number
        found.append(Replacement(name, pseudonym, number))
    if not found:
        raise InputError("the map has no rows", path=path, hint="add name,pseudonym rows")
    return found


class Pseudonymiser:
    """Replaces the names of a map in texts (see the module docstring)."""

    def __init__(self, replacements: Sequence[Replacement]) -> None:
        by_name = {r.name: r.pseudonym for r in replacements}
        self.names = sorted_names(by_name)
        self.pseudonyms = [by_name[name] for name in self.names]
        self.pattern = names_pattern(self.names)

    def replace(self, text: str) -> tuple[str, Counter[str]]:
        """``text`` with every name replaced, and how often each name was replaced."""
        counts: Counter[str] = Counter()
        if self.pattern is None:
            return text, counts

        def swap(match: re.Match[str]) -> str:
            found = match.group(0)
            if found == found.lower():
                return found
            index = (match.lastindex or 1) - 1
            pseudonym = self.pseudonyms[index]
            counts[self.names[index]] += 1
            return pseudonym.upper() if found.isupper() and len(found) > 1 else pseudonym

        return self.pattern.sub(swap, unicodedata.normalize("NFC", text)), counts


def pseudonymise_paths(
    paths: Sequence[Path], *, mapping: Path, output: Path, key: Path | None = None
) -> PseudonymiseReport:
    """Write pseudonymised copies of the transcripts in ``paths`` into ``output``.

    Folders give the transcripts under them (keeping sub-folders). A file that cannot be
    read is listed in ``errors`` and the others are still written. Returns the report
    with the key file's path.
    """
    replacements = read_map(mapping)
    key = key if key is not None else output.parent / f"{output.name}-key.csv"
    _check_places(paths, output, key)
    output.mkdir(parents=True, exist_ok=True)
    worker = Pseudonymiser(replacements)
    pseudonym_of = {r.name: r.pseudonym for r in replacements}
    report = PseudonymiseReport(key=key)
    totals: Counter[str] = Counter()
    files: dict[str, list[str]] = {}
    for source, target in _targets(paths, output):
        try:
            text = _read(source)
        except QualcodeError as exc:
            report.errors.append(str(exc))
            continue
        new_text, counts = worker.replace(text)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text(target, newline="") as handle:
            handle.write(new_text)
        per_pseudonym: Counter[str] = Counter()
        for name, count in counts.items():
            per_pseudonym[pseudonym_of[name]] += count
            files.setdefault(name, []).append(target.relative_to(output).as_posix())
        report.files.append(PseudonymisedFile(str(source), str(target),
                                              dict(sorted(per_pseudonym.items()))))
        totals.update(counts)
    _write_key(key, replacements, totals, files)
    return report


def _check_places(paths: Sequence[Path], output: Path, key: Path) -> None:
    resolved = output.resolve()
    if key.resolve().is_relative_to(resolved):
        msg = "the key file must not be written into the output folder"
        raise UserError(msg, path=key, hint="name a place outside it with --key")
    for path in paths:
        if path.is_dir() and resolved.is_relative_to(path.resolve()):
            msg = "the output folder is (or is inside) a folder of originals"
            raise UserError(msg, path=output, hint="choose a separate folder for the copies")


def _targets(paths: Sequence[Path], output: Path) -> list[tuple[Path, Path]]:
    pairs: list[tuple[Path, Path]] = []
    seen: dict[Path, Path] = {}
    for path in paths:
        sources = expand_paths([path]) if path.is_dir() else [path]
        for source in sources:
            relative = source.relative_to(path) if path.is_dir() else Path(source.name)
            if source.suffix.lower() == ".docx":
                relative = relative.with_suffix(".txt")
            target = output / relative
            if target in seen:
                msg = f"two inputs would both be written to {target} ({seen[target]} and {source})"
                raise UserError(msg, hint="pseudonymise them into separate folders")
            seen[target] = source
            pairs.append((source, target))
    return pairs


def _read(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES or suffix == ".csv":
        text, _ = decode_bytes(read_bytes(path), path=path)
        return text.lstrip("\ufeff")
    if suffix == ".docx":
        (doc,) = read_documents(path)
        return doc.text + "\n"
    hint = ("save the table as CSV first" if suffix == ".xlsx"
            else "qualcode pseudonymises .txt, .md, .vtt, .srt, .docx and .csv files")
    raise InputError(f"cannot pseudonymise a {suffix or 'suffix-less'} file", path=path, hint=hint)


def _write_key(key: Path, replacements: Sequence[Replacement], totals: Counter[str],
               files: dict[str, list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(KEY_COLUMNS)
    for item in sorted(replacements, key=lambda r: (r.pseudonym, r.name)):
        writer.writerow([item.pseudonym, item.name, totals[item.name],
                         ";".join(sorted(files.get(item.name, [])))])
    if not key.parent.exists():
        msg = "the folder for the key file does not exist"
        raise UserError(msg, path=key, hint="create it first")
    with atomic_text(key, newline="") as handle:
        handle.write(buffer.getvalue())

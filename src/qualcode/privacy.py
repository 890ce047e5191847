"""Checking transcripts for personal data that should not survive anonymisation.

The fast checks (:mod:`qualcode.pii`) look for e-mail and web addresses, IP addresses,
phone numbers, postcodes and street addresses, dates of birth and identity numbers; a
speaker label that reads like a real name (``Anna Schmidt:``, ``Dr. Meyer:``) rather than
a pseudonym or a role (``P03:``, ``Interviewer:``) is flagged too. With ``names``, every
capitalised occurrence of those names (and of each part of a full name) is found. When a
pretrained spaCy pipeline is installed, its named entities are added: people by default,
places and organisations with ``entities="all"``.

A finding names its document and line and shows a masked excerpt only (``j***@e***.org``):
nothing this module returns holds more of what it found.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from qualcode.errors import QualcodeError, location
from qualcode.ingest import read_documents
from qualcode.ingest.normalise import load_text, read_bytes
from qualcode.ingest.tables import read_table
from qualcode.ingest.transcript import NAME_PARTICLES
from qualcode.models import ParsedDocument, Turn
from qualcode.pii import KIND_NAMES, Hit, Kind, find_all, mask, without_overlaps
from qualcode.store import Project
from qualcode.store import documents as store_documents

Entities = Literal["none", "person", "all"]
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".vtt", ".srt"})
_ENTITY_KINDS: dict[str, Kind] = {"PERSON": "person", "PER": "person", "GPE": "place",
                                  "LOC": "place", "FAC": "place", "ORG": "organisation"}
_TITLE_WORDS = """
dr dr. prof prof. mr mr. mrs mrs. ms ms. miss mx mx. sir dame herr frau madame monsieur mme
mme. m.
"""
_ROLE_WORDS = """
interviewer interviewee participant respondent speaker moderator facilitator researcher
host guest int ir ie resp child parent teacher student nurse doctor patient manager member
person voice unknown unidentified audience narrator translator interpreter observer chair
panellist panelist caller agent staff all both group everyone several crosstalk team
"""
_TITLES = frozenset(_TITLE_WORDS.split())
_ROLES = frozenset(_ROLE_WORDS.split())


@dataclass(frozen=True)
class Finding:
    """Something that looks like personal data: where it is and a masked excerpt."""

    document: str
    line: int | None
    column: int | None
    kind: Kind
    excerpt: str

    def __str__(self) -> str:
        return f"{location(self.document, self.line)}: {KIND_NAMES[self.kind]}: {self.excerpt}"


@dataclass
class PrivacyReport:
    """Findings of a check, the files that could not be read, and notes on what was skipped."""

    documents: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Source:
    """A text to scan, the speakers of its turns (with an offset each) and its line numbers."""

    name: str
    text: str
    speakers: list[tuple[str, int]] = field(default_factory=list)
    lines: list[int] | None = None  # file line (or row) of each text line, when they differ


def read_names(path: Path) -> list[str]:
    """Names to look for: one per line; blank lines and lines starting with ``#`` are skipped."""
    text, _ = load_text(path, read_bytes(path))
    return [line.strip() for line in text.split("\n") if line.strip() and not
            line.lstrip().startswith("#")]


def check_paths(paths: Sequence[Path], *, names: Sequence[str] = (),
                entities: Entities = "person", spacy_model: str | None = None) -> PrivacyReport:
    """Check transcript files (folders: the transcripts in them) and explicitly named tables."""
    from qualcode.corpus import expand_paths

    report = PrivacyReport()
    sources = []
    for path in expand_paths(paths):
        try:
            sources.append(_file_source(path))
        except QualcodeError as exc:
            report.errors.append(str(exc))
    _check(sources, report, names=names, entities=entities, spacy_model=spacy_model)
    return report


def check_project(project: Project, *, names: Sequence[str] = (),
                  entities: Entities = "person", spacy_model: str | None = None) -> PrivacyReport:
    """Check the stored text of every document of ``project`` (lines of the stored text)."""
    with project.read() as conn:
        sources = [
            _Source(doc.name, doc.text,
                    _speakers(doc.text, store_documents.document_turns(conn, doc.id)))
            for doc in store_documents.all_documents(conn)
        ]
    report = PrivacyReport()
    _check(sources, report, names=names, entities=entities, spacy_model=spacy_model)
    return report


def check_parsed(doc: ParsedDocument) -> list[Finding]:
    """The fast checks over a document as a reader made it (used by ``ingest``)."""
    attributes = "\n".join(f"{key}: {value}" for key, value in doc.attributes.items())
    source = _Source(doc.source_path, doc.text + ("\n" + attributes if attributes else ""),
                     _speakers(doc.text, doc.turns))
    return _findings(source, _fast_hits(source, ()))


def summarise(findings: Sequence[Finding]) -> str:
    """One line: how many findings of each kind, with the first masked excerpt of each."""
    counts = Counter(finding.kind for finding in findings)
    first: dict[str, str] = {}
    for finding in findings:
        first.setdefault(finding.kind, finding.excerpt)
    parts = [f"{KIND_NAMES[kind]}{'' if n == 1 else f' ×{n}'} ({first[kind]})"
             for kind, n in counts.items()]
    return "possible personal data: " + ", ".join(parts)


def _check(sources: list[_Source], report: PrivacyReport, *, names: Sequence[str],
           entities: Entities, spacy_model: str | None) -> None:
    hits = [_fast_hits(source, names) for source in sources]
    if entities != "none":
        extra = _entity_hits(sources, report, entities=entities, spacy_model=spacy_model)
        hits = [without_overlaps(fast + more) for fast, more in zip(hits, extra, strict=True)]
    for source, found in zip(sources, hits, strict=True):
        report.findings.extend(_findings(source, found))
    report.documents = len(sources)


def _fast_hits(source: _Source, names: Sequence[str]) -> list[Hit]:
    # speaker labels first, so a label that is also a listed name is reported as a label
    labels = [Hit(offset, offset + len(name), "speaker_name") for name, offset in source.speakers
              if looks_like_real_name(name)]
    return without_overlaps(labels + find_all(source.text) + list(_name_hits(source.text, names)))


def _findings(source: _Source, hits: Iterable[Hit]) -> list[Finding]:
    found = []
    for hit in hits:
        line_start = source.text.rfind("\n", 0, hit.start) + 1
        line = source.text.count("\n", 0, hit.start) + 1
        if source.lines is not None:
            line = source.lines[line - 1]
        value = source.text[hit.start : hit.end]
        found.append(Finding(source.name, line, hit.start - line_start + 1, hit.kind,
                             mask(value, hit.kind)))
    return found


def looks_like_real_name(label: str) -> bool:
    """True for a speaker label such as ``Anna Schmidt`` or ``Dr. Meyer``.

    Labels with a digit, a role word (``Participant A``), short capitals (``INT``) or a
    single word (``Anna`` may be a pseudonym) are not flagged.
    """
    words = label.split()
    folded = [word.casefold() for word in words]
    if not words or any(ch.isdigit() for ch in label) or any(w in _ROLES for w in folded):
        return False
    if folded[0] in _TITLES:
        return len(words) >= 2 and _name_word(words[1])
    capitalised = [word for word in words if _name_word(word)]
    rest = [w for w, f in zip(words, folded, strict=True) if not _name_word(w) and f not in NAME_PARTICLES]
    return 2 <= len(capitalised) <= 4 and not rest


def _name_word(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return len(letters) >= 2 and letters.isalpha() and word[0].isupper() and not word.isupper()


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One expression for all ``names`` as whole words, longest first, any white space inside.

    It ignores case; callers skip an all-lower-case match (``rose`` the flower is not
    ``Rose``). Group ``i`` matches ``sorted_names(names)[i - 1]``.
    """
    ordered = sorted_names(names)
    if not ordered:
        return None
    parts = ("(" + r"\s+".join(re.escape(piece) for piece in name.split()) + ")" for name in ordered)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def sorted_names(names: Iterable[str]) -> list[str]:
    """Distinct names, longest first (so ``Anna Schmidt`` wins over ``Anna``), then alphabetical."""
    unique = {" ".join(name.split()) for name in names if name.strip()}
    return sorted(unique, key=lambda name: (-len(name), name))


def _name_hits(text: str, names: Sequence[str]) -> Iterable[Hit]:
    expanded = set(names)
    for name in names:
        expanded.update(part for part in name.split() if _name_word(part)
                        and part.casefold() not in NAME_PARTICLES)
    pattern = names_pattern(expanded)
    if pattern is None:
        return
    for match in pattern.finditer(text):
        if match.group(0) != match.group(0).lower():
            yield Hit(match.start(), match.end(), "listed_name")


def _entity_hits(sources: list[_Source], report: PrivacyReport, *, entities: Entities,
                 spacy_model: str | None) -> list[list[Hit]]:
    from qualcode.nlp import entity_spans, installed_ner_pipeline

    model = spacy_model or installed_ner_pipeline()
    if model is None:
        report.notes.append("no pretrained spaCy pipeline is installed; names of people were "
                            "found only through --names")
        return [[] for _ in sources]
    wanted = {"person"} if entities == "person" else {"person", "place", "organisation"}
    found = []
    for spans in entity_spans((source.text for source in sources), model=model):
        kinds = ((start, end, _ENTITY_KINDS.get(label)) for start, end, label in spans)
        found.append([Hit(start, end, kind) for start, end, kind in kinds
                      if kind is not None and kind in wanted])
    return found


def _speakers(text: str, turns: Iterable[Turn]) -> list[tuple[str, int]]:
    """Each distinct speaker with the offset of its label before its first turn."""
    first: dict[str, int] = {}
    for turn in turns:
        if turn.speaker and turn.speaker not in first:
            line_start = text.rfind("\n", 0, turn.start) + 1
            label = text.rfind(turn.speaker, line_start, turn.start)
            first[turn.speaker] = label if label >= 0 else max(text.find(turn.speaker), 0)
    return [(name, offset) for name, offset in first.items()
            if text[offset : offset + len(name)] == name]


def _file_source(path: Path) -> _Source:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text, _ = load_text(path, read_bytes(path))
        return _Source(str(path), text, _label_offsets(path, text))
    if suffix in (".csv", ".xlsx"):
        _, rows, _ = read_table(path, read_bytes(path))
        lines = [" | ".join(value for value in values.values() if value) for _, values in rows]
        return _Source(str(path), "\n".join(lines), lines=[number for number, _ in rows])
    (doc,) = read_documents(path)  # .docx; any other suffix is refused by the reader
    return _Source(str(path), doc.text, _speakers(doc.text, doc.turns))


def _label_offsets(path: Path, text: str) -> list[tuple[str, int]]:
    """Speakers of a text transcript, each at the first place its label stands in ``text``."""
    try:
        docs = read_documents(path)
    except QualcodeError:
        return []  # the text is still checked; `qualcode ingest` reports what is wrong
    found = []
    for doc in docs:
        for speaker, _ in _speakers(doc.text, doc.turns):
            offset = _label_in(text, speaker)
            if offset is not None:
                found.append((speaker, offset))
    return found


def _label_in(text: str, speaker: str) -> int | None:
    """Where ``speaker`` first starts a line of ``text`` after markup or a time (else anywhere)."""
    start = text.find(speaker)
    first = start if start >= 0 else None
    while start >= 0:
        before = text[text.rfind("\n", 0, start) + 1 : start]
        if not any(ch.isalpha() for ch in before):
            return start
        start = text.find(speaker, start + 1)
    return first

"""Speaker labels: how the text of a transcript is cut into turns.

A turn starts at a line that begins with a speaker label and runs until the next line that
does (so a turn may span several lines and paragraphs). Text before the first label is a
preamble turn without a speaker (role ``other``). A Markdown heading line (``# ...``,
``## ...``) also ends the current turn: the heading and any text after it up to the next
label form a turn without a speaker. A transcript without any label is one turn without a
speaker, and the reader warns about it.

After optional indentation, a line starts with a label when it reads like one of these::

    Name: text                    P03: text                INT: text
    **Name:** text                **Name**: text           *Name:* text    __Name__: text
    [00:01:23] Name: text         (00:01:23) Name: text    00:01:23 Name: text
    Name (00:01:23): text         Name [00:01:23]: text
    Name 00:01:23                 00:01:23 Name            (alone on the line; the text follows)

The colon must be followed by a space or the end of the line (a full-width ``：`` needs no
space). ``Name`` must look like a speaker, not like prose:

* 1 to 4 words and at most 40 characters, starting with a letter;
* words made only of letters, digits and ``' ’ . - _ # /``, so no commas, question marks,
  semicolons or brackets;
* every word capitalised (or in a script without case, such as Chinese, Arabic or Hebrew) or
  containing a digit (``P03``, ``p03``, ``Speaker 1``), except short name particles inside
  a name (``de``, ``van``, ``von``, ``of``, ...);
* not one of the words that introduce notes or metadata: ``Note``, ``NB``, ``PS``, ``Date``,
  ``Time``, ``Location``, ``Duration``, ``Summary``, ``Example``, ``Yes``, ``So``, ...

So ``So what I mean is: ...`` (lower-case words), ``Yes, well: ...`` (a comma) and
``Note: ...`` stay inside the current turn. A list item such as ``- P01: ...`` is not a label.
A name that is one of the interviewer labels (compared case-insensitively, also when a
number follows, as in ``Interviewer 2`` or ``INT1``) is always a label and gives the role
``interviewer``; every other speaker is a ``participant``. Markdown emphasis and the
timestamp are not part of the name; the timestamp (``h:mm:ss`` or ``mm:ss``, optionally
with a ``.mmm`` fraction) becomes the turn's media start in seconds.

``--label-pattern REGEX`` replaces this rule: the expression is matched at the start of
every line, its group ``speaker`` names the speaker (a line where it is empty is not a
label), its optional group ``time`` gives the media start, and the turn's text starts right
after the match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qualcode.errors import InputError
from qualcode.ingest.options import ReadOptions
from qualcode.models import Role, Turn

DEFAULT_OPTIONS = ReadOptions()
NO_LABELS_WARNING = "no speaker labels found; the whole text is one turn"
MAX_NAME_CHARS = 40
MAX_NAME_WORDS = 4

_TIME = r"\d{1,2}:[0-5]\d:[0-5]\d(?:[.,]\d{1,3})?|\d{1,3}:[0-5]\d(?:[.,]\d{1,3})?"
_BRACKETED = rf"\[(?:{_TIME})\]|\((?:{_TIME})\)"
_STAMP = rf"{_BRACKETED}|(?:{_TIME})"
_MARK = r"\*\*|__|\*"
_NAME = r"[^\W\d_][^\n:：*\[\]()]{0,59}?"
_LABEL_RE = re.compile(
    rf"[ \t]*(?P<m1>{_MARK})?(?:(?P<t1>{_STAMP})[ \t]+)?(?P<m2>{_MARK})?"
    rf"(?P<name>{_NAME})(?:[ \t]*(?P<t2>{_BRACKETED}))?(?P<m3>{_MARK})?"
    rf"[ \t]*(?P<colon>[:：])(?P<m4>{_MARK})?"
)
_BARE_RE = re.compile(
    rf"[ \t]*(?:(?P<t1>{_STAMP})[ \t]+(?P<name>{_NAME})|(?P<name2>{_NAME})[ \t]+(?P<t2>{_STAMP}))"
    r"[ \t]*$"
)
_HEADING_RE = re.compile(r"[ ]{0,3}#{1,6}[ \t]")
_TIME_PARTS_RE = re.compile(r"(?:(\d+):)?(\d+):(\d+)(?:[.,](\d+))?")
_NUMBERED_RE = re.compile(r"(.+?)[ _-]?\d+")
_WORD_PUNCT = frozenset("'’.-_#/")
# name particles written in lower case inside a name ("Maria de la Cruz", "Head of Sales")
_PARTICLE_WORDS = """
de da di du del della der den van von la le al el bin ben ibn of y e do dos das ter ten
zu
"""
# words that introduce notes or metadata, never a speaker on their own
_NOT_SPEAKER_WORDS = """
note notes nb n.b. ps p.s. edit update example e.g. i.e. eg ie warning important summary
context background date time duration length location place venue setting topic title
subject re tags keywords source recording transcript transcription transcriber interview
session also so well yes no ok okay and but or because then now here there why what how
who when where quote definition reason result results conclusion first second third
finally step tip remember total status end start format language theme themes memo
comment comments observation observations aside see attendees participants present
absent agenda pseudonym age gender occupation role id file audio video link url email
phone
"""
NAME_PARTICLES = frozenset(_PARTICLE_WORDS.split())
_NOT_SPEAKERS = frozenset(_NOT_SPEAKER_WORDS.split()) | {
    "transcribed by",
    "interview date",
    "date of interview",
    "interview transcript",
}


@dataclass(frozen=True)
class Label:
    """A speaker label found at the start of a line."""

    speaker: str
    text_start: int  # where the turn's text starts, counted from the start of the line
    time: float | None = None


def parse_time(stamp: str) -> float | None:
    """Seconds in ``h:mm:ss``, ``mm:ss`` (optional ``.mmm`` or ``,mmm``), brackets allowed."""
    match = _TIME_PARTS_RE.fullmatch(stamp.strip().strip("[]()"))
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (int(fraction.ljust(3, "0")[:3]) / 1000 if fraction else 0.0)


def is_interviewer(speaker: str, interviewer_labels: tuple[str, ...]) -> bool:
    """True when ``speaker`` is an interviewer label, alone or followed by a number."""
    labels = _casefolded(tuple(interviewer_labels))
    name = speaker.casefold()
    numbered = _NUMBERED_RE.fullmatch(name)
    return name in labels or (numbered is not None and numbered.group(1) in labels)


def role_for(speaker: str, interviewer_labels: tuple[str, ...]) -> Role:
    """``interviewer``, ``participant``, or ``other`` for the empty speaker."""
    if not speaker:
        return "other"
    return _speaker_role(speaker, tuple(interviewer_labels))


@lru_cache(maxsize=4096)  # a transcript names a few speakers many times
def _speaker_role(speaker: str, interviewer_labels: tuple[str, ...]) -> Role:
    return "interviewer" if is_interviewer(speaker, interviewer_labels) else "participant"


@lru_cache(maxsize=16)
def _casefolded(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(" ".join(label.split()).casefold() for label in labels)


def is_speaker_name(name: str, interviewer_labels: tuple[str, ...] = ()) -> bool:
    """Apply the default rule (see the module docstring) to a candidate speaker name."""
    if is_interviewer(name, interviewer_labels):
        return True
    words = name.split(" ")
    if not name or len(name) > MAX_NAME_CHARS or len(words) > MAX_NAME_WORDS:
        return False
    if name.casefold() in _NOT_SPEAKERS or not name[0].isalpha():
        return False
    return all(_is_name_word(word, first=i == 0) for i, word in enumerate(words))


def _is_name_word(word: str, *, first: bool) -> bool:
    if not word or not word[0].isalnum():
        return False
    if not all(ch.isalnum() or ch in _WORD_PUNCT or _is_mark(ch) for ch in word):
        return False
    if not word[0].islower() or any(ch.isdigit() for ch in word):
        return True
    return not first and word in NAME_PARTICLES


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def default_label(line: str, interviewer_labels: tuple[str, ...]) -> Label | None:
    """The label at the start of ``line`` under the default rule, or ``None``."""
    match = _LABEL_RE.match(line)
    if match is not None and _colon_ends_label(line, match) and _markup_pairs(match):
        label = _label_from(match, match.group("name"), interviewer_labels)
        if label is not None:
            return label
    bare = _BARE_RE.match(line)
    if bare is not None:
        return _label_from(bare, bare.group("name") or bare.group("name2"), interviewer_labels)
    return None


def _colon_ends_label(line: str, match: re.Match[str]) -> bool:
    end = match.end()
    return match.group("colon") == "：" or end == len(line) or line[end].isspace()


def _markup_pairs(match: re.Match[str]) -> bool:
    opening = [m for m in (match.group("m1"), match.group("m2")) if m]
    closing = [m for m in (match.group("m3"), match.group("m4")) if m]
    return opening == closing and len(opening) <= 1


def _label_from(
    match: re.Match[str], raw_name: str, interviewer_labels: tuple[str, ...]
) -> Label | None:
    name = _speaker_name(raw_name, tuple(interviewer_labels))
    if name is None:
        return None
    stamp = match.group("t1") or match.group("t2")
    return Label(name, match.end(), parse_time(stamp) if stamp else None)


@lru_cache(maxsize=4096)
def _speaker_name(raw_name: str, interviewer_labels: tuple[str, ...]) -> str | None:
    """The speaker ``raw_name`` names, or ``None`` when it is not a speaker name (a
    transcript repeats a few names many times, hence the cache)."""
    name = " ".join(raw_name.split())
    return name if is_speaker_name(name, interviewer_labels) else None


@lru_cache(maxsize=16)
def compile_label_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a ``--label-pattern``; it must have a named group ``speaker``."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise InputError(f"invalid --label-pattern {pattern!r}: {exc}") from None
    if "speaker" not in compiled.groupindex:
        hint = "write the speaker part as (?P<speaker>...)"
        raise InputError(f"--label-pattern {pattern!r} has no group named 'speaker'", hint=hint)
    return compiled


def pattern_label(
    line: str,
    pattern: re.Pattern[str],
    *,
    path: str | Path | None = None,
    line_no: int | None = None,
) -> Label | None:
    """The label a ``--label-pattern`` finds at the start of ``line``, or ``None``."""
    match = pattern.match(line)
    if match is None:
        return None
    speaker = " ".join((match.group("speaker") or "").strip("*_ \t").split())
    if not speaker:
        return None
    stamp = match.groupdict().get("time")
    time = parse_time(stamp) if stamp else None
    if stamp and time is None:
        message = f"cannot read the time {stamp!r} matched by --label-pattern"
        raise InputError(message, path=path, line=line_no)
    return Label(speaker, match.end(), time)


def strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink ``[start, end)`` past surrounding whitespace; ``None`` when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def parse_transcript(
    text: str,
    options: ReadOptions = DEFAULT_OPTIONS,
    *,
    path: str | Path | None = None,
    first_line: int = 1,
) -> tuple[list[Turn], list[str]]:
    """Cut normalised ``text`` into turns at speaker labels; return the turns and warnings.

    ``first_line`` is the file's line number of the text's first line (after front matter),
    used in error messages.
    """
    labels = list(_find_labels(text, options, path=path, first_line=first_line))
    turns: list[Turn] = []
    _add_turn(turns, text, Label("", 0), 0, labels[0][0] if labels else len(text), options)
    for i, (line_start, label) in enumerate(labels):
        end = labels[i + 1][0] if i + 1 < len(labels) else len(text)
        _add_turn(turns, text, label, line_start + label.text_start, end, options)
    has_speaker = any(label.speaker for _, label in labels)
    return turns, [] if has_speaker else [NO_LABELS_WARNING]


def _find_labels(
    text: str, options: ReadOptions, *, path: str | Path | None, first_line: int
) -> list[tuple[int, Label]]:
    pattern = compile_label_pattern(options.label_pattern) if options.label_pattern else None
    found: list[tuple[int, Label]] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=first_line):
        if _HEADING_RE.match(line):
            # a Markdown heading closes the current turn; it and what follows up to the
            # next label form a turn without a speaker (role other)
            label: Label | None = Label("", 0)
        elif pattern is not None:
            label = pattern_label(line, pattern, path=path, line_no=number) if line else None
        elif ":" in line or "：" in line:  # every default label and time stamp has a colon
            label = default_label(line, options.interviewer_labels)
        else:
            label = None
        if label is not None:
            found.append((offset, label))
        offset += len(line) + 1
    return found


def _add_turn(
    turns: list[Turn], text: str, label: Label, start: int, end: int, options: ReadOptions
) -> None:
    span = strip_span(text, start, end)
    if span is not None:
        role = role_for(label.speaker, options.interviewer_labels)
        turns.append(Turn(label.speaker, role, span[0], span[1], media_start=label.time))

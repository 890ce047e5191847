"""WebVTT and SubRip captions: cues with times become speaker turns.

A cue's speaker comes from a WebVTT voice tag (``<v Name>``) or from a speaker label at the
start of its text (``Name: ...``, the same rule as for text transcripts); a cue without
one continues the previous speaker. Consecutive cues of one speaker merge into one turn
whose media times run from the first cue's start to the last cue's end. The stored text
has one line per turn, ``Name: utterance``, with a blank line between turns; the turn's
span covers only the utterance.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal

from qualcode.errors import InputError
from qualcode.ingest.common import bytes_sha256, document_name
from qualcode.ingest.normalise import load_text
from qualcode.ingest.options import ReadOptions
from qualcode.ingest.transcript import (
    compile_label_pattern,
    default_label,
    pattern_label,
    role_for,
)
from qualcode.models import ParsedDocument, Turn

CaptionFormat = Literal["vtt", "srt"]

_HEADER_RE = re.compile(r"WEBVTT(?:[ \t].*)?")
_SKIPPED_BLOCKS_RE = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_STAMP_RE = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]{0,200})?(?:[ \t]+([^>]{0,200}))?>")
# bounded, so a payload of "<<<<..." cannot make the search quadratic
_TAG_RE = re.compile(r"<[^>]{0,200}>|\{\\[^}]{0,200}\}")
_EXAMPLE = {"vtt": "00:00:01.000 --> 00:00:04.000", "srt": "00:00:01,000 --> 00:00:04,000"}


@dataclass(frozen=True)
class Cue:
    """One caption cue: its timing line number, times and ``(speaker, text)`` parts."""

    line: int
    start: float
    end: float
    parts: tuple[tuple[str | None, str], ...]


@dataclass
class _Utterance:
    speaker: str
    start: float
    end: float
    texts: list[str] = field(default_factory=list)


def read_captions(
    path: Path, data: bytes, options: ReadOptions, *, format: CaptionFormat
) -> ParsedDocument:
    """Read a ``.vtt`` or ``.srt`` file from its bytes."""
    text, warnings = load_text(path, data, encoding=options.encoding)
    cues = list(parse_cues(text, path=path, format=format))
    if not cues:
        raise InputError("no cues found", path=path)
    warnings.extend(_overlap_warnings(cues))
    stored, turns = _stored_text(_utterances(cues, options, path=path), options)
    return ParsedDocument(
        name=document_name(path),
        format=format,
        text=stored,
        turns=tuple(turns),
        source_path=str(path),
        source_sha256=bytes_sha256(data),
        warnings=tuple(warnings),
    )


def parse_cues(text: str, *, path: Path, format: CaptionFormat) -> Iterator[Cue]:
    """Yield the cues of normalised caption ``text``; malformed timings raise with the line."""
    blocks = _blocks(text.split("\n"))
    if format == "vtt":
        first = next(blocks, None)
        if first is None or first[0] != 1 or not _HEADER_RE.fullmatch(first[1][0]):
            hint = "a WebVTT file starts with a line 'WEBVTT'"
            raise InputError("missing WEBVTT header", path=path, line=1, hint=hint)
        # a cue written right under the header, without the blank line
        at = next((k for k, line in enumerate(first[1]) if "-->" in line), None)
        if at is not None:
            yield from _block_cues(1 + at, first[1][at:], path=path, format=format)
    for start, lines in blocks:
        if format == "vtt" and _SKIPPED_BLOCKS_RE.fullmatch(lines[0]):
            continue
        yield from _block_cues(start, lines, path=path, format=format)


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    block: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            first = first if block else number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _block_cues(start: int, lines: list[str], *, path: Path, format: CaptionFormat) -> list[Cue]:
    """Cues in one block; a timing line inside the text starts a new cue (missing blank line)."""
    cues: list[Cue] = []
    i = 0
    while i < len(lines):
        timing = i if "-->" in lines[i] else min(i + 1, len(lines) - 1)
        if "-->" not in lines[timing]:
            found = lines[timing].strip()
            message = f"expected a cue timing line such as '{_EXAMPLE[format]}', found {found!r}"
            raise InputError(message, path=path, line=start + timing)
        begin, end = _timing(lines[timing], path=path, line_no=start + timing, format=format)
        j = timing + 1
        while j < len(lines) and "-->" not in lines[j]:
            j += 1
        payload = lines[timing + 1 : j]
        if j < len(lines) and format == "srt" and payload and payload[-1].strip().isdigit():
            payload, j = payload[:-1], j - 1  # the next cue's number
        cues.append(Cue(start + timing, begin, end, tuple(_parts("\n".join(payload)))))
        i = j
    return cues


def _timing(line: str, *, path: Path, line_no: int, format: CaptionFormat) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    fields = right.split()
    begin = _seconds(left.strip())
    end = _seconds(fields[0]) if fields else None
    if begin is None or end is None:
        hint = f"write it like {_EXAMPLE[format]}"
        message = f"malformed cue timing {line.strip()!r}"
        raise InputError(message, path=path, line=line_no, hint=hint)
    if end < begin:
        hint = "correct one of the two times"
        message = f"cue ends before it starts {line.strip()!r}"
        raise InputError(message, path=path, line=line_no, hint=hint)
    return begin, end


def _seconds(stamp: str) -> float | None:
    match = _STAMP_RE.fullmatch(stamp)
    if match is None:
        return None
    hours, minutes, seconds, millis = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return whole + int(millis.ljust(3, "0")) / 1000


def _parts(payload: str) -> Iterator[tuple[str | None, str]]:
    """Split a cue's text at voice tags into ``(speaker or None, plain text)`` parts."""
    speaker: str | None = None
    position = 0
    for match in _VOICE_RE.finditer(payload):
        yield from _plain_part(speaker, payload[position : match.start()])
        speaker = _clean(match.group(1) or "") or None
        position = match.end()
    yield from _plain_part(speaker, payload[position:])


def _plain_part(speaker: str | None, raw: str) -> Iterator[tuple[str | None, str]]:
    text = _clean(_TAG_RE.sub("", raw))
    if text:
        yield speaker, text


def _clean(raw: str) -> str:
    return unicodedata.normalize("NFC", " ".join(html.unescape(raw).split()))


def _overlap_warnings(cues: list[Cue]) -> list[str]:
    lines = [cue.line for before, cue in pairwise(cues) if cue.start < before.end]
    if not lines:
        return []
    count = f"{len(lines)} cue{'s' if len(lines) > 1 else ''}"
    return [f"{count} start before the previous cue ends (first at line {lines[0]}); kept in order"]


def _utterances(cues: list[Cue], options: ReadOptions, *, path: Path) -> list[_Utterance]:
    merged: list[_Utterance] = []
    for cue in cues:
        for tagged, raw in cue.parts:
            speaker: str | None = tagged
            text = raw
            if speaker is None:
                speaker, text = _labelled(raw, options, path=path, line=cue.line + 1)
            if speaker is None:
                speaker = merged[-1].speaker if merged else ""
            if not merged or merged[-1].speaker != speaker:
                merged.append(_Utterance(speaker, cue.start, cue.end))
            merged[-1].texts.append(text)
            merged[-1].end = max(merged[-1].end, cue.end)
    return [utterance for utterance in merged if utterance.texts]


def _labelled(text: str, options: ReadOptions, *, path: Path, line: int) -> tuple[str | None, str]:
    """A ``Name:`` label at the start of a cue's text, as in text transcripts."""
    if options.label_pattern:
        pattern = compile_label_pattern(options.label_pattern)
        label = pattern_label(text, pattern, path=path, line_no=line)
    else:
        label = default_label(text, options.interviewer_labels)
    rest = text[label.text_start :].strip() if label is not None else ""
    if label is None or not rest:
        return None, text
    return label.speaker, rest


def _stored_text(utterances: list[_Utterance], options: ReadOptions) -> tuple[str, list[Turn]]:
    pieces: list[str] = []
    turns: list[Turn] = []
    position = 0
    for utterance in utterances:
        if pieces:
            pieces.append("\n\n")
            position += 2
        prefix = f"{utterance.speaker}: " if utterance.speaker else ""
        body = " ".join(utterance.texts)
        start = position + len(prefix)
        role = role_for(utterance.speaker, options.interviewer_labels)
        turns.append(
            Turn(utterance.speaker, role, start, start + len(body), utterance.start, utterance.end)
        )
        pieces.append(prefix + body)
        position = start + len(body)
    return "".join(pieces), turns

"""The short cuts of reading and checking a transcript change nothing it finds.

Front matter is looked for only when the first line is ``---`` and scanned for deep
nesting only when it has enough indicator characters to nest deeply; speaker labels are
looked for only on lines with a colon; the privacy detectors that need digits try to
match only next to the runs of digits of a text. Each is compared here with the plain
way of doing it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest import transcript
from qualcode.ingest.options import ReadOptions
from qualcode.ingest.sniff import yaml_too_deep
from qualcode.ingest.text import _front_matter, split_front_matter
from qualcode.ingest.transcript import Label, parse_transcript
from tests.test_pii_fast import assert_same

PATH = Path("x.md")


def plain_split(text: str) -> tuple[dict[str, str], str, int]:
    """Front matter as the reader found it before: split every line first."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return {}, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return _front_matter(lines[1:index], path=PATH), "\n".join(lines[index + 1 :]), index + 2
    raise InputError("front matter is not closed", path=PATH, line=1,
                     hint="close it with a '---' line, or remove the first '---' line")


def outcome(function: object, *args: object) -> object:
    try:
        return function(*args)  # type: ignore[operator]
    except InputError as exc:
        return str(exc)


FRONT = ["---", "--- ", "...", "\n", "a: b", "date: 2025-05-14", "- x", "[", "]", "{", "}",
         "x", " ", ":", "? k", "---x", "#", "'", "a: [1, 2]"]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRONT), max_size=14).map("".join))
def test_front_matter_as_before(text: str) -> None:
    assert outcome(lambda t: split_front_matter(t, path=PATH), text) == outcome(plain_split, text)


def test_front_matter_edges() -> None:
    assert split_front_matter("", path=PATH) == ({}, "", 1)
    assert split_front_matter("--", path=PATH) == ({}, "--", 1)
    assert split_front_matter("text\n---\na: b\n---\n", path=PATH)[0] == {}
    assert split_front_matter("---  \nname: Ann\n...\nbody", path=PATH) == ({"name": "Ann"},
                                                                          "body", 4)
    with pytest.raises(InputError) as info:
        split_front_matter("---", path=PATH)
    assert str(info.value) == ("x.md:1: front matter is not closed (close it with a '---' "
                               "line, or remove the first '---' line)")


def test_deep_front_matter_is_still_refused() -> None:
    deep = "---\nkey:\n" + "".join(f"{' ' * i}- \n" for i in range(60)) + "---\nbody"
    with pytest.raises(InputError) as info:
        split_front_matter(deep, path=PATH)
    assert str(info.value) == ("x.md:53: front matter is nested too deeply (keep the front "
                               "matter to simple name: value lines)")
    flat = "---\n" + "".join(f"k{i}: a-b-c\n" for i in range(30)) + "---\nbody"
    attributes, body, line = split_front_matter(flat, path=PATH)
    assert (len(attributes), attributes["k0"], body, line) == (30, "a-b-c", "body", 33)


YAML_PIECES = ["[", "]", "{", "}", "- ", "-", "? ", ":", ": ", "\n", "  ", "a", ",", "x: "]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=24).map("".join),
       st.integers(min_value=0, max_value=4))
def test_nesting_is_bounded_by_the_indicator_characters(text: str, limit: int) -> None:
    # the reader skips the depth scan when these characters are too few to nest deeper
    if yaml_too_deep(text, limit) is not None:
        assert sum(text.count(ch) for ch in "[{-?:") > limit


def plain_labels(text: str, options: ReadOptions) -> list[tuple[int, Label]]:
    """Every line tried as a label, without the colon short cut."""
    pattern = (transcript.compile_label_pattern(options.label_pattern)
               if options.label_pattern else None)
    found = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(r"[ ]{0,3}#{1,6}[ \t]", line):
            label: Label | None = Label("", 0)
        elif pattern is not None:
            label = transcript.pattern_label(line, pattern, path=PATH, line_no=number)
        else:
            label = transcript.default_label(line, options.interviewer_labels)
        if label is not None:
            found.append((offset, label))
        offset += len(line) + 1
    return found


LINES = ["Interviewer: Hello.", "P01: Fine, thanks.", "**Anna Berg:** Yes.", "*Mod:* Go on",
         "[00:01:02] Bob: hi", "00:01:02 Bob", "Bob 01:02", "Bob [00:01]: ok", "# Heading",
         "", "  ", "so what I mean is: this", "Note: x", "Mod：全角", "INT2: q", "Yes, well: no",
         "Lines without a colon at all", "李明： 好", "- P01: list", "Ann:", "Ann :x", "Q:",
         "Mod: who?", "P01 00:01:02.5", "Ann 1:02> hi", "Bo 99> x", "Cy> yo"]
OPTIONS = [ReadOptions(), ReadOptions(interviewer_labels=("Mod", "Bob")),
           ReadOptions(label_pattern=r"(?P<speaker>[A-Z]*)"),
           ReadOptions(label_pattern=r"(?P<speaker>\w*)\s*(?P<time>\d*:?\d*)>")]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), max_size=12).map("\n".join),
       st.sampled_from(OPTIONS))
def test_labels_and_roles_as_before(text: str, options: ReadOptions) -> None:
    found = outcome(lambda t, o: transcript._find_labels(t, o, path=PATH, first_line=1),
                    text, options)
    assert found == outcome(plain_labels, text, options)
    if isinstance(found, str):  # the error a bad time stamp gives
        return
    turns, _ = parse_transcript(text, options)
    labels = options.interviewer_labels
    assert [t.role for t in turns] == [
        "other" if not t.speaker else
        "interviewer" if transcript.is_interviewer(t.speaker, labels) else "participant"
        for t in turns]


def test_cached_speaker_rules_follow_the_interviewer_labels() -> None:
    text = "Mod: Why?\nAnn Lee: Because."
    plain, _ = parse_transcript(text)
    moderated, _ = parse_transcript(text, ReadOptions(interviewer_labels=("Mod",)))
    assert [(t.speaker, t.role) for t in plain] == [("Mod", "participant"),
                                                    ("Ann Lee", "participant")]
    assert [(t.speaker, t.role) for t in moderated] == [("Mod", "interviewer"),
                                                        ("Ann Lee", "participant")]
    listed = ReadOptions(interviewer_labels=["Mod"])  # type: ignore[arg-type]
    assert parse_transcript(text, listed) == (moderated, [])
    noted, _ = parse_transcript("Note: a\nNote: b", ReadOptions(interviewer_labels=("Note",)))
    assert [t.speaker for t in noted] == ["Note", "Note"]
    assert parse_transcript("Note: a\nNote: b")[0][0].speaker == ""


RUN_TEXTS = [
    "GB82 WEST 1234 5698 7654 32", "xGB82 WEST 1234 5698 7654 32", "GIR 0AA", "A1 1AA",
    "EC1A 1BB", "SW1A1AA", "K1A 0B1", "AB123456C", "AB 12 34 56 C", "12 Baker Street",
    "Norwegian 12 Baker Street", "Hauptstraße 5", "Hauptweg 12 and 3 Baker Street",
    "Am Damm 7", "Lindenallee  9b", "Gartenstr. 12", "٣٣٣-٣٣-٣٣٣٣", "٣12 Baker Street",
    "4111 1111 1111 1111", "+44 20 7946 0958", "(0171) 555 1234", "10.0.0.7 and 1.2.3.4",
    "10115 Berlin", "1", "12", "P01: 1 2 3", "+", "(", "((1", "a-1234-5678",
]


def test_detectors_next_to_runs_of_digits() -> None:
    for text in RUN_TEXTS:
        for head in ("", "x", "1", " ", "Z", "-", "ß"):
            assert_same(head + text)
            assert_same(text + " " + head + text)


PIECES = ["0", "1", "42", "1234", "٣", " ", "  ", "\n", "A", "B", "G", "IR", "Z", "a", "-",
          ".", ",", "+", "(", ")", "/", "straße ", "weg ", "str. ", "platz ", "Street", "Rd",
          "rue ", "Baker ", "Berlin", "GB", "WEST ", "NK", "CA ", ", NY "]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_detectors_on_texts_full_of_digits(text: str) -> None:
    assert_same(text)

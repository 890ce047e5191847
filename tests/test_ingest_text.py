"""Text and Markdown transcripts: speaker labels, preamble, front matter, label options."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest import DEFAULT_INTERVIEWER_LABELS, ReadOptions, read_documents
from qualcode.ingest.transcript import (
    NO_LABELS_WARNING,
    Label,
    default_label,
    is_speaker_name,
    parse_time,
    parse_transcript,
    role_for,
)
from qualcode.models import ParsedDocument

DATA = Path(__file__).parent / "data" / "ingest"


def read_one(name: str, options: ReadOptions | None = None) -> ParsedDocument:
    [document] = read_documents(DATA / name, options=options or ReadOptions())
    return document


def error_of(name: str, options: ReadOptions | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_documents(DATA / name, options=options or ReadOptions())
    return str(caught.value)


def turns_of(document: ParsedDocument) -> list[tuple[str, str, str, float | None]]:
    """(speaker, role, text, media start) of each turn, checking the span invariant."""
    found: list[tuple[str, str, str, float | None]] = []
    for turn in document.turns:
        span = document.text[turn.start : turn.end]
        assert span == span.strip()
        assert span
        found.append((turn.speaker, turn.role, span, turn.media_start))
    return found


def test_every_label_form() -> None:
    document = read_one("labels.txt")
    assert turns_of(document) == [
        ("", "other", "Interview with P03, recorded in March", None),
        ("Interviewer", "interviewer", "Thanks for joining. Can you start with your role?", None),
        ("P03", "participant", "Sure. I lead the data team.\nI mean, mostly infrastructure.", None),
        ("INT", "interviewer", "And before that?", None),
        ("Maria Lopez", "participant", "I was a student.", None),
        ("Maria Lopez", "participant", "Still am, in a way.", None),
        ("Anna", "participant", "Timestamp first.", 83.0),
        ("Anna", "participant", "Timestamp after the name.", 125.0),
        ("Ben", "participant", "Bare timestamp first.", 190.0),
        (
            "Ben",
            "participant",
            "Bracketed after the name.\n- P01: a list item stays inside Ben's turn.",
            3845.5,
        ),
        (
            "Speaker 1",
            "participant",
            "The text comes on the next line.\n\nAnd a second paragraph.",
            42.0,
        ),
        ("Q", "interviewer", "Last question?", None),
        ("Dr. Smith", "participant", "That is all.", None),
    ]
    assert document.warnings == ()
    assert all(turn.media_end is None for turn in document.turns)


def test_prose_with_colons_stays_in_the_turn() -> None:
    assert turns_of(read_one("prose_colons.txt")) == [
        ("Interviewer", "interviewer", "What changed?", None),
        (
            "P02",
            "participant",
            (
                "A lot changed.\nSo what I mean is: the tools got better.\n"
                "Note: the participant laughs.\nYes, well: that was it.\n"
                "Date: not a speaker either."
            ),
            None,
        ),
        ("Interviewer", "interviewer", "Thanks.", None),
    ]


def test_markdown_preamble_and_headings() -> None:
    document = read_one("preamble.md")
    assert document.format == "markdown"
    assert turns_of(document) == [
        ("", "other", "# Interview 3\n\nDate: 12 March 2024\nLocation: video call", None),
        ("Interviewer", "interviewer", "Welcome.", None),
        ("P01", "participant", "Thank you.", None),
        ("", "other", "## Part two", None),
        ("Interviewer", "interviewer", "Next topic.", None),
    ]
    assert document.text.startswith("# Interview 3\n")


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Interviewer: hello", Label("Interviewer", 12)),
        ("P03: yes", Label("P03", 4)),
        ("p03: lower-case id", Label("p03", 4)),
        ("INT: ok", Label("INT", 4)),
        ("**Maria Lopez:** hi", Label("Maria Lopez", 16)),
        ("**Maria**: hi", Label("Maria", 10)),
        ("*Anna:* hi", Label("Anna", 7)),
        ("__Anna__: hi", Label("Anna", 9)),
        ("[00:01:23] Anna: x", Label("Anna", 16, 83.0)),
        ("(00:01:23) Anna: x", Label("Anna", 16, 83.0)),
        ("00:01:23 Anna: x", Label("Anna", 14, 83.0)),
        ("Anna (00:01:23): x", Label("Anna", 16, 83.0)),
        ("Anna [1:02:03.25]: x", Label("Anna", 18, 3723.25)),
        ("Speaker 1 (04:05):", Label("Speaker 1", 18, 245.0)),
        ("Speaker 1  0:42", Label("Speaker 1", 15, 42.0)),
        ("00:05 Speaker 2", Label("Speaker 2", 15, 5.0)),
        ("  Anna: indented", Label("Anna", 7)),
        ("Interviewer:", Label("Interviewer", 12)),
        ("interviewer: lower case", Label("interviewer", 12)),
        ("Interviewer 2: x", Label("Interviewer 2", 14)),
        ("Dr. Smith: hi", Label("Dr. Smith", 10)),
        ("Maria de la Cruz: hi", Label("Maria de la Cruz", 17)),
        ("Head of Sales: x", Label("Head of Sales", 14)),
        ("Jean-Luc O'Neil: x", Label("Jean-Luc O'Neil", 16)),
        ("采访者：你好", Label("采访者", 4)),
        ("مريم: مرحبا", Label("مريم", 5)),
        ("דוד: שלום", Label("דוד", 4)),
    ],
)
def test_label_forms(line: str, label: Label) -> None:
    assert default_label(line, DEFAULT_INTERVIEWER_LABELS) == label


@pytest.mark.parametrize(
    "line",
    [
        "So what I mean is: the point",
        "Note: not a speaker",
        "NOTE: not a speaker",
        "Date: 12 March",
        "Yes, well: no",
        "Why? Because: reasons",
        "- P01: a list item",
        "> P01: a quotation",
        "# P01: a heading",
        "A very long label of five: words",
        "An Extremely Long Speaker Name That Goes On: x",
        "Interviewer:no space after the colon",
        "https://example.org",
        "At 10:30: we met",
        "12:30 is when",
        "**Anna: unclosed emphasis",
        "Anna:** unopened emphasis",
        "**Anna*: mismatched emphasis",
        "Talk (about it): not a label",
        "i think: lower case prose",
    ],
)
def test_prose_is_not_a_label(line: str) -> None:
    assert default_label(line, DEFAULT_INTERVIEWER_LABELS) is None


def test_speaker_name_rule() -> None:
    assert is_speaker_name("Maria Lopez")
    assert is_speaker_name("R12")
    assert not is_speaker_name("maria")
    assert not is_speaker_name("Summary")
    assert is_speaker_name("moderator", ("Moderator",))
    assert not is_speaker_name("x" * 41)


@pytest.mark.parametrize(
    ("speaker", "role"),
    [
        ("Interviewer", "interviewer"),
        ("INTERVIEWER", "interviewer"),
        ("Interviewer 2", "interviewer"),
        ("INT1", "interviewer"),
        ("Moderator-3", "interviewer"),
        ("I", "interviewer"),
        ("Interviewee", "participant"),
        ("P01", "participant"),
        ("", "other"),
    ],
)
def test_roles(speaker: str, role: str) -> None:
    assert role_for(speaker, DEFAULT_INTERVIEWER_LABELS) == role


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [("0:42", 42.0), ("01:02:03", 3723.0), ("[00:00:01.5]", 1.5), ("(75:10,250)", 4510.25)],
)
def test_parse_time(stamp: str, seconds: float) -> None:
    assert parse_time(stamp) == seconds


@pytest.mark.parametrize("stamp", ["99:99", "1:60:00", "noon", "12"])
def test_parse_time_rejects(stamp: str) -> None:
    assert parse_time(stamp) is None


def test_front_matter_becomes_attributes() -> None:
    document = read_one("front_matter.md")
    assert document.text == "Interviewer: Hello.\nP05: Hi."
    assert dict(document.attributes) == {
        "participant": "P05",
        "stage": "early adopter",
        "age": "34",
        "consented": "true",
        "interviewed": "2024-03-12",
        "tags": "pilot, remote",
    }
    assert turns_of(document) == [
        ("Interviewer", "interviewer", "Hello.", None),
        ("P05", "participant", "Hi.", None),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "front_matter_broken.md",
            "3: front matter is not valid YAML (expected ',' or ']', but got '<stream end>')",
        ),
        ("front_matter_list.md", "1: front matter must be a mapping of names to values"),
        (
            "front_matter_unclosed.md",
            (
                "1: front matter is not closed (close it with a '---' line, or remove the first"
                " '---' line)"
            ),
        ),
        ("front_matter_only.md", " no text after the front matter"),
    ],
)
def test_front_matter_errors(name: str, message: str) -> None:
    assert error_of(name) == f"{DATA / name}:{message}"


def test_front_matter_nested_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested.md"
    path.write_text("---\nwho:\n  name: P01\n---\nP01: hi\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_documents(path)
    assert str(caught.value) == (
        f"{path}:1: front matter value of 'who' must be a single value or a list of values"
    )


def test_front_matter_lines_count_in_later_errors(tmp_path: Path) -> None:
    path = tmp_path / "late.md"
    path.write_text("---\nstage: early\n---\n\nP01 @ 77:88 | hi\n", encoding="utf-8")
    options = ReadOptions(label_pattern=r"(?P<speaker>\w+) @ (?P<time>[\d:]+) \| ")
    with pytest.raises(InputError) as caught:
        read_documents(path, options=options)
    assert str(caught.value) == f"{path}:5: cannot read the time '77:88' matched by --label-pattern"


def test_text_without_labels_is_one_turn_with_a_warning() -> None:
    document = read_one("no_labels.txt")
    assert turns_of(document) == [
        ("", "other", "This is a field note without any speaker.\n\nIt has two paragraphs.", None)
    ]
    assert document.warnings == (NO_LABELS_WARNING,)
    assert NO_LABELS_WARNING == "no speaker labels found; the whole text is one turn"


def test_interviewer_labels_option_replaces_the_defaults() -> None:
    document = read_one("named_interviewer.txt", ReadOptions(interviewer_labels=("anna",)))
    assert [(s, r) for s, r, _, _ in turns_of(document)] == [
        ("Anna", "interviewer"),
        ("Ben", "participant"),
        ("Interviewer", "participant"),
    ]


CUSTOM = r">> (?P<speaker>[A-Za-z]+)(?: @ (?P<time>[\d:]+))? \| "


def test_custom_label_pattern() -> None:
    document = read_one("custom_labels.txt", ReadOptions(label_pattern=CUSTOM))
    assert turns_of(document) == [
        ("", "other", "recorded by the team", None),
        ("ANNA", "participant", "Hello there.", 5.0),
        ("bob", "participant", "Hi.\nStill Bob.", 70.0),
        ("ANNA", "participant", "No time here.", None),
    ]
    assert document.warnings == ()


def test_custom_label_pattern_replaces_the_default_rule() -> None:
    document = read_one("labels.txt", ReadOptions(label_pattern=CUSTOM))
    assert len(document.turns) == 1
    assert document.warnings == (NO_LABELS_WARNING,)


def test_custom_label_pattern_with_an_unreadable_time() -> None:
    options = ReadOptions(label_pattern=CUSTOM)
    assert error_of("custom_bad_time.txt", options) == (
        f"{DATA / 'custom_bad_time.txt'}:1: cannot read the time '99:99' matched by --label-pattern"
    )


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "(?P<speaker>\\w+",
            (
                "invalid --label-pattern '(?P<speaker>\\\\w+': missing ), unterminated subpattern"
                " at position 0"
            ),
        ),
        (
            "(?P<name>\\w+): ",
            (
                "--label-pattern '(?P<name>\\\\w+): ' has no group named 'speaker'"
                " (write the speaker part as (?P<speaker>...))"
            ),
        ),
    ],
)
def test_bad_label_patterns(pattern: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        ReadOptions(label_pattern=pattern)
    assert str(caught.value) == message


def test_parse_transcript_drops_empty_turns() -> None:
    text = "P01:\nP02:   \n\nP03: said something"
    turns, warnings = parse_transcript(text)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [("P03", "said something")]
    assert warnings == []


def test_markdown_heading_ends_a_turn() -> None:
    from qualcode.ingest.transcript import parse_transcript

    text = "P01: first answer\n\n## Section two\n\nInterviewer: next question"
    turns, warnings = parse_transcript(text)
    assert [(t.speaker, t.role, text[t.start : t.end]) for t in turns] == [
        ("P01", "participant", "first answer"),
        ("", "other", "## Section two"),
        ("Interviewer", "interviewer", "next question"),
    ]
    assert warnings == []


def test_headings_alone_still_warn_about_missing_labels() -> None:
    from qualcode.ingest.transcript import NO_LABELS_WARNING, parse_transcript

    _, warnings = parse_transcript("# Title\n\nSome prose without speakers.")
    assert warnings == [NO_LABELS_WARNING]

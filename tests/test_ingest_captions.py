"""WebVTT and SubRip captions."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest import ReadOptions, read_documents
from qualcode.ingest.captions import parse_cues, read_captions
from qualcode.ingest.normalise import normalise_text
from qualcode.models import ParsedDocument

DATA = Path(__file__).parent / "data" / "ingest"


def read_one(path: Path, options: ReadOptions | None = None) -> ParsedDocument:
    [document] = read_documents(path, options=options or ReadOptions())
    return document


def turns_of(document: ParsedDocument) -> list[tuple[str, str, str, float | None, float | None]]:
    found: list[tuple[str, str, str, float | None, float | None]] = []
    for turn in document.turns:
        span = document.text[turn.start : turn.end]
        assert span == span.strip()
        assert span
        found.append((turn.speaker, turn.role, span, turn.media_start, turn.media_end))
    return found


def error_of(name: str) -> str:
    with pytest.raises(InputError) as caught:
        read_documents(DATA / name)
    return str(caught.value)


def test_vtt_voice_tags_merging_and_skipped_blocks() -> None:
    document = read_one(DATA / "talk.vtt")
    assert document.format == "vtt"
    assert document.text == (
        "Interviewer: Welcome to the study. Shall we begin?\n\n"
        "Maria Lopez: Yes & gladly. Let's go. I have notes.\n\n"
        "Interviewer: Great, thank you. Um."
    )
    assert turns_of(document) == [
        ("Interviewer", "interviewer", "Welcome to the study. Shall we begin?", 1.0, 5.0),
        ("Maria Lopez", "participant", "Yes & gladly. Let's go. I have notes.", 5.5, 9.25),
        ("Interviewer", "interviewer", "Great, thank you. Um.", 10.0, 13.0),
    ]
    assert document.warnings == ()


def test_vtt_two_voices_in_one_cue_and_cue_right_under_the_header() -> None:
    document = read_one(DATA / "two_voices.vtt")
    assert document.text == "Ana: Hi!\n\nBen: Hello!"
    assert turns_of(document) == [
        ("Ana", "participant", "Hi!", 1.0, 2.0),
        ("Ben", "participant", "Hello!", 1.0, 2.0),
    ]


def test_vtt_overlapping_cues_are_kept_with_a_warning() -> None:
    document = read_one(DATA / "overlap.vtt")
    assert [t[0] for t in turns_of(document)] == ["Ana", "Ben", "Ana"]
    assert document.warnings == (
        "2 cues start before the previous cue ends (first at line 6); kept in order",
    )


def test_cues_without_speaker_at_the_start(tmp_path: Path) -> None:
    path = tmp_path / "anon.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:02.000\nno one yet\n\n"
        "00:02.000 --> 00:03.000\n<v Host>welcome\n\n00:03.000 --> 00:04.000\nall\n",
        encoding="utf-8",
    )
    document = read_one(path)
    assert document.text == "no one yet\n\nHost: welcome all"
    assert turns_of(document) == [
        ("", "other", "no one yet", 1.0, 2.0),
        ("Host", "interviewer", "welcome all", 2.0, 4.0),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_timing.vtt", ("6: malformed cue timing '00:01 --> 00:02'"
         " (write it like 00:00:01.000 --> 00:00:04.000)")),
        (
            "no_header.vtt",
            "1: missing WEBVTT header (a WebVTT file starts with a line 'WEBVTT')",
        ),
        ("backwards.vtt", ("3: cue ends before it starts '00:00:05.000 --> 00:00:04.000'"
         " (correct one of the two times)")),
        ("header_only.vtt", " no cues found"),
        (
            "bad_arrow.srt",
            (
                "6: expected a cue timing line such as '00:00:01,000 --> 00:00:04,000',"
                " found '00:00:03,000 -> 00:00:04,000'"
            ),
        ),
        ("bad_time.srt", ("6: malformed cue timing '00:00:03,000 --> 00:00:61,000'"
         " (write it like 00:00:01,000 --> 00:00:04,000)")),
        (
            "garbage.srt",
            "2: expected a cue timing line such as '00:00:01,000 --> 00:00:04,000', found 'world'",
        ),
    ],
)
def test_caption_errors(name: str, message: str) -> None:
    assert error_of(name) == f"{DATA / name}:{message}"


def test_srt_labels_tags_and_missing_numbers() -> None:
    document = read_one(DATA / "talk.srt")
    assert document.format == "srt"
    assert document.text == (
        "Interviewer: How did it start?\n\n"
        "P07: It started slowly. Then faster.\n\n"
        "Interviewer: Okay."
    )
    assert turns_of(document) == [
        ("Interviewer", "interviewer", "How did it start?", 0.5, 2.0),
        ("P07", "participant", "It started slowly. Then faster.", 2.1, 6.0),
        ("Interviewer", "interviewer", "Okay.", 6.5, 7.0),
    ]


def test_srt_with_a_label_pattern(tmp_path: Path) -> None:
    path = tmp_path / "dash.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\n[ANA] hello\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n[BEN] hi\n",
        encoding="utf-8",
    )
    document = read_one(path, ReadOptions(label_pattern=r"\[(?P<speaker>[A-Z]+)\] "))
    assert document.text == "ANA: hello\n\nBEN: hi"


def test_parse_cues_skips_note_style_region() -> None:
    text = "WEBVTT\n\nREGION\nid:fred\n\nNOTE\n00:00:01.000 --> 00:00:02.000\n\n00:02.500 --> 00:03.000\nx"
    [cue] = parse_cues(text, path=Path("n.vtt"), format="vtt")
    assert (cue.line, cue.start, cue.end, cue.parts) == (9, 2.5, 3.0, ((None, "x"),))


cue_text = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40)
speakers = st.sampled_from(["", "Ana", "Interviewer", "Zoë"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(speakers, cue_text), min_size=1, max_size=50))
def test_any_cue_text_keeps_the_span_invariant(cues: list[tuple[str, str]]) -> None:
    lines = ["WEBVTT", ""]
    for i, (speaker, text) in enumerate(cues):
        voice = f"<v {speaker}>" if speaker else ""
        # a cue text without any visible character gives "x"; line separators join the line
        body = " ".join(text.replace("-->", "").split()) or "x"
        lines += [f"00:00:{i:02d}.000 --> 00:00:{i:02d}.500", voice + body, ""]
    data = "\n".join(lines).encode("utf-8")
    try:
        document = read_captions(Path("p.vtt"), data, ReadOptions(), format="vtt")
    except InputError as error:
        message = error.message
    else:
        message = ""
    if message:  # every cue was markup only, such as "<b>" or "&nbsp;"
        assert message == "no cues found"
        return
    turns_of(document)
    assert all(a.end < b.start for a, b in pairwise(document.turns))
    assert document.text == normalise_text(document.text)


def test_srt_label_pattern_time_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "times.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\n[ANA 9:99] hello\n", encoding="utf-8")
    options = ReadOptions(label_pattern=r"\[(?P<speaker>[A-Z]+) (?P<time>[\d:]+)\] ")
    with pytest.raises(InputError) as caught:
        read_documents(path, options=options)
    assert str(caught.value) == f"{path}:3: cannot read the time '9:99' matched by --label-pattern"

"""Transcript export parsers: every format, the real sample files, and hostile input."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path

import pytest

from core.errors import ValidationError
from core.settings import get_settings
from ingest.transcripts.formats import (
    MAX_BYTES_DEFAULT,
    TranscriptFormatError,
    detect_format,
    parse_transcript,
    read_transcript,
)
from ingest.transcripts.model import MeetingMeta, ParsedTranscript, Utterance

SHARED_TRANSCRIPTS = get_settings().shared_transcripts
MB = 1024 * 1024


def parse(text: str, filename: str | None = None) -> ParsedTranscript:
    return parse_transcript(text.encode("utf-8"), filename=filename)


def rows(parsed: ParsedTranscript) -> list[tuple[str, str, float | None, float | None]]:
    return [(u.speaker, u.text, u.start, u.end) for u in parsed.utterances]


def fails(data: bytes, filename: str | None = None) -> str:
    with pytest.raises(TranscriptFormatError) as info:
        parse_transcript(data, filename=filename)
    return str(info.value)


# --- WebVTT -----------------------------------------------------------------------------------

TEAMS_VTT = """WEBVTT
Title: Acme QBR
Date: 2024-05-02T15:00:00Z

NOTE Client: Acme Corp

STYLE
::cue { color: white }

3f0c2b1e-1d2c-4c5e-9a1b-aa/12-0
00:00:03.110 --> 00:00:05.230 align:start position:10%
<v Alice Smith>Hello &amp; welcome,
everyone.</v>

3f0c2b1e-1d2c-4c5e-9a1b-aa/13-0
00:00:05.500 --> 00:00:07.000
<v Alice Smith>Shall we start?</v>

NOTE this comment is not a cue

3f0c2b1e-1d2c-4c5e-9a1b-aa/14-0
00:00:07.250 --> 00:01:02.000
<v.loud Bob Jones><i>Yes</i>, <c.yellow>let's</c>   go &lt;now&gt;</v>
"""


def test_teams_vtt_voices_tags_entities_and_metadata() -> None:
    parsed = parse(TEAMS_VTT, "meeting.vtt")
    assert parsed.format == "vtt"
    assert rows(parsed) == [
        ("Alice Smith", "Hello & welcome, everyone.", 3.11, 5.23),
        # Consecutive cues by one speaker stay separate utterances.
        ("Alice Smith", "Shall we start?", 5.5, 7.0),
        ("Bob Jones", "Yes, let's go <now>", 7.25, 62.0),
    ]
    assert parsed.meta == MeetingMeta(
        title="Acme QBR", held_on=date(2024, 5, 2), client="Acme Corp", attendees=()
    )
    assert parsed.warnings == ()
    assert parsed.encoding == "utf-8"


def test_vtt_cue_with_two_voices_gives_two_utterances() -> None:
    parsed = parse("WEBVTT\n\n00:01.000 --> 00:02.500\n<v Roger>Hi there</v>\n<v Esme>Hello</v>\n")
    assert rows(parsed) == [("Roger", "Hi there", 1.0, 2.5), ("Esme", "Hello", 1.0, 2.5)]


ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Alice Smith: Good morning all.

2
00:00:04.500 --> 00:00:09.250
bob: Morning! The agenda
has three items.

3
01:02:03.500 --> 01:02:04.000
bob: Bye.

4
01:02:05.000 --> 01:02:06.000
(music playing)
"""


def test_zoom_vtt_name_prefixes_and_unknown_speaker() -> None:
    parsed = parse(ZOOM_VTT)
    assert rows(parsed) == [
        ("Alice Smith", "Good morning all.", 1.0, 4.0),
        # Lower-case "bob" counts because the label is used more than once.
        ("bob", "Morning! The agenda has three items.", 4.5, 9.25),
        ("bob", "Bye.", 3723.5, 3724.0),
        ("Unknown", "(music playing)", 3725.0, 3726.0),
    ]


def test_vtt_sentence_with_colon_is_not_a_speaker() -> None:
    parsed = parse("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHere is the thing: it works\n")
    assert rows(parsed) == [("Unknown", "Here is the thing: it works", 1.0, 2.0)]


def test_vtt_with_header_but_no_cues() -> None:
    assert fails(b"WEBVTT\n\nNOTE nothing was said\n") == "no cues found in this WebVTT file"


def test_truncated_vtt_keeps_complete_cues_and_warns() -> None:
    text = (
        "WEBVTT\n\n1\n00:01:00.000 --> 00:01:01.500\nAlice: First.\n\n2\n00:01:02.000 --> 00:01:0"
    )
    parsed = parse(text)
    assert rows(parsed) == [("Alice", "First.", 60.0, 61.5)]
    assert parsed.warnings == ("the last cue (line 7) is incomplete and was skipped",)


def test_vtt_last_cue_without_text_is_incomplete() -> None:
    parsed = parse(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAlice: Hi.\n\n00:00:03.000 --> 00:00:04.000\n"
    )
    assert [u.text for u in parsed.utterances] == ["Hi."]
    assert parsed.warnings == ("the last cue (line 6) is incomplete and was skipped",)


def test_vtt_with_only_an_incomplete_cue_is_an_error() -> None:
    message = fails(b"WEBVTT\n\n1\n00:00:01.000 --> 00:0")
    assert message == (
        "no complete cue found in this WebVTT file; the only cue (line 3) is incomplete"
    )


# --- SRT --------------------------------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:03,500
Alice: Welcome to the call.

2
00:00:04,000 --> 00:00:06,000
[Bob Jones] Thanks for
<i>having</i> me.

3
00:00:06,500 --> 00:00:07,000
[MUSIC]

4
00:00:08,000 --> 00:00:09,125
No speaker here.
"""


def test_srt_prefixes_brackets_and_unknown() -> None:
    parsed = parse(SRT, "call.srt")
    assert parsed.format == "srt"
    assert rows(parsed) == [
        ("Alice", "Welcome to the call.", 1.0, 3.5),
        ("Bob Jones", "Thanks for having me.", 4.0, 6.0),
        ("Unknown", "[MUSIC]", 6.5, 7.0),
        ("Unknown", "No speaker here.", 8.0, 9.125),
    ]
    assert parsed.warnings == ()


def test_truncated_srt_warns() -> None:
    parsed = parse(SRT + "\n5\n00:00:10,000 --> 00:00:1")
    assert len(parsed.utterances) == 4
    assert parsed.warnings == ("the last cue (line 18) is incomplete and was skipped",)


def test_srt_cut_after_the_cue_number() -> None:
    parsed = parse(SRT + "\n5\n")
    assert len(parsed.utterances) == 4
    assert parsed.warnings == ("the last cue (line 18) is incomplete and was skipped",)


# --- plain text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "speaker", "start"),
    [
        ("Alice Smith: Hello there.", "Alice Smith", None),
        ("[00:01:23] Alice Smith: Hello there.", "Alice Smith", 83.0),
        ("00:01:23 Alice Smith: Hello there.", "Alice Smith", 83.0),
        ("(1:23) Alice Smith: Hello there.", "Alice Smith", 83.0),
        ("Alice Smith (00:01:23): Hello there.", "Alice Smith", 83.0),
        ("Alice Smith [01:00:00.5]: Hello there.", "Alice Smith", 3600.5),
    ],
)
def test_text_line_shapes(line: str, speaker: str, start: float | None) -> None:
    parsed = parse(f"{line}\nBob: Hi.\n")
    assert parsed.format == "text"
    assert rows(parsed) == [(speaker, "Hello there.", start, None), ("Bob", "Hi.", None, None)]


def test_text_continuation_lines_and_colon_inside_an_utterance() -> None:
    text = (
        "Title: Weekly sync\n"
        "Date: 2024-03-04\n"
        "Attendees: Alice, Bob; Carol\n"
        "\n"
        "Alice: We reviewed the numbers.\n"
        "Note: the budget is 5k.\n"
        "Here's the thing: it is tight.\n"
        "\n"
        "Bob: Agreed.\n"
    )
    parsed = parse(text, "notes.txt")
    assert rows(parsed) == [
        (
            "Alice",
            "We reviewed the numbers. Note: the budget is 5k. Here's the thing: it is tight.",
            None,
            None,
        ),
        ("Bob", "Agreed.", None, None),
    ]
    assert parsed.meta == MeetingMeta(
        title="Weekly sync", held_on=date(2024, 3, 4), attendees=("Alice", "Bob", "Carol")
    )
    assert parsed.warnings == ()


def test_text_otter_two_line_shape() -> None:
    text = "Speaker 1  0:03\nHello everyone,\nwelcome.\n\nJane Doe  1:02:05\nThanks.\n"
    assert rows(parse(text)) == [
        ("Speaker 1", "Hello everyone, welcome.", 3.0, None),
        ("Jane Doe", "Thanks.", 3725.0, None),
    ]


def test_text_timestamp_on_its_own_line_starts_the_next_turn() -> None:
    assert rows(parse("00:00:05\nAlice: Hi.\n00:00:09\nBob: Hello.\n")) == [
        ("Alice", "Hi.", 5.0, None),
        ("Bob", "Hello.", 9.0, None),
    ]


def test_text_preamble_is_skipped_with_a_warning() -> None:
    parsed = parse("Acme weekly call transcript\n\nAlice: Hi.\n")
    assert rows(parsed) == [("Alice", "Hi.", None, None)]
    assert parsed.warnings == ("1 line(s) before the first speaker were skipped",)


def test_text_without_speakers_is_an_error() -> None:
    message = fails(b"We met and talked about the budget.\nIt went well.\n")
    assert message.startswith("no 'Speaker: text' lines found")


# --- JSON -------------------------------------------------------------------------------------


def test_json_list_with_times_and_word_lists() -> None:
    doc = [
        {"speaker": " Alice ", "text": "Hello   all", "start": 1.5, "end": "00:00:03.250"},
        {"name": "Bob", "words": ["Good", "morning"], "start_time": "1:02:03"},
        {"speaker_name": "Carol", "words": [{"word": "Hi"}, {"text": "there"}], "timestamp": 7},
        {"speaker": "Dan", "content": "   "},
        {"speaker": None, "speech": "Anyone?"},
    ]
    parsed = parse(json.dumps(doc), "export.json")
    assert parsed.format == "json"
    assert rows(parsed) == [
        ("Alice", "Hello all", 1.5, 3.25),
        ("Bob", "Good morning", 3723.0, None),
        ("Carol", "Hi there", 7.0, None),
        ("Unknown", "Anyone?", None, None),
    ]


@pytest.mark.parametrize(
    "key", ["utterances", "transcript", "segments", "meeting_transcripts", "entries"]
)
def test_json_object_shapes(key: str) -> None:
    doc = {
        "title": "Renewal call",
        "date": "2024-06-30",
        "client": "Acme",
        "participants": ["Alice", "Bob"],
        key: [{"speaker": "Alice", "text": "Hi"}, {"speaker": "Bob", "content": "Hello"}],
    }
    parsed = parse(json.dumps(doc))
    assert rows(parsed) == [("Alice", "Hi", None, None), ("Bob", "Hello", None, None)]
    assert parsed.meta == MeetingMeta(
        title="Renewal call", held_on=date(2024, 6, 30), client="Acme", attendees=("Alice", "Bob")
    )


def test_json_earnings_call_concatenates_remarks_then_q_and_a() -> None:
    doc = {
        "q_and_a": [{"speaker": "Analyst", "speech": "A question"}],
        "prepared_remarks": [{"speaker": "CEO", "speech": "Remarks.\nMore remarks."}],
    }
    parsed = parse(json.dumps(doc), "ACME_q1.txt")
    assert parsed.format == "json"
    assert rows(parsed) == [
        ("CEO", "Remarks.\nMore remarks.", None, None),
        ("Analyst", "A question", None, None),
    ]


def test_json_transcript_as_a_string_is_read_as_text() -> None:
    parsed = parse(json.dumps({"transcript": "Alice: Hi.\nBob: Hello."}))
    assert rows(parsed) == [("Alice", "Hi.", None, None), ("Bob", "Hello.", None, None)]


def test_json_unreadable_date_and_time_are_warnings() -> None:
    doc = {"date": "next Tuesday", "utterances": [{"speaker": "A", "text": "x", "start": "soon"}]}
    parsed = parse(json.dumps(doc))
    assert parsed.meta.held_on is None
    assert parsed.utterances[0].start is None
    assert parsed.warnings == (
        "utterance 0 in 'utterances': could not read the time start='soon'; it was left empty",
        "could not read the meeting date 'next Tuesday'; it was left empty",
    )


def test_json_utterance_missing_text_names_the_index() -> None:
    doc = [{"speaker": "A", "text": "x"}] * 3 + [{"speaker": "B", "said": "y"}]
    with pytest.raises(TranscriptFormatError) as info:
        parse(json.dumps(doc))
    assert str(info.value) == (
        "utterance 3 has no text field (expected one of text, content, speech, words)"
    )
    assert info.value.details == {"index": 3, "key": None}


def test_json_nested_utterance_errors_name_the_list() -> None:
    assert fails(json.dumps({"segments": [{"text": "x"}]}).encode()) == (
        "utterance 0 in 'segments' has no speaker field (expected one of speaker, name, "
        "speaker_name)"
    )
    assert fails(json.dumps({"entries": [{"speaker": "A", "text": "x"}, "oops"]}).encode()) == (
        "utterance 1 in 'entries' is not an object"
    )


def test_json_object_without_an_utterance_list() -> None:
    assert fails(b'{"title": "x"}').startswith("the JSON object has no list of utterances")


def test_malformed_json_reports_line_and_column() -> None:
    data = b'{\n  "utterances": [\n    {"speaker": "A", "text": "x"},\n  ]\n}'
    with pytest.raises(TranscriptFormatError) as info:
        parse_transcript(data, filename="call.json")
    assert str(info.value) == "the JSON is malformed: Expecting value (line 4, column 3)"
    assert info.value.details == {"line": 4, "column": 3}


# --- the real sample files --------------------------------------------------------------------


def sample(relative: str) -> Path:
    path = SHARED_TRANSCRIPTS / relative
    if not path.is_file():
        pytest.skip(f"sample transcript {path} is not present")
    return path


def test_real_earnings_call_json_in_a_txt_file() -> None:
    parsed = read_transcript(sample("earnings_calls_motleyfool/AAT_q1_2020.txt"))
    assert parsed.format == "json"
    # 6 prepared remarks + 71 Q&A entries, minus the empty "Duration: 40 minutes" entry.
    assert len(parsed.utterances) == 76
    assert [u.speaker for u in parsed.utterances[:3]] == [
        "Operator",
        "Adam Wyll",
        "Ernest S. Rady",
    ]
    assert parsed.utterances[6].speaker == "Operator"  # first Q&A entry follows the remarks
    assert parsed.utterances[0].text.startswith("Ladies and gentlemen, thank you for standing by")
    assert len(parsed.meta.attendees) == 11
    assert parsed.warnings == ()


def test_real_committee_meeting_json() -> None:
    parsed = read_transcript(sample("qmsum_committee/education_1.json"))
    assert parsed.format == "json"
    assert len(parsed.utterances) == 91
    assert [u.speaker for u in parsed.utterances[:3]] == [
        "Lynne Neagle AM",
        "Kirsty Williams AM",
        "Lynne Neagle AM",
    ]
    assert {u.speaker for u in parsed.utterances} == {
        "Dawn Bowden AM",
        "Hefin David AM",
        "Janet Finch-Saunders AM",
        "Kirsty Williams AM",
        "Lynne Neagle AM",
        "Sian Gwenllian AM",
        "Steve Davies",
        "Suzy Davies AM",
    }
    assert parsed.utterances[0].text.startswith("Good afternoon, everyone.")


# --- decoding and hostile input ---------------------------------------------------------------


def test_latin1_bytes_are_read_as_windows_1252_with_a_warning() -> None:
    parsed = parse_transcript("Zoë: Bonjour à tous\n".encode("latin-1"))
    assert rows(parsed) == [("Zoë", "Bonjour à tous", None, None)]
    assert parsed.encoding == "cp1252"
    assert parsed.warnings == ("not valid UTF-8; read as Windows-1252",)


def test_cp1252_smart_quotes() -> None:
    parsed = parse_transcript("Zoë: “quoted” \u2013 yes\n".encode("cp1252"))
    assert parsed.utterances[0].text == "“quoted” \u2013 yes"
    assert parsed.encoding == "cp1252"


def test_bytes_undefined_in_cp1252_fall_back_to_latin1() -> None:
    parsed = parse_transcript(b"Zo\xeb: Undefined in Windows-1252: \x81\n")
    assert parsed.utterances[0] == Utterance("Zoë", "Undefined in Windows-1252: \x81")
    assert parsed.encoding == "latin-1"
    assert parsed.warnings == ("not valid UTF-8; read as Latin-1",)


def test_utf8_with_bom() -> None:
    parsed = parse_transcript(
        codecs.BOM_UTF8 + "WEBVTT\n\n00:01.000 --> 00:02.000\nZoë: Hi\n".encode()
    )
    assert parsed.format == "vtt"
    assert parsed.encoding == "utf-8"
    assert rows(parsed) == [("Zoë", "Hi", 1.0, 2.0)]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nZoë: Grüße\r\n"
    parsed = parse_transcript(bom + text.encode(codec))
    assert parsed.format == "srt"
    assert parsed.encoding == "utf-16"
    assert parsed.warnings == ()
    assert rows(parsed) == [("Zoë", "Grüße", 1.0, 2.0)]


@pytest.mark.parametrize(
    "data", [b"", b"  \n\t\r\n", codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")]
)
def test_empty_input(data: bytes) -> None:
    assert fails(data) == "the transcript is empty"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "Alice: hi".encode("utf-16-le"),  # UTF-16 without a BOM is full of NUL bytes
        bytes(range(1, 9)) * 20 + b"Alice: hi\n",
    ],
)
def test_binary_input(data: bytes) -> None:
    assert fails(data) == "this looks like a binary file, not a transcript"


def test_oversized_bytes_are_refused() -> None:
    data = b"a" * (50 * MB)
    with pytest.raises(TranscriptFormatError) as info:
        parse_transcript(data)
    assert str(info.value) == "the transcript is 50.0 MB; the limit is 20.0 MB"
    assert info.value.details == {"size_bytes": 50 * MB, "max_bytes": MAX_BYTES_DEFAULT}


def test_size_just_over_the_limit_does_not_read_as_equal() -> None:
    with pytest.raises(TranscriptFormatError, match=r"is 1\.1 MB; the limit is 1\.0 MB"):
        parse_transcript(b"a" * (MB + 1), max_bytes=MB)


def test_read_transcript_checks_size_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "huge.vtt"
    with big.open("wb") as handle:
        handle.truncate(50 * MB)  # sparse: costs no disk and no reading

    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read despite its size")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(TranscriptFormatError) as info:
        read_transcript(big)
    assert str(info.value) == "the transcript is 50.0 MB; the limit is 20.0 MB"


def test_read_transcript_uses_the_filename_as_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "cues.vtt"
    # Numbered cues without a WEBVTT header: the .vtt name decides between VTT and SRT.
    path.write_text("1\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi</v>\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert parsed.format == "vtt"
    assert rows(parsed) == [("Ann", "Hi", 1.0, 2.0)]


def test_errors_are_validation_errors_with_their_own_code() -> None:
    with pytest.raises(ValidationError) as info:
        parse_transcript(b"")
    assert info.value.code == "transcript_format"


# --- format detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n", "x.srt", "vtt"),
        ('{"prepared_remarks": []}', "AAT_q1_2020.txt", "json"),
        ('[\n  {"speaker": "A", "text": "x"}\n]', None, "json"),
        ("{ not json", "x.txt", "json"),
        ("[00:01:23] Alice: Hi", "x.json", "text"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n", None, "srt"),
        ("1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n", None, "srt"),
        ("1\n00:00:01.000 --> 00:00:02.000\nHi\n", "x.vtt", "vtt"),
        ("00:00:01.000 --> 00:00:02.000\nHi\n", None, "vtt"),
        ("00:00:01,000 --> 00:00:02,000\nHi\n", None, "srt"),
        ("Alice: Hi", "x.srt", "text"),
    ],
)
def test_detect_format(text: str, filename: str | None, expected: str) -> None:
    assert detect_format(text, filename) == expected

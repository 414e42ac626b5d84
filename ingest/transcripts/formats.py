"""Parsers for meeting-transcript exports: WebVTT, SRT, JSON and plain text.

Every format is normalised to :class:`~ingest.transcripts.model.ParsedTranscript`. A file that
cannot be read as a transcript at all (empty, too big, binary, malformed, no utterances) raises
:class:`TranscriptFormatError`; a file read only in part says so in ``warnings``.
"""

from __future__ import annotations

import codecs
import html
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

from core.errors import ValidationError
from ingest.transcripts.model import MeetingMeta, ParsedTranscript, Utterance

__all__ = [
    "MAX_BYTES_DEFAULT",
    "SUFFIXES",
    "UNKNOWN_SPEAKER",
    "TranscriptFormatError",
    "detect_format",
    "parse_transcript",
    "read_transcript",
    "transcript_files_in",
]

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
UNKNOWN_SPEAKER = "Unknown"

_MB = 1024 * 1024
_SNIFF_CHARS = 8192

# UTF-32 LE must come before UTF-16 LE: its BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

# A clock time: "1:23", "00:01:23", "00:01:23.456", "00:01:23,456".
_CLOCK = r"\d+(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_CUE_STAMP = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"(?P<start>{_CUE_STAMP})\s*-->\s*(?P<end>{_CUE_STAMP})(?:\s+.*)?")
_ANY_TIMING = re.compile(rf"^[ \t]*{_CUE_STAMP}[ \t]*-->", re.MULTILINE)
_SRT_START = re.compile(rf"^[ \t]*\d+[ \t]*\n[ \t]*{_CUE_STAMP}[ \t]*-->", re.MULTILINE)
_VTT_HEADER = re.compile(r"WEBVTT(?![^ \t\n])")
# An array of objects/strings/arrays, so "[00:01:23] Alice: hi" stays plain text.
_JSON_START = re.compile(r"\{|\[\s*[\[{\"\]]")

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(
    r"</?(?:c|i|b|u|v|lang|ruby|rt|font)\b[^>]*>|<\d+(?::\d{2}){1,2}\.\d{3}>", re.IGNORECASE
)
_FIELD = re.compile(r"\s*(?P<key>[A-Za-z][A-Za-z ]{0,30}?)\s*:\s*(?P<value>.*\S)\s*")

_LABEL_LINE = re.compile(r"(?P<label>[^:]{1,80}?)\s*:(?:\s+(?P<text>.*))?", re.DOTALL)
_BRACKET_LABEL = re.compile(r"\[(?P<label>[^\]]{1,80})\]\s*(?P<text>.*)", re.DOTALL)
_STAMP_FIRST = re.compile(rf"[\[(]?(?P<ts>{_CLOCK})[\])]?\s*(?:[-\u2013\u2014|]\s*)?(?P<rest>.+)")
_STAMP_AFTER_LABEL = re.compile(
    rf"(?P<label>[^:\[\]()]{{1,80}}?)\s*[\[(](?P<ts>{_CLOCK})[\])]\s*:\s*(?P<text>.*)"
)
_LABEL_THEN_STAMP = re.compile(rf"(?P<label>[^:]{{1,80}}?)\s+(?P<ts>{_CLOCK})")
_STAMP_ONLY = re.compile(rf"[\[(]?(?P<ts>{_CLOCK})[\])]?")

# Words that end in a colon in running text (or are sound annotations) but are no speaker.
_NOT_SPEAKERS = frozenset(
    {
        "action", "action item", "action items", "agenda", "also", "and", "applause",
        "attendees", "background noise", "but", "crosstalk", "date", "decision", "decisions",
        "e.g", "example", "for example", "fyi", "i.e", "important", "inaudible", "laughs",
        "laughter", "location", "music", "nb", "next step", "next steps", "noise", "note",
        "notes", "ok", "okay", "participants", "ps", "re", "reminder", "silence", "so",
        "subject", "summary", "time", "title", "to do", "todo", "update", "warning", "well",
    }
)  # fmt: skip
_SENTENCE_PUNCTUATION = frozenset('?!;,"“”…')
# Lower-case words a name or role may contain: "Ludwig van Beethoven", "Head of Sales".
_NAME_PARTICLES = frozenset(
    {"al", "and", "bin", "da", "das", "de", "del", "den", "der", "di", "dos", "du", "el",
     "for", "la", "le", "of", "the", "van", "von", "y"}
)  # fmt: skip

_JSON_LIST_KEYS = ("utterances", "transcript", "segments", "meeting_transcripts", "entries")
_EARNINGS_KEYS = ("prepared_remarks", "q_and_a")
_SPEAKER_KEYS = ("speaker", "name", "speaker_name")
_TEXT_KEYS = ("text", "content", "speech", "words")
_START_KEYS = ("start", "start_time", "timestamp")
_END_KEYS = ("end", "end_time")


class TranscriptFormatError(ValidationError):
    """The bytes are not a transcript this module can read; the message says why."""

    code = "transcript_format"


@dataclass(frozen=True, slots=True)
class _Block:
    """A run of non-blank lines; ``line`` is the 1-based number of its first line."""

    line: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Cue:
    start: float
    end: float
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Head:
    """The start of a plain-text turn. ``strong``: its shape leaves no doubt it is a speaker."""

    label: str
    start: float | None
    text: str
    strong: bool


_Parser = Callable[[str, list[str]], tuple[list[Utterance], MeetingMeta]]


# --- public API ------------------------------------------------------------------------------


SUFFIXES = (".vtt", ".srt", ".txt", ".json")
"""Extensions of the exports read here; the content, not the extension, decides the format."""


def transcript_files_in(folder: Path) -> list[Path]:
    """The transcript files under ``folder``, at any depth, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_transcript(path: Path, *, max_bytes: int = MAX_BYTES_DEFAULT) -> ParsedTranscript:
    """Read and parse the transcript file at ``path``.

    The size is checked with ``stat()`` first, so an oversized file is refused without being
    read. ``OSError`` (missing file, no permission) propagates unchanged.
    """
    _check_size(path.stat().st_size, max_bytes)
    return parse_transcript(path.read_bytes(), filename=path.name, max_bytes=max_bytes)


def parse_transcript(
    data: bytes, *, filename: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT
) -> ParsedTranscript:
    """Decode ``data``, detect its format and parse it into utterances and metadata.

    ``filename`` only breaks ties in format detection; the content decides first. Raises
    :class:`TranscriptFormatError` for empty, oversized, binary or malformed input and for a
    transcript without any utterance.
    """
    _check_size(len(data), max_bytes)
    if not data.strip():
        raise TranscriptFormatError("the transcript is empty")
    text, encoding, warnings = _decode(data)
    if _looks_binary(text[:_SNIFF_CHARS]):
        raise TranscriptFormatError("this looks like a binary file, not a transcript")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise TranscriptFormatError("the transcript is empty")
    fmt = detect_format(text, filename)
    utterances, meta = _PARSERS[fmt](text, warnings)
    if not utterances:
        raise TranscriptFormatError(f"the transcript ({fmt}) has no utterance with any text")
    return ParsedTranscript(
        format=fmt,
        utterances=tuple(utterances),
        meta=meta,
        encoding=encoding,
        warnings=tuple(warnings),
    )


def detect_format(text: str, filename: str | None = None) -> str:
    """Return ``"vtt"``, ``"srt"``, ``"json"`` or ``"text"`` for decoded transcript text.

    The content decides: a ``WEBVTT`` header, then a JSON object or array start (malformed JSON
    is still "json", so the parser can point at the error), then numbered SRT cues, then any
    cue timing line. The filename extension only breaks ties between VTT and SRT cues.
    """
    head = text.lstrip("\ufeff \t\r\n")
    hint = PurePath(filename).suffix.lower().lstrip(".") if filename else ""
    if _VTT_HEADER.match(head):
        return "vtt"
    if _JSON_START.match(head):
        return "json"
    sample = head[:65536].replace("\r\n", "\n")
    if _SRT_START.search(sample):
        return "vtt" if hint == "vtt" else "srt"
    timing = _ANY_TIMING.search(sample)
    if timing:
        if hint in ("vtt", "srt"):
            return hint
        return "srt" if "," in timing.group(0) else "vtt"
    return "text"


# --- bytes to text ---------------------------------------------------------------------------


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        # Round the size up so a file just over the limit never reads as equal to it.
        shown = math.ceil(size / _MB * 10) / 10
        raise TranscriptFormatError(
            f"the transcript is {shown:.1f} MB; the limit is {max_bytes / _MB:.1f} MB",
            size_bytes=size,
            max_bytes=max_bytes,
        )


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Return (text, encoding name, warnings)."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), name, []
            except UnicodeDecodeError:
                text = data.decode(codec, errors="replace")
                return text, name, [f"some bytes were not valid {name.upper()} and were replaced"]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", ["not valid UTF-8; read as Windows-1252"]
    except UnicodeDecodeError:
        # cp1252 leaves five byte values undefined; Latin-1 maps every byte.
        return data.decode("latin-1"), "latin-1", ["not valid UTF-8; read as Latin-1"]


def _looks_binary(sample: str) -> bool:
    if "\x00" in sample:
        return True
    return len(_CONTROL.findall(sample)) > len(sample) / 10


# --- helpers shared by the formats -----------------------------------------------------------


def _clean(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space."""
    return " ".join(text.split())


def _clean_paragraphs(text: str) -> str:
    """Like :func:`_clean`, but keep line breaks between non-blank lines."""
    return "\n".join(_clean(line) for line in text.splitlines() if line.strip())


def _seconds(stamp: str) -> float:
    """'01:02:03.5' / '2:03,5' / '3' -> seconds."""
    *clock, last = stamp.strip().replace(",", ".").split(":")
    total = 0
    for part in clock:
        total = total * 60 + int(part)
    return round(total * 60 + float(last), 3)


def _is_label(label: str) -> bool:
    """Could ``label`` be a speaker at all: a short label, not a sentence or a note heading."""
    label = label.strip()
    return (
        0 < len(label.split()) <= 6
        and label[0].isalpha()
        and not any(ch in _SENTENCE_PUNCTUATION for ch in label)
        and label.casefold() not in _NOT_SPEAKERS
    )


def _name_like(label: str) -> bool:
    """Capitalised like a name or role: 'Alice Smith', 'Speaker 2', 'Ernest S. Rady'."""
    words = label.split()
    if not words or not words[0][0].isupper():
        return False
    return all(
        w[0].isupper() or w[0].isdigit() or w[0] in "(&" or w in _NAME_PARTICLES for w in words
    )


class _Labels:
    """Decides which 'X:' prefixes name a speaker.

    A plausible label counts if it is capitalised like a name, or if it is used more than once
    in the file (so lower-case Zoom names still work while 'here is the thing:' does not).
    """

    def __init__(self, candidates: Iterable[str]) -> None:
        self._counts = Counter(_clean(c) for c in candidates if _is_label(c))

    def accepts(self, label: str) -> bool:
        return _is_label(label) and (_name_like(label) or self._counts[_clean(label)] > 1)


def _key_values(lines: Iterable[str], keys: frozenset[str]) -> dict[str, str]:
    """'Title: Weekly sync' lines -> {'title': 'Weekly sync'}, for the given keys only."""
    fields: dict[str, str] = {}
    for line in lines:
        match = _FIELD.fullmatch(line)
        if match and match["key"].casefold() in keys:
            fields.setdefault(match["key"].casefold(), match["value"])
    return fields


def _meta(
    title: object, held_on: object, client: object, attendees: object, warnings: list[str]
) -> MeetingMeta:
    return MeetingMeta(
        title=_meta_text(title),
        held_on=_meta_date(held_on, warnings),
        client=_meta_text(client),
        attendees=_meta_names(attendees),
    )


def _meta_from_fields(fields: dict[str, str], warnings: list[str]) -> MeetingMeta:
    attendees = fields.get("attendees") or fields.get("participants")
    return _meta(fields.get("title"), fields.get("date"), fields.get("client"), attendees, warnings)


def _meta_text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return _clean(value) or None


def _meta_date(value: object, warnings: list[str]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    warnings.append(f"could not read the meeting date {value!r}; it was left empty")
    return None


def _meta_names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = re.split(r"[,;]", value)
    if not isinstance(value, list):
        return ()
    names = [_clean(item) for item in value if isinstance(item, str)]
    return tuple(dict.fromkeys(name for name in names if name))


# --- WebVTT and SRT ---------------------------------------------------------------------------


def _blocks(text: str) -> list[_Block]:
    """Split text into runs of non-blank lines, remembering where each run starts."""
    blocks: list[_Block] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line.strip())
        elif current:
            blocks.append(_Block(first, tuple(current)))
            current = []
    if current:
        blocks.append(_Block(first, tuple(current)))
    return blocks


def _cue(block: _Block) -> _Cue | None:
    """The block as a cue, or None if its timing line is missing or cut off."""
    # The timing line comes first, or second after a cue identifier.
    for at in (0, 1):
        if at < len(block.lines) and "-->" in block.lines[at]:
            match = _TIMING.fullmatch(block.lines[at])
            if match is None:
                return None
            return _Cue(_seconds(match["start"]), _seconds(match["end"]), block.lines[at + 1 :])
    return None


def _read_cues(blocks: Sequence[_Block], kind: str, warnings: list[str]) -> list[_Cue]:
    """Turn blocks into cues; a cut-off last cue is skipped with a warning."""
    cues: list[_Cue] = []
    incomplete: _Block | None = None
    for index, block in enumerate(blocks):
        is_last = index == len(blocks) - 1
        cue = _cue(block)
        # An empty cue mid-file is legal; at the very end it means the file was cut off.
        if cue is not None and (cue.lines or not is_last):
            cues.append(cue)
        elif is_last:
            incomplete = block
        else:
            warnings.append(f"line {block.line}: a block that is not a complete cue was skipped")
    if not cues:
        if incomplete is not None:
            raise TranscriptFormatError(
                f"no complete cue found in this {kind} file; "
                f"the only cue (line {incomplete.line}) is incomplete",
                line=incomplete.line,
            )
        raise TranscriptFormatError(f"no cues found in this {kind} file")
    if incomplete is not None:
        warnings.append(f"the last cue (line {incomplete.line}) is incomplete and was skipped")
    return cues


def _split_speaker(text: str, labels: _Labels, *, brackets: bool) -> tuple[str, str]:
    """'Alice: hi' (or '[Alice] hi' when ``brackets``) -> ('Alice', 'hi'); else Unknown."""
    patterns = (_LABEL_LINE, _BRACKET_LABEL) if brackets else (_LABEL_LINE,)
    for pattern in patterns:
        match = pattern.fullmatch(text)
        body = (match["text"] or "").strip() if match else ""
        if match and body and labels.accepts(match["label"]):
            return _clean(match["label"]), body
    return UNKNOWN_SPEAKER, text


def _prefix_label(text: str, *, brackets: bool) -> str:
    match = _LABEL_LINE.fullmatch(text) or (_BRACKET_LABEL.fullmatch(text) if brackets else None)
    return match["label"] if match else ""


def _cue_utterances(
    segments: Sequence[tuple[_Cue, str | None, str]], *, brackets: bool
) -> list[Utterance]:
    """(cue, voice or None, cleaned text) -> utterances; without a voice, read a prefix."""
    labels = _Labels(_prefix_label(text, brackets=brackets) for _, voice, text in segments)
    utterances: list[Utterance] = []
    for cue, voice, text in segments:
        if voice is not None:
            speaker, body = _clean(voice) or UNKNOWN_SPEAKER, text
        else:
            speaker, body = _split_speaker(text, labels, brackets=brackets)
        if body:
            utterances.append(Utterance(speaker, body, cue.start, cue.end))
    return utterances


def _voice_segments(cue: _Cue) -> list[tuple[_Cue, str | None, str]]:
    """Split a VTT cue on its <v Name> spans; text before the first span has no voice."""
    parts = _VOICE.split(" ".join(cue.lines))
    pieces: list[tuple[str | None, str]] = [(None, parts[0])]
    pieces += [
        (html.unescape(name), part) for name, part in zip(parts[1::2], parts[2::2], strict=True)
    ]
    segments: list[tuple[_Cue, str | None, str]] = []
    for voice, raw in pieces:
        text = _clean(html.unescape(_TAG.sub("", raw)))
        if not text:
            continue
        if segments and segments[-1][1] == voice:
            segments[-1] = (cue, voice, f"{segments[-1][2]} {text}")
        else:
            segments.append((cue, voice, text))
    return segments


def _parse_vtt(text: str, warnings: list[str]) -> tuple[list[Utterance], MeetingMeta]:
    """WebVTT (Zoom, Teams, Meet): cues with <v Name> voices or 'Name: text' prefixes."""
    keys = frozenset({"title", "date", "client", "attendees", "participants"})
    blocks = _blocks(text)
    fields: dict[str, str] = {}
    if blocks and _VTT_HEADER.match(blocks[0].lines[0]):
        fields.update(_key_values(blocks[0].lines[1:], keys))
        blocks = blocks[1:]
    cue_blocks: list[_Block] = []
    for block in blocks:
        first = block.lines[0]
        if first == "NOTE" or first.startswith(("NOTE ", "NOTE\t")):
            # 'NOTE Title: X' may carry metadata; other notes are comments.
            for key, value in _key_values([first[4:], *block.lines[1:]], keys).items():
                fields.setdefault(key, value)
        elif first not in ("STYLE", "REGION"):
            cue_blocks.append(block)
    cues = _read_cues(cue_blocks, "WebVTT", warnings)
    segments = [segment for cue in cues for segment in _voice_segments(cue)]
    return _cue_utterances(segments, brackets=False), _meta_from_fields(fields, warnings)


def _parse_srt(text: str, warnings: list[str]) -> tuple[list[Utterance], MeetingMeta]:
    """SRT: numbered cues; speaker from a 'Name: text' or '[Name] text' prefix."""
    cues = _read_cues(_blocks(text), "SRT", warnings)
    segments: list[tuple[_Cue, str | None, str]] = []
    for cue in cues:
        segments.append((cue, None, _clean(_TAG.sub("", " ".join(cue.lines)))))
    return _cue_utterances(segments, brackets=True), MeetingMeta()


# --- plain text -------------------------------------------------------------------------------


def _text_head(lines: Sequence[str], index: int) -> _Head | None:
    """The speaker turn starting on ``lines[index]``, if the line has one of the known shapes."""
    line = lines[index]
    stamped = _STAMP_FIRST.fullmatch(line)
    if stamped:  # [00:01:23] Alice: text / 00:01:23 Alice: text / (1:23) Alice: text
        match = _LABEL_LINE.fullmatch(stamped["rest"])
        if match and _is_label(match["label"]):
            return _Head(match["label"], _seconds(stamped["ts"]), match["text"] or "", True)
    match = _STAMP_AFTER_LABEL.fullmatch(line)  # Alice (00:01:23): text
    if match and _is_label(match["label"]):
        return _Head(match["label"], _seconds(match["ts"]), match["text"], True)
    match = _LABEL_LINE.fullmatch(line)  # Alice: text
    if match and _is_label(match["label"]):
        return _Head(match["label"], None, match["text"] or "", False)
    # Otter: "Alice Smith  0:03" alone after a blank line, the text on the lines below.
    match = _LABEL_THEN_STAMP.fullmatch(line)
    starts_paragraph = index == 0 or not lines[index - 1]
    has_text_below = index + 1 < len(lines) and bool(lines[index + 1])
    if match and starts_paragraph and has_text_below and _is_label(match["label"]):
        return _Head(match["label"], _seconds(match["ts"]), "", False)
    return None


def _parse_text(text: str, warnings: list[str]) -> tuple[list[Utterance], MeetingMeta]:
    """Plain text: 'Speaker: text' lines, optionally timestamped; other lines continue a turn."""
    lines = [line.strip() for line in text.split("\n")]
    heads = [_text_head(lines, i) if line else None for i, line in enumerate(lines)]
    labels = _Labels(head.label for head in heads if head)
    meta_keys = frozenset({"title", "date", "attendees", "participants"})
    fields: dict[str, str] = {}
    turns: list[tuple[str, float | None, list[str]]] = []
    pending_start: float | None = None  # from a timestamp alone on the line above a turn
    skipped = 0
    for line, head in zip(lines, heads, strict=True):
        if head and (head.strong or labels.accepts(head.label)):
            start = head.start if head.start is not None else pending_start
            turns.append((_clean(head.label), start, [head.text]))
            pending_start = None
        elif not line:
            continue
        elif stamp := _STAMP_ONLY.fullmatch(line):
            pending_start = _seconds(stamp["ts"])
        elif turns:
            turns[-1][2].append(line)
        elif field := _key_values([line], meta_keys):
            fields.update(field)
        else:
            skipped += 1
    if not turns:
        raise TranscriptFormatError(
            "no 'Speaker: text' lines found; a plain-text transcript needs lines such as "
            "'Alice: Hello everyone' or '[00:01:23] Alice: Hello everyone'"
        )
    if skipped:
        warnings.append(f"{skipped} line(s) before the first speaker were skipped")
    utterances = [
        Utterance(speaker or UNKNOWN_SPEAKER, _clean(" ".join(parts)), start)
        for speaker, start, parts in turns
    ]
    return [u for u in utterances if u.text], _meta_from_fields(fields, warnings)


# --- JSON --------------------------------------------------------------------------------------


def _parse_json(text: str, warnings: list[str]) -> tuple[list[Utterance], MeetingMeta]:
    """A JSON list of utterance objects, or an object holding such a list plus metadata."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(
            f"the JSON is malformed: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except RecursionError:
        raise TranscriptFormatError("the JSON is nested too deeply") from None
    if isinstance(doc, list):
        return _json_utterances(doc, None, warnings), MeetingMeta()
    if not isinstance(doc, dict):
        raise TranscriptFormatError("the JSON is neither a list of utterances nor an object")
    utterances: list[Utterance] = []
    for key, items in _json_lists(doc):
        if isinstance(items, str):  # {"transcript": "Alice: hi\nBob: hello"}
            utterances += _parse_text(items, warnings)[0]
        elif isinstance(items, list):
            utterances += _json_utterances(items, key, warnings)
        else:
            raise TranscriptFormatError(f"{key!r} should be a list of utterances")
    attendees = doc.get("attendees", doc.get("participants"))
    meta = _meta(doc.get("title"), doc.get("date"), doc.get("client"), attendees, warnings)
    return utterances, meta


def _json_lists(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """The (key, value) pairs holding the utterances, in reading order."""
    if any(key in doc for key in _EARNINGS_KEYS):  # earnings calls: remarks, then Q&A
        return [(key, doc[key]) for key in _EARNINGS_KEYS if key in doc]
    for key in _JSON_LIST_KEYS:
        if key in doc:
            return [(key, doc[key])]
    raise TranscriptFormatError(
        "the JSON object has no list of utterances (expected one of "
        f"{', '.join(_JSON_LIST_KEYS)}, or prepared_remarks and q_and_a)"
    )


def _json_utterances(items: list[Any], key: str | None, warnings: list[str]) -> list[Utterance]:
    utterances: list[Utterance] = []
    for index, item in enumerate(items):
        where = f"utterance {index}" if key is None else f"utterance {index} in {key!r}"
        if not isinstance(item, dict):
            raise TranscriptFormatError(f"{where} is not an object", index=index, key=key)
        speaker_key = next((k for k in _SPEAKER_KEYS if k in item), None)
        text_key = next((k for k in _TEXT_KEYS if k in item), None)
        if speaker_key is None:
            raise TranscriptFormatError(
                f"{where} has no speaker field (expected one of {', '.join(_SPEAKER_KEYS)})",
                index=index,
                key=key,
            )
        if text_key is None:
            raise TranscriptFormatError(
                f"{where} has no text field (expected one of {', '.join(_TEXT_KEYS)})",
                index=index,
                key=key,
            )
        text = _clean_paragraphs(_json_text(item[text_key], where))
        if not text:
            continue
        utterances.append(
            Utterance(
                _json_speaker(item[speaker_key], where),
                text,
                _json_time(item, _START_KEYS, where, warnings),
                _json_time(item, _END_KEYS, where, warnings),
            )
        )
    return utterances


def _json_speaker(value: object, where: str) -> str:
    if value is None:
        return UNKNOWN_SPEAKER
    if isinstance(value, str | int) and not isinstance(value, bool):
        return _clean(str(value)) or UNKNOWN_SPEAKER
    raise TranscriptFormatError(f"{where} has a speaker that is not a string")


def _json_text(value: object, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # word lists: ["Hello", "all"] or [{"word": "Hello"}, ...]
        return " ".join(_json_word(word, where) for word in value)
    raise TranscriptFormatError(f"{where} has text that is neither a string nor a list of words")


def _json_word(word: object, where: str) -> str:
    if isinstance(word, dict):
        word = word.get("word", word.get("text"))
    if isinstance(word, str):
        return word
    raise TranscriptFormatError(f"{where} has a word that is neither a string nor a word object")


def _json_time(
    item: dict[str, Any], keys: Sequence[str], where: str, warnings: list[str]
) -> float | None:
    """Seconds from a number or an 'HH:MM:SS(.mmm)' string; unreadable -> None + warning."""
    key = next((k for k in keys if item.get(k) is not None), None)
    if key is None:
        return None
    value = item[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        stamp = value.strip()
        if re.fullmatch(_CLOCK, stamp):
            return _seconds(stamp)
        try:
            return float(stamp)
        except ValueError:
            pass
    warnings.append(f"{where}: could not read the time {key}={value!r}; it was left empty")
    return None


_PARSERS: dict[str, _Parser] = {
    "vtt": _parse_vtt,
    "srt": _parse_srt,
    "json": _parse_json,
    "text": _parse_text,
}

"""The stakeholder evaluation's data: ground truth from the public transcripts, and each
meeting written out in a supported transcript format and parsed back.

Earnings calls (``earnings_calls_motleyfool/*.txt``, JSON) list their ``participants`` as
``"Name--Title"`` (company people) and ``"Name--Firm -- Analyst"`` (outside analysts); committee
meetings (``qmsum_committee/*.json``) give their people as speaker labels, offices in
parentheses. See :mod:`evals.stakeholders` for how they are scored.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.settings import get_settings
from ingest.transcripts.formats import parse_transcript
from ingest.transcripts.model import Utterance

Dataset = Literal["earnings_calls", "committee"]
FORMATS = ("vtt", "srt", "text", "json")


def default_data_dir() -> Path:
    """The public transcripts (``CHASEN_SHARED_DATA``, default ``../shared/data/transcripts``)."""
    return get_settings().shared_transcripts


# --------------------------------------------------------------------------- ground truth


@dataclass(frozen=True, slots=True)
class Truth:
    """A ground-truth person: name, title, firm (analysts) and side."""

    name: str
    title: str | None
    firm: str | None
    side: Literal["customer", "third_party"]


@dataclass(frozen=True, slots=True)
class Meeting:
    """One file: its raw turns (speaker, text), ground truth and customer name."""

    dataset: Dataset
    file: str
    organisation: str
    turns: tuple[tuple[str, str], ...]
    truth: tuple[Truth, ...]
    raw: bytes


def parse_participant(entry: str) -> Truth:
    """ "Adam Wyll--Executive Vice President" or "Craig Schmidt--Bank of America -- Analyst".

    The name ends at the first "--"; an odd entry such as "Haendel Emmanuel St--Juste-Mizuho
    Securities -- Analyst" is read the same way (name "Haendel Emmanuel St").
    """
    name, _, rest = entry.partition("--")
    if " -- " in rest:
        firm, _, title = rest.rpartition(" -- ")
        return Truth(name.strip(), title.strip() or None, firm.strip() or None, "third_party")
    return Truth(name.strip(), rest.strip() or None, None, "customer")


_HONORIFIC = re.compile(r"^(?:(?:Right|Rt\.?)\s+)?(?:Hon\.|Mr\.|Mrs\.|Ms\.|Dr\.?|Prof\.?)\s+")
_RIDING = re.compile(r",\s*\S+$")  # "(Victoria, NDP)", "(NipissingTimiskaming, Lib.)"


def _outer_parentheticals(label: str) -> tuple[str, list[str]]:
    outside, inside, depth, current = [], [], 0, []
    for char in label:
        if char == "(":
            if depth:
                current.append(char)
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth:
                current.append(char)
            else:
                inside.append("".join(current).strip())
                current = []
        elif depth:
            current.append(char)
        else:
            outside.append(char)
    return "".join(outside).strip(), inside


def committee_truth(label: str) -> Truth | None:
    """The person a committee speaker label names, with its title, or None ("The Chair").

    Independent of the detector's own cleaning: honorifics, " AM" and parentheses are removed;
    a label opening with "The" is a role whose holder (if any) is in its first parenthesis.
    """
    outside, inside = _outer_parentheticals(label.strip())
    role: str | None = None
    if outside.startswith("The "):
        if not inside:
            return None
        role = outside[len("The ") :].strip()
        outside, inside = _outer_parentheticals(inside[0])
    name = _HONORIFIC.sub("", outside)
    name = re.sub(r"\s+(?:AM|MS|MP)$", "", name).strip()
    titles = [p for p in inside if not _RIDING.search(p)]
    title = role or (titles[0] if titles else None)
    return Truth(name, title, None, "customer")


def load_meetings(data_dir: Path) -> list[Meeting]:
    """Every earnings call and committee meeting under ``data_dir``, in a stable order."""
    meetings: list[Meeting] = []
    for path in sorted((data_dir / "earnings_calls_motleyfool").glob("*.txt")):
        raw = path.read_bytes()
        doc = json.loads(raw)
        items = [*doc.get("prepared_remarks", []), *doc.get("q_and_a", [])]
        turns = tuple((str(i["speaker"]), str(i.get("speech") or "")) for i in items)
        truth = tuple(parse_participant(p) for p in doc.get("participants", []))
        ticker = path.stem.split("_")[0]
        meetings.append(Meeting("earnings_calls", path.name, ticker, turns, truth, raw))
    for path in sorted((data_dir / "qmsum_committee").glob("*.json")):
        raw = path.read_bytes()
        doc = json.loads(raw)
        turns = tuple(
            (str(i["speaker"]), str(i.get("content") or "")) for i in doc["meeting_transcripts"]
        )
        people: dict[str, Truth] = {}
        for speaker, _ in turns:
            person = committee_truth(speaker)
            if person is None:
                continue
            known = people.get(person.name.casefold())
            if known is None or (known.title is None and person.title):
                people[person.name.casefold()] = person
        topic = path.stem.split("_")[0]
        organisation = f"{topic} committee"
        meetings.append(
            Meeting("committee", path.name, organisation, turns, tuple(people.values()), raw)
        )
    return meetings


# --------------------------------------------------------------------------- conversion


def spoken_turns(turns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Turns with text (an empty "Duration: 40 minutes" turn has nothing to write)."""
    return [(s, t.strip()) for s, t in turns if t.strip()]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _timed(turns: Sequence[tuple[str, str]]) -> list[tuple[float, float, str, str]]:
    """Made-up times: 0.4 s a word, one second between turns."""
    timed: list[tuple[float, float, str, str]] = []
    clock = 0.0
    for speaker, text in spoken_turns(turns):
        end = clock + max(1.0, 0.4 * len(text.split()))
        timed.append((clock, end, speaker, text))
        clock = end + 1.0
    return timed


def to_vtt(turns: Sequence[tuple[str, str]]) -> bytes:
    """WebVTT with a ``<v Speaker>`` voice per cue."""
    cues = ["WEBVTT", ""]
    for index, (start, end, speaker, text) in enumerate(_timed(turns), 1):
        body = html.escape(_one_line(text).replace("-->", "->"), quote=False)
        cues += [str(index), f"{_clock(start, '.')} --> {_clock(end, '.')}"]
        cues += [f"<v {html.escape(speaker, quote=False)}>{body}", ""]
    return "\n".join(cues).encode()


def to_srt(turns: Sequence[tuple[str, str]]) -> bytes:
    """SRT with a ``Speaker: text`` line per cue."""
    cues: list[str] = []
    for index, (start, end, speaker, text) in enumerate(_timed(turns), 1):
        cues += [str(index), f"{_clock(start, ',')} --> {_clock(end, ',')}"]
        cues += [f"{speaker}: {_one_line(text).replace('-->', '->')}", ""]
    return "\n".join(cues).encode()


def to_text(turns: Sequence[tuple[str, str]]) -> bytes:
    """Plain text, one ``Speaker: text`` line per turn."""
    return "\n".join(f"{s}: {_one_line(t)}" for s, t in spoken_turns(turns)).encode()


def to_json(meeting: Meeting) -> bytes:
    """The original JSON file, as published."""
    return meeting.raw


def convert(meeting: Meeting, fmt: str) -> tuple[bytes, str]:
    """The meeting written in ``fmt``, and a file name with the usual extension."""
    stem = Path(meeting.file).stem
    if fmt == "vtt":
        return to_vtt(meeting.turns), f"{stem}.vtt"
    if fmt == "srt":
        return to_srt(meeting.turns), f"{stem}.srt"
    if fmt == "text":
        return to_text(meeting.turns), f"{stem}.txt"
    return to_json(meeting), f"{stem}.json"


def parse_back(data: bytes, filename: str) -> list[Utterance]:
    """A written-out meeting read back by the product's own parser."""
    return list(parse_transcript(data, filename=filename).utterances)

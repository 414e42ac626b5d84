"""The transcript as every parser hands it over: utterances plus meeting metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Utterance:
    """One speaker turn. Times are seconds from the start of the meeting, when known."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class MeetingMeta:
    """What the file itself says about the meeting; the CLI or API may override each field."""

    title: str | None = None
    held_on: date | None = None
    client: str | None = None
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    """A whole transcript: its detected format, metadata, utterances, and what was odd about it.

    ``warnings`` states any partial result (a truncated last cue, a fallback encoding) in words
    a person can read; an empty list means the file was read in full as it is.
    """

    format: str
    utterances: tuple[Utterance, ...]
    meta: MeetingMeta = field(default_factory=MeetingMeta)
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()

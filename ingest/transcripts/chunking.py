"""Cutting a transcript into chunks of about ``size`` tokens on utterance boundaries.

A chunk ends before the utterance that would overflow it; the next chunk starts with the last
utterances of the previous one, up to ``overlap`` tokens, so that an answer spanning a boundary
is still found whole. An utterance too long for one chunk is split at sentence ends (and, for a
run-on sentence, at token boundaries); its pieces keep its speaker and times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.errors import ValidationError
from core.tokens import encoding
from ingest.transcripts.model import Utterance

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of consecutive utterances, rendered as ``Speaker: text`` lines."""

    seq: int
    text: str
    speakers: tuple[str, ...]
    start: float | None
    end: float | None
    token_count: int


@dataclass(frozen=True, slots=True)
class _Line:
    utterance: Utterance
    text: str
    tokens: int


class Chunker:
    """Token-bounded chunking; ``size`` and ``overlap`` are in tokens of ``encoding_name``."""

    def __init__(self, size: int = 200, overlap: int = 40, encoding_name: str = "o200k_base"):
        if size < 16:
            raise ValidationError(f"chunk size must be at least 16 tokens, not {size}")
        if not 0 <= overlap < size:
            raise ValidationError(f"chunk overlap must be between 0 and {size - 1}, not {overlap}")
        self.size = size
        self.overlap = overlap
        self._encoding = encoding(encoding_name)

    def count(self, text: str) -> int:
        """Tokens in ``text``."""
        return len(self._encoding.encode(text, disallowed_special=()))

    def chunks(self, utterances: Iterable[Utterance]) -> Iterator[Chunk]:
        """Yield chunks lazily, so a long transcript never sits in memory as chunks."""
        window: list[_Line] = []
        tokens = 0
        seq = 0
        for line in self._lines(utterances):
            if window and tokens + line.tokens > self.size:
                yield _chunk(seq, window)
                seq += 1
                window = self._overlap_tail(window, line.tokens)
                tokens = sum(item.tokens for item in window)
            window.append(line)
            tokens += line.tokens
        if window:
            yield _chunk(seq, window)

    def _overlap_tail(self, window: list[_Line], incoming: int) -> list[_Line]:
        """The last lines of ``window`` that fit in the overlap and leave room for the next."""
        tail: list[_Line] = []
        budget = min(self.overlap, self.size - incoming)
        for line in reversed(window):
            if line.tokens > budget:
                break
            tail.insert(0, line)
            budget -= line.tokens
        return tail

    def _lines(self, utterances: Iterable[Utterance]) -> Iterator[_Line]:
        for utterance in utterances:
            for piece in self._pieces(utterance):
                text = f"{utterance.speaker}: {piece}"
                yield _Line(utterance, text, self.count(text) + 1)  # +1: the newline

    def _pieces(self, utterance: Utterance) -> Iterator[str]:
        """The utterance's text, split so that every piece fits in a chunk with its label."""
        room = self.size - self.count(f"{utterance.speaker}: ") - 1
        if self.count(utterance.text) <= room:
            yield utterance.text
            return
        piece = ""
        for sentence in _SENTENCE_END.split(utterance.text):
            candidate = f"{piece} {sentence}".strip()
            if self.count(candidate) <= room:
                piece = candidate
                continue
            if piece:
                yield piece
            piece = ""
            if self.count(sentence) <= room:
                piece = sentence
            else:
                yield from self._token_windows(sentence, room)
        if piece:
            yield piece

    def _token_windows(self, text: str, room: int) -> Iterator[str]:
        ids = self._encoding.encode(text, disallowed_special=())
        for start in range(0, len(ids), room):
            yield self._encoding.decode(ids[start : start + room]).strip()


def _chunk(seq: int, window: list[_Line]) -> Chunk:
    speakers = tuple(dict.fromkeys(line.utterance.speaker for line in window))
    starts = [line.utterance.start for line in window if line.utterance.start is not None]
    ends = [
        t for line in window for t in (line.utterance.end, line.utterance.start) if t is not None
    ]
    return Chunk(
        seq=seq,
        text="\n".join(line.text for line in window),
        speakers=speakers,
        start=min(starts) if starts else None,
        end=max(ends) if ends else None,
        token_count=sum(line.tokens for line in window) - 1,
    )

"""Token chunking on utterance boundaries."""

from __future__ import annotations

import itertools

import pytest

from core.errors import ConfigurationError, ValidationError
from core.tokens import encoding
from ingest.transcripts.chunking import Chunker
from ingest.transcripts.model import Utterance


def turns(n: int, words: int = 12) -> list[Utterance]:
    return [
        Utterance(
            f"Speaker {i % 3}", " ".join(f"w{i}x{j}" for j in range(words)), i * 10.0, i * 10.0 + 8
        )
        for i in range(n)
    ]


def test_chunks_stay_within_the_token_budget_and_keep_every_utterance() -> None:
    chunker = Chunker(size=80, overlap=0)
    utterances = turns(30)
    chunks = list(chunker.chunks(utterances))
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunker.count(chunk.text) <= 80
        assert chunk.token_count == chunker.count(chunk.text)
    lines = [line for c in chunks for line in c.text.split("\n")]
    assert lines == [f"{u.speaker}: {u.text}" for u in utterances]  # no loss, no repeat


def test_chunks_carry_their_speakers_and_time_span() -> None:
    chunks = list(Chunker(size=80, overlap=0).chunks(turns(30)))
    first = chunks[0]
    n = first.text.count("\n") + 1
    assert first.start == 0.0
    assert first.end == (n - 1) * 10.0 + 8
    assert first.speakers == tuple(dict.fromkeys(f"Speaker {i % 3}" for i in range(n)))
    assert [c.seq for c in chunks] == list(range(len(chunks)))


def test_overlap_repeats_the_last_utterances_of_the_previous_chunk() -> None:
    chunker = Chunker(size=80, overlap=30)
    utterances = turns(30, words=4)
    assert all(chunker.count(f"{u.speaker}: {u.text}") < 30 for u in utterances)
    chunks = list(chunker.chunks(utterances))
    assert len(chunks) > 3
    for previous, current in itertools.pairwise(chunks):
        assert previous.text.split("\n")[-1] == current.text.split("\n")[0]


def test_a_long_utterance_is_split_at_sentences_and_keeps_its_speaker() -> None:
    sentence = "The pathology interface dropped results twice this week and nobody was told."
    long = Utterance("Greg Potter", " ".join([sentence] * 20), 60.0, 180.0)
    chunker = Chunker(size=64, overlap=0)
    chunks = list(chunker.chunks([long]))
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.speakers == ("Greg Potter",)
        assert chunk.text.startswith("Greg Potter: The pathology")
        assert (chunk.start, chunk.end) == (60.0, 180.0)
        assert chunker.count(chunk.text) <= 64


def test_a_run_on_sentence_is_split_by_tokens() -> None:
    chunker = Chunker(size=32, overlap=0)
    chunks = list(chunker.chunks([Utterance("A", "word " * 200)]))
    assert all(chunker.count(c.text) <= 32 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) == 200


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        Chunker(size=8)
    with pytest.raises(ValidationError, match="overlap must be between 0 and 99"):
        Chunker(size=100, overlap=100)


def test_a_missing_encoding_names_the_cache_variable() -> None:
    with pytest.raises(ConfigurationError, match="tiktoken encoding 'no_such_base'"):
        encoding("no_such_base")

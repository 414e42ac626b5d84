"""An LLM judge, for what a deterministic check cannot decide: how a text is worded.

Only used when a model is configured. The judge answers a score from 1 (fails the criterion)
to 5 (meets it fully) and one sentence of reason, as JSON; a reply that is not that JSON is
recorded as unjudged rather than guessed at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from langchain_core.messages import HumanMessage

from agent import models
from agent.context import ModelSettings

JUDGE_PROMPT = """You are grading one text written by a planning assistant.
Criterion: {criterion}

Text:
<<<
{text}
>>>

Answer with JSON only: {{"score": <1-5>, "reason": "<one sentence>"}}.
5 means the text meets the criterion fully, 1 that it fails it."""

_JSON = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class Verdict:
    """The judge's score (None when its reply could not be read), reason and tokens."""

    score: int | None
    reason: str
    input_tokens: int
    output_tokens: int


def judge(model: ModelSettings, criterion: str, text: str) -> Verdict:
    """Ask the configured model to grade ``text`` against ``criterion``."""
    if model.offline:
        raise ValueError("the judge needs a configured model")
    message = HumanMessage(content=JUDGE_PROMPT.format(criterion=criterion, text=text))
    try:
        reply = models.invoke(model, [message])
    except models.ModelUnavailableError as down:
        return Verdict(None, f"not judged: {down}", 0, 0)
    return read_verdict(str(reply.message.content), reply.input_tokens, reply.output_tokens)


def read_verdict(content: str, input_tokens: int, output_tokens: int) -> Verdict:
    """The verdict in the judge's reply, or an unjudged one naming what came back."""
    found = _JSON.search(content)
    try:
        data = json.loads(found.group(0)) if found else {}
        score = int(data["score"]) if isinstance(data, dict) else 0
        reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
    except (ValueError, KeyError, TypeError):
        score, reason = 0, ""
    if not 1 <= score <= 5:
        unread = f"not judged: unreadable reply {content[:80]!r}"
        return Verdict(None, unread, input_tokens, output_tokens)
    return Verdict(score, reason, input_tokens, output_tokens)

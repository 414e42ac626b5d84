"""The language model: ChatOpenAI on any OpenAI-compatible service, and when it gives up."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.context import ModelSettings


class ModelUnavailableError(Exception):
    """The model service failed after its retries; the caller falls back to offline."""


@functools.lru_cache(maxsize=8)
def chat_model(settings: ModelSettings) -> ChatOpenAI:
    """A ChatOpenAI client with the settings' model, service, timeout and retries.

    The openai client retries connection errors, timeouts, 429 and 5xx itself, with
    exponential backoff that honours Retry-After.
    """
    return ChatOpenAI(
        model=settings.name,
        base_url=settings.base_url,
        # OpenAI-compatible servers (vLLM, Ollama) often need no key, but the client wants one.
        api_key=SecretStr(settings.api_key or "not-needed"),
        timeout=settings.timeout_s,
        max_retries=settings.max_retries,
        temperature=0,
        # Token counts also when a streamed run (POST /chat/stream) makes the model stream.
        stream_usage=True,
    )


@dataclass(frozen=True)
class ModelReply:
    """The model's message and the tokens it cost."""

    message: AIMessage
    input_tokens: int
    output_tokens: int


def invoke(
    settings: ModelSettings, messages: Sequence[BaseMessage], tools: Sequence[BaseTool] = ()
) -> ModelReply:
    """One model call; ModelUnavailableError when the service cannot answer."""
    model = chat_model(settings)
    runnable = model.bind_tools(tool_schemas(tools)) if tools else model
    try:
        reply = runnable.invoke(list(messages))
    except openai.APIError as exc:
        raise ModelUnavailableError(_describe(exc)) from exc
    assert isinstance(reply, AIMessage)
    usage = reply.usage_metadata or {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    return ModelReply(reply, usage["input_tokens"], usage["output_tokens"])


_SCHEMAS: dict[str, dict[str, Any]] = {}


def tool_schemas(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """The tools' OpenAI function schemas, built once per tool name.

    Tools are rebuilt for each run (they close over the asking person), but their schemas do
    not depend on who asks; converting them anew on every model call costs more than the call.
    """
    schemas = []
    for tool in tools:
        if tool.name not in _SCHEMAS:
            _SCHEMAS[tool.name] = convert_to_openai_tool(tool)
        schemas.append(_SCHEMAS[tool.name])
    return schemas


def _describe(exc: openai.APIError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "the model service timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "the model service could not be reached"
    if isinstance(exc, openai.RateLimitError):
        return "the model service is rate-limiting requests (429)"
    if isinstance(exc, openai.APIStatusError):
        return f"the model service answered {exc.status_code}"
    return f"the model service failed ({type(exc).__name__})"

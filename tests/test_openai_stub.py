"""The OpenAI stub driven by the real clients: ChatOpenAI (plain, tools, streaming), faults."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.openai_stub import (
    NO_REPLY,
    OpenAIStub,
    Reply,
    chat_request_problems,
    running_stub,
    text_reply,
    tool_call_reply,
    tool_calls_reply,
)


@tool
def lookup_risks(client: str, limit: int = 3) -> str:
    """Look up the open risks of a client."""
    return f"{limit} risks for {client}"


@tool
def notify_owner(risk_id: int) -> str:
    """Tell the owner of a risk about it."""
    return f"notified about {risk_id}"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    """A running stub with small embeddings."""
    with running_stub(dim=8) as stub:
        yield stub


def chat(stub: OpenAIStub, **kwargs: Any) -> ChatOpenAI:
    """The real LangChain client pointed at the stub."""
    options: dict[str, Any] = {"max_retries": 0, "timeout": 5.0, **kwargs}
    return ChatOpenAI(model="gpt-4o-mini", base_url=stub.base_url, api_key="test", **options)


def invoke(model: Any, prompt: Any) -> AIMessage:
    """``model.invoke`` narrowed to the AIMessage a chat model returns."""
    message = model.invoke(prompt)
    assert isinstance(message, AIMessage)
    return message


def stream(model: Any, prompt: Any) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    """The chunks ``model.stream`` yields and their sum."""
    chunks = list(model.stream(prompt))
    assert chunks and all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    return chunks, merged


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A raw POST (status, headers, JSON body), to see exactly what the stub answers."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_a_text_reply_carries_usage_and_echoes_the_model(stub: OpenAIStub) -> None:
    stub.script.append(text_reply("Two risks are open."))
    message = invoke(chat(stub), "how many risks are open for Eastern Health")

    assert message.content == "Two risks are open."
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 8
    assert message.usage_metadata["output_tokens"] == 4
    assert message.usage_metadata["total_tokens"] == 12
    assert message.response_metadata["model_name"] == "gpt-4o-mini"
    assert message.response_metadata["id"] == "chatcmpl-stub-1"
    assert stub.chat_requests()[0]["messages"] == [
        {"role": "user", "content": "how many risks are open for Eastern Health"}
    ]


def test_an_empty_script_answers_a_placeholder(stub: OpenAIStub) -> None:
    assert invoke(chat(stub), "hello").content == NO_REPLY


def test_a_tool_call_is_parsed_and_the_tool_schema_was_offered(stub: OpenAIStub) -> None:
    stub.script.append(
        tool_call_reply("lookup_risks", {"client": "Eastern Health", "limit": 2}, "call_1")
    )
    # A callable reply answers from the request: here it echoes the tool result.
    stub.script.append(lambda body: text_reply(f"echo: {body['messages'][-1]['content']}"))
    model = chat(stub).bind_tools([lookup_risks, notify_owner])

    first = invoke(model, "risks for Eastern Health?")
    assert first.tool_calls == [
        {
            "name": "lookup_risks",
            "args": {"client": "Eastern Health", "limit": 2},
            "id": "call_1",
            "type": "tool_call",
        }
    ]
    sent = stub.chat_requests()[0]
    assert stub.tool_names(sent) == ["lookup_risks", "notify_owner"]
    schema = sent["tools"][0]["function"]["parameters"]
    assert schema["type"] == "object"
    assert set(schema["properties"]) == {"client", "limit"}
    assert schema["required"] == ["client"]

    result = lookup_risks.invoke(first.tool_calls[0])
    assert isinstance(result, ToolMessage)
    second = invoke(model, [HumanMessage("risks for Eastern Health?"), first, result])
    assert second.content == "echo: 2 risks for Eastern Health"
    assert [m["role"] for m in stub.chat_requests()[1]["messages"]] == [
        "user",
        "assistant",
        "tool",
    ]
    assert stub.problems == []


def test_several_tool_calls_in_one_reply_get_distinct_ids(stub: OpenAIStub) -> None:
    stub.script.append(
        tool_calls_reply([("lookup_risks", {"client": "Barwon"}), ("notify_owner", {"risk_id": 7})])
    )
    message = invoke(chat(stub).bind_tools([lookup_risks, notify_owner]), "check Barwon")

    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("lookup_risks", {"client": "Barwon"}),
        ("notify_owner", {"risk_id": 7}),
    ]
    assert [c["id"] for c in message.tool_calls] == ["call_stub_1_0", "call_stub_1_1"]
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_invalid_json_arguments_become_invalid_tool_calls(stub: OpenAIStub) -> None:
    stub.script.append(tool_call_reply("lookup_risks", '{"client": "Eastern', "call_bad"))
    message = invoke(chat(stub).bind_tools([lookup_risks]), "risks?")

    assert message.tool_calls == []
    [invalid] = message.invalid_tool_calls
    assert invalid["name"] == "lookup_risks"
    assert invalid["args"] == '{"client": "Eastern'
    assert invalid["id"] == "call_bad"


def test_streamed_text_reassembles_with_usage(stub: OpenAIStub) -> None:
    stub.script.append(text_reply("The pathology interface is late again."))
    chunks, merged = stream(chat(stub, stream_usage=True), "status of the interface")

    assert len(chunks) > 3
    assert merged.content == "The pathology interface is late again."
    assert merged.usage_metadata is not None
    assert merged.usage_metadata["input_tokens"] == 4
    assert merged.usage_metadata["output_tokens"] == 6
    sent = stub.chat_requests()[0]
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


def test_streamed_tool_calls_reassemble(stub: OpenAIStub) -> None:
    stub.script.append(
        tool_calls_reply(
            [
                ("lookup_risks", {"client": "Eastern Health", "limit": 5}),
                ("notify_owner", {"risk_id": 12}),
            ]
        )
    )
    chunks, merged = stream(chat(stub).bind_tools([lookup_risks, notify_owner]), "go")

    assert sum(bool(c.tool_call_chunks) for c in chunks) > 2  # arguments came in pieces
    assert [(c["name"], c["args"], c["id"]) for c in merged.tool_calls] == [
        ("lookup_risks", {"client": "Eastern Health", "limit": 5}, "call_stub_1_0"),
        ("notify_owner", {"risk_id": 12}, "call_stub_1_1"),
    ]
    assert merged.usage_metadata is None  # stream_usage is off for a non-default base URL
    assert "stream_options" not in stub.chat_requests()[0]


def test_server_errors_are_retried_until_success(stub: OpenAIStub) -> None:
    stub.fail(2, 500, retry_after=0.01)  # retry-after keeps the client's back-off short
    stub.script.append(text_reply("third time lucky"))
    assert invoke(chat(stub, max_retries=2), "hi").content == "third time lucky"
    assert len(stub.chat_requests()) == 3


def test_a_rate_limit_is_retried_after_the_header(stub: OpenAIStub) -> None:
    stub.fail(1, 429, retry_after=0.01)
    stub.script.append(text_reply("ok"))
    assert invoke(chat(stub, max_retries=1), "hi").content == "ok"
    assert len(stub.requests) == 2


def test_without_retries_a_rate_limit_raises(stub: OpenAIStub) -> None:
    stub.fail(1, 429)
    with pytest.raises(openai.RateLimitError, match="stub fault: status 429"):
        chat(stub).invoke("hi")
    assert stub.script == type(stub.script)()  # nothing scripted was consumed


def test_fault_answers_are_shaped_like_openai(stub: OpenAIStub) -> None:
    stub.fail(1, 429, retry_after=0.5)
    status, headers, body = post(f"{stub.base_url}/chat/completions", {"model": "m"})
    assert status == 429
    assert headers["retry-after"] == "0.5"
    assert body["error"]["type"] == "requests"
    assert body["error"]["message"] == "stub fault: status 429"
    assert post(f"{stub.base_url}/chat/completions", {"model": "m"})[0] == 200


def test_a_slow_answer_times_the_client_out(stub: OpenAIStub) -> None:
    stub.delay_s = 0.5
    with pytest.raises(openai.APITimeoutError):
        chat(stub, timeout=0.2).invoke("hi")
    assert len(stub.chat_requests()) == 1


def test_an_unanswered_tool_call_is_rejected_and_recorded(stub: OpenAIStub) -> None:
    call = {"name": "lookup_risks", "args": {"client": "X"}, "id": "call_9"}
    history = [HumanMessage("risks?"), AIMessage("", tool_calls=[call]), HumanMessage("and?")]
    with pytest.raises(openai.BadRequestError, match="call_9"):
        chat(stub, max_retries=2).invoke(history)

    assert len(stub.chat_requests()) == 1  # a 400 is not retried
    assert len(stub.problems) == 1
    assert "must be followed by tool messages" in stub.problems[0]


def test_a_tool_whose_parameters_are_not_an_object_is_rejected(stub: OpenAIStub) -> None:
    bad = {"type": "function", "function": {"name": "bad", "parameters": {"type": "string"}}}
    with pytest.raises(openai.BadRequestError, match="not a JSON schema object"):
        chat(stub).bind_tools([bad]).invoke("hi")
    assert stub.problems == [
        "tools[0].function.parameters: not a JSON schema object: {'type': 'string'}"
    ]


def test_message_order_rules() -> None:
    assistant = {"role": "assistant", "tool_calls": [{"id": "a"}, {"id": "b"}]}
    answered = [
        {"role": "user", "content": "q"},
        assistant,
        {"role": "tool", "tool_call_id": "b", "content": "1"},
        {"role": "tool", "tool_call_id": "a", "content": "2"},
        {"role": "user", "content": "more"},
    ]
    assert chat_request_problems({"messages": answered}) == []
    half = answered[:3]
    assert "missing: a" in chat_request_problems({"messages": half})[0]
    stray = [{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "z"}]
    assert "does not answer" in chat_request_problems({"messages": stray})[0]


def test_a_reply_may_set_its_finish_reason(stub: OpenAIStub) -> None:
    stub.script.append(Reply(content="cut", finish_reason="length"))
    assert invoke(chat(stub), "hi").response_metadata["finish_reason"] == "length"


def test_embeddings_still_work_and_share_the_fault_mechanism(stub: OpenAIStub) -> None:
    client = openai.OpenAI(base_url=stub.base_url, api_key="test", max_retries=0)
    stub.fail(1, 503)
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="text-embedding-3-small", input=["renewal pricing"])

    result = client.embeddings.create(
        model="text-embedding-3-small", input=["renewal pricing", "pricing renewal", "pathology"]
    )
    vectors = [item.embedding for item in result.data]
    assert [len(v) for v in vectors] == [8, 8, 8]
    assert vectors[0] == vectors[1]
    assert [r["path"] for r in stub.requests] == ["/v1/embeddings", "/v1/embeddings"]
    stub.fail_after = 2
    with pytest.raises(openai.InternalServerError, match="Internal server error"):
        client.embeddings.create(model="text-embedding-3-small", input="x")

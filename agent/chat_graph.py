"""The chat graph: a tool-calling agent whose writes wait for a person's decision.

agent -> tools -> (review, one proposal at a time) -> agent ... -> answer. The agent node is
the language model when one is configured, else the offline planner; either way the same tools
run with the asking person's permissions, and a proposed change pauses the thread until a person
accepts, edits or rejects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent import models, offline
from agent.context import ChaSenContext
from agent.inbox import HumanResponse, edited_args
from agent.prompts import MODEL_DOWN_NOTICE, STEP_LIMIT, SYSTEM_PROMPT
from agent.review import Question, ask, settle
from agent.state import ChatState
from core.budget import count_tokens
from core.identity import Person
from planning import proposals
from tools.context import ToolContext
from tools.registry import read_tools
from tools.write_tools import WRITE_TOOL_NAMES, write_tools

_FALLBACK = "chasen_model_down"
"""Marks a message the offline planner wrote because the model service failed (the notice)."""
_FALLBACK_REASON = "chasen_model_down_reason"
"""Why the model service failed, beside the mark (for the run's record)."""


def toolbox(ctx: ToolContext) -> list[BaseTool]:
    """Every tool the chat agent may call, acting for ``ctx.person``."""
    return read_tools(ctx) + write_tools(ctx)


def agent(state: ChatState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """The model's (or the offline planner's) next message."""
    ctx = runtime.context
    messages = state["messages"]
    steps = _steps_this_turn(messages)
    if steps >= ctx.budgets.max_steps:
        notice = STEP_LIMIT.format(steps=steps)
        return {"messages": [AIMessage(content=notice)], "notices": [notice]}
    tool_ctx = ctx.tools()
    given_up = _model_down_this_turn(messages)
    if not ctx.model.offline and given_up is None:
        try:
            reply = models.invoke(ctx.model, prompt(ctx, messages), toolbox(tool_ctx))
        except models.ModelUnavailableError as down:
            notice = MODEL_DOWN_NOTICE.format(reason=down)
            return {
                "messages": [_fallback(messages, tool_ctx, notice, str(down))],
                "notices": [notice],
                "model_down": [str(down)],
            }
        usage = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
        return {"messages": [reply.message], "usage": {**usage, "model_calls": 1}}
    if given_up is not None:
        # The service already failed after its retries in this turn: waiting for it again
        # would only double the wait; the offline planner finishes the turn. The reason is
        # kept again so that a run resumed after a decision records why it answered offline.
        notice, reason = given_up
        return {
            "messages": [_fallback(messages, tool_ctx, notice, reason)],
            "model_down": [reason],
        }
    return {"messages": [offline.next_message(messages, tool_ctx)]}


def _fallback(
    messages: Sequence[AnyMessage], tool_ctx: ToolContext, notice: str, reason: str
) -> AIMessage:
    """The offline planner's next message, marked as standing in for the model this turn."""
    message = offline.next_message(messages, tool_ctx)
    if not message.tool_calls:
        message.content = f"{notice}\n\n{message.content}"
    message.response_metadata = {
        **message.response_metadata,
        _FALLBACK: notice,
        _FALLBACK_REASON: reason,
    }
    return message


def _model_down_this_turn(messages: Sequence[AnyMessage]) -> tuple[str, str] | None:
    """The notice and reason of a model failure earlier in this turn (since the person's
    message)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return None
        if isinstance(message, AIMessage) and _FALLBACK in message.response_metadata:
            notice = str(message.response_metadata[_FALLBACK])
            # Marks written before the reason was kept beside them carry the notice alone.
            return notice, str(message.response_metadata.get(_FALLBACK_REASON, notice))
    return None


def prompt(ctx: ChaSenContext, messages: Sequence[AnyMessage]) -> list[BaseMessage]:
    """The system prompt and as much of the conversation as fits the token budget.

    Whole turns are dropped from the oldest, so a tool result never loses its call.
    """
    person = ctx.acting_person()
    system = SystemMessage(
        content=SYSTEM_PROMPT.format(
            name=person.name, role=person.role, scope=_scope(person), today=ctx.day().isoformat()
        )
    )
    budget = ctx.budgets.prompt_tokens - message_tokens([system])
    kept = trim_messages(
        list(messages),
        max_tokens=budget,
        token_counter=message_tokens,
        strategy="last",
        start_on="human",
        allow_partial=False,
    )
    return [system, *kept]


def message_tokens(messages: Sequence[BaseMessage]) -> int:
    """Tokens of messages as the model sees them (content and tool-call arguments)."""
    total = 0
    for message in messages:
        total += 4 + count_tokens(str(message.content))
        if isinstance(message, AIMessage):
            total += sum(count_tokens(f"{c['name']}{c['args']}") for c in message.tool_calls)
    return total


def tools(state: ChatState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """Run the last message's tool calls; proposals are held back for a person's decision."""
    tool_ctx = runtime.context.tools()
    by_name = {tool.name: tool for tool in toolbox(tool_ctx)}
    last = state["messages"][-1]
    assert isinstance(last, AIMessage)
    results: list[ToolMessage] = []
    pending = list(state.get("pending") or [])
    for call in last.tool_calls:
        call_id = call["id"] or ""
        tool = by_name.get(call["name"])
        if tool is None:
            known = ", ".join(sorted(by_name))
            text = f"ERROR (unknown_tool): there is no tool {call['name']!r}; tools: {known}"
            results.append(ToolMessage(content=text, tool_call_id=call_id, name=call["name"]))
            continue
        # Every tool answers bad arguments and domain errors with a readable result.
        message = tool.invoke({**call, "type": "tool_call"})
        assert isinstance(message, ToolMessage)
        if call["name"] in WRITE_TOOL_NAMES and message.artifact:
            pending.append({"tool_call_id": call_id, "proposal": message.artifact})
        else:
            results.append(message)
    for bad in last.invalid_tool_calls:
        text = (
            f"ERROR (invalid_arguments): the arguments of {bad['name']} were not valid JSON "
            f"({bad['error'] or 'unreadable'}); call it again with a JSON object"
        )
        results.append(ToolMessage(content=text, tool_call_id=bad["id"] or "", name=bad["name"]))
    return {"messages": results, "pending": pending}


def review(state: ChatState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """Ask a person about the oldest pending proposal, then apply their decision once."""
    ctx = runtime.context
    first, rest = state["pending"][0], state["pending"][1:]
    proposal = proposals.Proposal.model_validate(first["proposal"])
    question = Question(
        graph="chat",
        kind=proposal.kind,
        action=proposal.action_name,
        args=proposal.model_dump(mode="json"),
        description=describe(proposal),
        plan_id=proposal.plan_id,
        allow_edit=proposal.kind == "section_change",
    )
    approval, response = ask(ctx, question)

    def apply(session: Any, person: Person, decided: HumanResponse) -> str:
        chosen = proposal
        if decided.type == "edit":
            chosen = proposals.edited(proposal, edited_args(decided))
        return proposals.apply(session, chosen, person)

    decision = settle(ctx, approval, response, apply)
    result = ToolMessage(content=decision.outcome, tool_call_id=first["tool_call_id"])
    return {"messages": [result], "pending": rest}


def describe(proposal: proposals.Proposal) -> str:
    """The proposal as a person reads it: what, where, and each change."""
    lines = [f"**{proposal.summary}**", f"Plan version {proposal.expected_version}."]
    for change in proposal.changes[:20]:
        lines.append(
            f"- {change['op']} `{change['path']}`: {change['before']!r} -> {change['after']!r}"
        )
    if len(proposal.changes) > 20:
        lines.append(f"- ... and {len(proposal.changes) - 20} more changes")
    return "\n".join(lines)


def after_agent(state: ChatState) -> Literal["tools", "__end__"]:
    """Tools when the last message asks for any; otherwise the turn is over."""
    last = state["messages"][-1]
    if isinstance(last, AIMessage) and (last.tool_calls or last.invalid_tool_calls):
        return "tools"
    return "__end__"


def after_tools(state: ChatState) -> Literal["review", "agent"]:
    """A person's decision first when a proposal is waiting."""
    return "review" if state.get("pending") else "agent"


def build_chat_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[ChatState, ChaSenContext, ChatState, ChatState]:
    """The chat graph, compiled with ``checkpointer`` (None: the server provides one)."""
    builder = StateGraph(ChatState, context_schema=ChaSenContext)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_node("review", review)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", after_agent)
    builder.add_conditional_edges("tools", after_tools)
    builder.add_conditional_edges("review", after_tools)
    return builder.compile(checkpointer=checkpointer, name="chat")


def _steps_this_turn(messages: Sequence[AnyMessage]) -> int:
    steps = 0
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            break
        if isinstance(message, AIMessage):
            steps += 1
    return steps


def _scope(person: Person) -> str:
    if person.role == "CSE" and person.territory:
        return f", territory {person.territory}"
    if person.role == "manager" and person.region:
        return f", region {person.region}"
    return ""

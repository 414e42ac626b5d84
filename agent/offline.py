"""The offline planner: the chat graph's stand-in for a language model when none is configured.

It reads the person's request with fixed patterns, calls the same tools a model would (as
ordinary tool calls, so the graph, permissions and approvals are the same), and words the
answer from the tool results with templates. Every answer says it was produced offline.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from sqlalchemy.orm import Session

from agent.prompts import OFFLINE_HELP, OFFLINE_LABEL
from core.models import Client
from planning import directory
from planning.plan_repository import PlanFilters
from planning.service import PlanService
from tools.context import ToolContext

ACTION_DAYS = 14


@dataclass(frozen=True)
class Intent:
    """A pattern of request and the tool it is answered with."""

    pattern: re.Pattern[str]
    tool: str
    needs_client: bool = False


INTENTS: tuple[Intent, ...] = (
    Intent(re.compile(r"economic buyer|stakeholder|champion|relationship|sponsor"),
           "list_stakeholders", needs_client=True),
    Intent(re.compile(r"\brisk|churn|at.risk"), "churn_risk"),
    Intent(re.compile(r"opportunit|pipeline|meddpicc|deal"), "opportunities"),
    Intent(re.compile(r"\bgap\b|close the gap|hit (?:my )?target|behind target"),
           "gap_to_target"),
    Intent(re.compile(r"performance|tracking|burc|readiness|drill"), "performance_summary"),
    Intent(re.compile(r"target|coverage|quota|\bacv\b"), "targets_and_coverage"),
    Intent(re.compile(r"search|said|mention|transcript|meeting notes"), "search_transcripts"),
    Intent(re.compile(r"suggest|next step|what should"), "suggest_actions", needs_client=True),
    Intent(re.compile(r"snapshot|health|\bnps\b|how is|how are"), "client_snapshot",
           needs_client=True),
    Intent(re.compile(r"\bplans?\b"), "find_plans"),
    Intent(re.compile(r"portfolio|my clients|territory|accounts"), "portfolio"),
    Intent(re.compile(r"who (is|are)"), "list_stakeholders", needs_client=True),
)  # fmt: skip
ADD_ACTION = re.compile(
    r"\badd (?:an? )?(?:action|task)(?: item)?(?: to| for)?\s+(?P<what>.+)", re.I
)


def next_message(messages: Sequence[AnyMessage], ctx: ToolContext) -> AIMessage:
    """The offline planner's next message: tool calls for a new request, or the answer."""
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage):
        return AIMessage(content=compose_answer(_results_of_turn(messages)))
    request = str(last.content) if isinstance(last, HumanMessage) else ""
    history = [str(m.content) for m in messages if isinstance(m, HumanMessage)][:-1]
    with ctx.reading() as session:
        calls = route(session, ctx, request, history)
    if isinstance(calls, str):
        return AIMessage(content=f"{calls}\n\n{OFFLINE_LABEL}")
    return AIMessage(content="", tool_calls=calls)


def route(
    session: Session, ctx: ToolContext, request: str, history: Sequence[str] = ()
) -> list[dict[str, Any]] | str:
    """Tool calls that answer ``request``, or a reply when no tool fits."""
    text = request.strip()
    lowered = text.lower()
    # Every client, not only visible ones: the tools refuse what the person may not see.
    clients = directory.list_clients(session)
    client = find_client_in(text, clients) or next(
        (c for h in reversed(history) if (c := find_client_in(h, clients))), None
    )
    if match := ADD_ACTION.search(text):
        return _add_action(session, ctx, match.group("what"), client)
    for intent in INTENTS:
        if not intent.pattern.search(lowered):
            continue
        named = find_client_in(text, clients) or (client if intent.needs_client else None)
        if intent.needs_client and named is None:
            return "Which client do you mean? Name it as it appears in your portfolio."
        return [_call(intent.tool, _args(intent.tool, text, named))]
    return OFFLINE_HELP


def find_client_in(text: str, clients: Sequence[Client]) -> Client | None:
    """The client named in ``text``: the longest full name, else a unique distinctive word."""
    lowered = text.lower()
    named = [c for c in clients if c.name.lower() in lowered]
    if named:
        return max(named, key=lambda c: len(c.name))
    words = set(re.findall(r"[a-z][a-z'-]{4,}", lowered))
    partial = [c for c in clients if words & set(re.findall(r"[a-z][a-z'-]{4,}", c.name.lower()))]
    return partial[0] if len(partial) == 1 else None


def compose_answer(results: Sequence[ToolMessage]) -> str:
    """The answer to a turn, from its tool results, labelled as offline."""
    parts = []
    for result in results:
        content = str(result.content)
        if content.startswith("ERROR"):
            parts.append("I could not do that: " + content.split(": ", 1)[-1])
        elif result.name == "list_stakeholders":
            parts.append(_stakeholder_answer(content))
        else:
            parts.append(content)
    return "\n\n".join([*parts, OFFLINE_LABEL])


def _results_of_turn(messages: Sequence[AnyMessage]) -> list[ToolMessage]:
    results: list[ToolMessage] = []
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            results.append(message)
        elif isinstance(message, AIMessage) and message.tool_calls:
            break
    return list(reversed(results))


def _stakeholder_answer(content: str) -> str:
    buyers = [line for line in content.splitlines() if "economic_buyer" in line]
    if not buyers:
        return content
    lead = buyers[0].lstrip("-* ").strip()
    return f"Economic buyer: {lead}\n\n{content}"


def _args(tool: str, text: str, client: Client | None) -> dict[str, Any]:
    name = client.name if client else None
    if tool == "search_transcripts":
        query = re.sub(
            r"^(please )?(search|find)( (the )?transcripts?)?( for)?\s*", "", text, flags=re.I
        )
        return {"query": query or text, "client": name, "limit": 5}
    if tool in ("portfolio", "targets_and_coverage", "gap_to_target", "performance_summary"):
        return {}
    return {"client": name}


def _call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": tool, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


def _add_action(
    session: Session, ctx: ToolContext, what: str, client: Client | None
) -> list[dict[str, Any]] | str:
    plan = _plan_to_change(session, ctx, client)
    if plan is None:
        subject = client.name if client else "your territory"
        return (
            f"I found no draft or in-review plan for {subject} that you can edit, so there is "
            "nowhere to add the action. Create the plan first."
        )
    title = what.strip().rstrip(".")
    title = title[:1].upper() + title[1:]
    item = {
        "title": title,
        "owner": ctx.person.name,
        "due_date": (ctx.today + timedelta(days=ACTION_DAYS)).isoformat(),
        "priority": "high",
        "client_name": client.name if client else None,
    }
    args = {"plan_id": str(plan), "section": "actions", "operation": "add_item", "item": item}
    return [_call("propose_section_change", args)]


def _plan_to_change(session: Session, ctx: ToolContext, client: Client | None) -> uuid.UUID | None:
    filters = (
        PlanFilters(client_id=client.id)
        if client
        else PlanFilters(plan_type="territory", territory=ctx.person.territory)
    )
    plan = PlanService(session).open_plan_for(ctx.person, filters)
    return plan.id if plan else None

"""The state of ChaSen's two graphs, as the checkpointer keeps it between turns and restarts."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


def add_usage(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Sum token counts key by key (the reducer of ``usage``)."""
    total = dict(left or {})
    for key, value in (right or {}).items():
        total[key] = total.get(key, 0) + value
    return total


def replace(_left: Any, right: Any) -> Any:
    """Keep the newest value (explicit, for channels several nodes overwrite)."""
    return right


class ChatState(TypedDict, total=False):
    """A conversation: its messages, proposals waiting for a decision, tokens used."""

    messages: Annotated[list[AnyMessage], add_messages]
    pending: Annotated[list[dict[str, Any]], replace]
    """Proposals (with the tool call they answer) not yet decided, oldest first."""
    usage: Annotated[dict[str, int], add_usage]
    notices: Annotated[list[str], operator.add]
    """Things said to the person besides the answer (the model was down, a step limit)."""
    model_down: Annotated[list[str], operator.add]
    """Why the model service failed, once per step the offline planner took in its place."""


class DraftInput(TypedDict, total=False):
    """What "Generate Plan Draft" is pressed on: a plan, or a client or territory."""

    plan_id: str
    plan_type: str
    client: str
    territory: str
    fiscal_year: int


class DraftState(DraftInput, total=False):
    """A plan draft on its way to approval."""

    request: dict[str, Any]
    """The resolved request: plan type, year, owner, subject, emphasis, plan id and version."""
    sections: dict[str, Any]
    current: dict[str, Any]
    facts: str
    sources: list[dict[str, str]]
    narrative_offline: bool
    usage: Annotated[dict[str, int], add_usage]
    notices: Annotated[list[str], operator.add]
    model_down: Annotated[list[str], operator.add]
    """Why the model service failed, when the executive summary fell back to the template."""
    outcome: str
    status: str

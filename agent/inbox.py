"""The Agent Inbox shapes of a human approval: what an interrupt shows and what comes back.

These follow LangGraph's ``HumanInterrupt`` / ``HumanResponse`` contract, so Agent Inbox (and
our API and Slack app) can render any of ChaSen's pending decisions the same way.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from core.errors import ValidationError


class ActionRequest(TypedDict):
    """The action waiting for a decision and its arguments."""

    action: str
    args: dict[str, Any]


class HumanInterruptConfig(TypedDict):
    """Which responses the person may give."""

    allow_ignore: bool
    allow_respond: bool
    allow_edit: bool
    allow_accept: bool


class HumanInterrupt(TypedDict):
    """One decision to make: the action, what is allowed, and a readable description."""

    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str | None


ResponseType = Literal["accept", "ignore", "response", "edit"]


class HumanResponse(BaseModel):
    """A person's decision: accept, ignore, a text reply, or edited arguments."""

    model_config = ConfigDict(extra="forbid")

    type: ResponseType
    args: str | dict[str, Any] | None = None


ALL_RESPONSES = HumanInterruptConfig(
    allow_ignore=True, allow_respond=True, allow_edit=True, allow_accept=True
)


def human_interrupt(
    action: str, args: dict[str, Any], description: str, *, allow_edit: bool = True
) -> HumanInterrupt:
    """The interrupt payload for one decision."""
    config = HumanInterruptConfig(**{**ALL_RESPONSES, "allow_edit": allow_edit})
    return HumanInterrupt(
        action_request=ActionRequest(action=action, args=args),
        config=config,
        description=description,
    )


def parse_response(value: Any) -> HumanResponse:
    """A decision from a resume value: one response, or Agent Inbox's list of one."""
    if isinstance(value, list):
        if len(value) != 1:
            raise ValidationError("give exactly one response to a decision")
        value = value[0]
    try:
        response = HumanResponse.model_validate(value)
    except PydanticValidationError as exc:
        raise ValidationError(
            "a decision is {'type': 'accept'|'edit'|'response'|'ignore', 'args': ...}: "
            + "; ".join(e["msg"] for e in exc.errors()),
        ) from None
    if response.type == "response" and not (isinstance(response.args, str) and response.args):
        raise ValidationError("a 'response' needs the reply text in 'args'")
    if response.type == "edit" and not isinstance(response.args, dict):
        raise ValidationError("an 'edit' needs the edited action as an object in 'args'")
    return response


def edited_args(response: HumanResponse) -> dict[str, Any]:
    """The edited arguments of an 'edit' response (Agent Inbox wraps them in an action)."""
    assert isinstance(response.args, dict)
    inner = response.args.get("args")
    return inner if isinstance(inner, dict) and "action" in response.args else response.args

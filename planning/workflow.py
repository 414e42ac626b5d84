"""Plan status workflow: draft -> in_review -> approved -> archived, and back to draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from core.errors import IllegalTransitionError

Action = Literal["submit", "request_changes", "approve", "archive"]
ACTIONS: tuple[Action, ...] = get_args(Action)


@dataclass(frozen=True)
class Move:
    """One allowed move: from which statuses, to which, and the activity-log verb."""

    sources: frozenset[str]
    target: str
    logged_as: str


MOVES: dict[str, Move] = {
    "submit": Move(frozenset({"draft"}), "in_review", "submitted"),
    "request_changes": Move(frozenset({"in_review"}), "draft", "changes_requested"),
    "approve": Move(frozenset({"in_review"}), "approved", "approved"),
    "archive": Move(frozenset({"draft", "in_review", "approved"}), "archived", "archived"),
}
EDITABLE_STATUSES = frozenset({"draft", "in_review"})


def plan_move(action: str, status: str) -> Move:
    """The move ``action`` makes from ``status``; refuses unknown actions and illegal moves."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalTransitionError(
            f"Unknown workflow action {action!r}; actions are: {', '.join(ACTIONS)}",
            action=action,
        )
    if status not in move.sources:
        allowed = ", ".join(sorted(move.sources))
        raise IllegalTransitionError(
            f"Cannot {action.replace('_', ' ')} a plan that is {status}; it must be {allowed}",
            action=action,
            status=status,
        )
    return move

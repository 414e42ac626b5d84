"""Derived progress of a plan: which of the five steps are complete, and the percentage.

Step 1 is complete when the plan says what it is about (owner, type, year, and a territory or a
client); steps 2-5 when every section they hold is filled. Each step weighs a fifth; a step
that is partly filled earns its share of that fifth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planning.sections import is_filled

STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("context", ()),
    ("portfolio", ("portfolio", "snapshot", "targets")),
    ("relationships", ("stakeholders", "opportunities")),
    ("risks", ("risks", "actions")),
    ("review", ("value",)),
)


@dataclass(frozen=True)
class Completion:
    """``steps`` maps each step name to whether it is complete."""

    steps: dict[str, bool]
    percentage: int


def context_complete(plan: Mapping[str, Any]) -> bool:
    """Step 1: an owner, a type, a fiscal year, and the territory or client the plan is about."""
    has_subject = bool(plan.get("territory")) or plan.get("client_id") is not None
    return all(plan.get(k) for k in ("primary_owner", "plan_type", "fiscal_year")) and has_subject


def compute(plan: Mapping[str, Any], sections: Mapping[str, Any]) -> Completion:
    """Completion of a plan from its context fields and its sections (by section name)."""
    steps: dict[str, bool] = {}
    score = 0.0
    for name, members in STEPS:
        if not members:
            share = 1.0 if context_complete(plan) else 0.0
        else:
            share = sum(is_filled(sections.get(m)) for m in members) / len(members)
        steps[name] = share == 1.0
        score += share / len(STEPS)
    return Completion(steps=steps, percentage=round(score * 100))

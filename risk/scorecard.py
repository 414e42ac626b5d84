"""The transparent default scorecard, used until there is enough labelled history to train on.

Points add up to a 0-100 risk score. Each rule is one line of this table, so anyone can see why
a client scored what it did; the weights below are the documented defaults (README, "Churn
risk"). A feature that is missing earns no points: the scorecard never guesses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from planning.calculations import AT_RISK_FROM, HEALTHY_FROM
from risk.features import ClientFeatures

Test = Callable[[float], bool]


@dataclass(frozen=True)
class Rule:
    """``points`` when ``feature`` passes ``test``; ``when`` says it in words for the docs."""

    feature: str
    when: str
    points: int
    test: Test


RULES: Final[tuple[Rule, ...]] = (
    # The health bands of planning.calculations.health_band.
    Rule("health_score", f"below {AT_RISK_FROM} (critical)", 20, lambda v: v < AT_RISK_FROM),
    Rule(
        "health_score",
        f"{AT_RISK_FROM}-{HEALTHY_FROM - 1} (at risk)",
        10,
        lambda v: AT_RISK_FROM <= v < HEALTHY_FROM,
    ),
    Rule("health_change_90d", "fell by 10 points or more", 15, lambda v: v <= -10),
    Rule("health_change_90d", "fell by 5-9 points", 7, lambda v: -10 < v <= -5),
    Rule("nps", "below 0", 15, lambda v: v < 0),
    Rule("nps", "0-29", 7, lambda v: 0 <= v < 30),
    Rule("nps_change_180d", "fell by 20 points or more", 10, lambda v: v <= -20),
    Rule("sla_breaches_90d", "3 or more", 10, lambda v: v >= 3),
    Rule("sla_breaches_90d", "1-2", 5, lambda v: 1 <= v < 3),
    Rule("open_p1s", "1 or more", 10, lambda v: v >= 1),
    Rule("arr_change_12m_pct", "fell by 10% or more", 10, lambda v: v <= -10),
    Rule("meetings_90d", "none", 8, lambda v: v == 0),
    Rule("days_since_exec_contact", "over 180 days", 8, lambda v: v > 180),
    Rule("champion_quiet", "yes", 10, lambda v: v >= 1),
    Rule("sponsor_changed", "yes", 10, lambda v: v >= 1),
    Rule("days_to_renewal", "90 days or fewer (less time to recover)", 5, lambda v: v <= 90),
)
MAX_POINTS: Final = 100


def params() -> dict[str, object]:
    """The scorecard's weights as stored with its model version (a change is a new version)."""
    return {
        "rules": [{"feature": r.feature, "when": r.when, "points": r.points} for r in RULES],
        "max_points": MAX_POINTS,
    }


def points(features: ClientFeatures) -> dict[str, int]:
    """Points per feature that scored (the first matching rule of each feature counts)."""
    earned: dict[str, int] = {}
    for rule in RULES:
        value = features.values.get(rule.feature)
        if value is not None and rule.feature not in earned and rule.test(value):
            earned[rule.feature] = rule.points
    return earned


def score(earned: dict[str, int]) -> float:
    """The 0-100 score of the points earned."""
    return float(min(MAX_POINTS, sum(earned.values())))

"""Reasons in words a CAM can act on: "NPS fell from 42 to 11 since March".

A reason is one feature's contribution to a client's risk (log-odds for a trained model, points
for the scorecard), phrased from the client's own facts. Reasons are ordered by contribution,
the biggest drag first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from risk.features import FEATURES, ClientFeatures

LABELS: Final = {f.name: f.label for f in FEATURES}
MAX_RAISING: Final = 5
MAX_LOWERING: Final = 2


def _month(iso: object) -> str:
    """The month's name: trends look back at most about ten months, so it is unambiguous."""
    if not isinstance(iso, str):
        return "then"
    day = date.fromisoformat(iso)
    return day.strftime("%B")


def _day(iso: object) -> str:
    return date.fromisoformat(iso).strftime("%-d %B %Y") if isinstance(iso, str) else "?"


def _int(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def _trend(what: str, now: float | None, then: object, since: object) -> str:
    if now is None or not isinstance(then, (int, float)):
        return f"{what} changed"
    verb = "fell" if now < then else "rose" if now > then else "held"
    if verb == "held":
        return f"{what} held at {_int(now)} since {_month(since)}"
    return f"{what} {verb} from {_int(then)} to {_int(now)} since {_month(since)}"


def _plural(n: float | None, word: str, plural: str | None = None) -> str:
    count = 0 if n is None else int(n)
    return f"{count} {word if count == 1 else plural or word + 's'}"


Phrase = Callable[[ClientFeatures], str]

PHRASES: Final[dict[str, Phrase]] = {
    "health_score": lambda f: f"Health score is {_int(f.values['health_score'])}",
    "health_change_90d": lambda f: _trend(
        "Health score",
        f.values["health_score"],
        f.context.get("health_then"),
        f.context.get("health_then_on"),
    ),
    "nps": lambda f: f"NPS is {_int(f.values['nps'])}",
    "nps_change_180d": lambda f: _trend(
        "NPS", f.values["nps"], f.context.get("nps_then"), f.context.get("nps_then_on")
    ),
    "support_tickets_90d": lambda f: (
        f"{_plural(f.values['support_tickets_90d'], 'support ticket')} in the last 90 days"
    ),
    "sla_breaches_90d": lambda f: (
        f"{_plural(f.values['sla_breaches_90d'], 'SLA breach', 'SLA breaches')} in the last 90 days"
    ),
    "open_p1s": lambda f: f"{_plural(f.values['open_p1s'], 'P1 ticket')} open",
    "days_to_renewal": lambda f: (
        f"Renewal in {_int(f.values['days_to_renewal'])} days "
        f"({_day(f.context.get('next_renewal'))})"
    ),
    "arr_change_12m_pct": lambda f: _arr(f.values["arr_change_12m_pct"]),
    "meetings_90d": lambda f: (
        "No meetings in the last 90 days"
        if not f.values["meetings_90d"]
        else f"{_plural(f.values['meetings_90d'], 'meeting')} in the last 90 days"
    ),
    "days_since_exec_contact": lambda f: (
        f"No executive contact for {_int(f.values['days_since_exec_contact'])} days"
        + (f" (last: {f.context['exec_name']})" if f.context.get("exec_name") else "")
    ),
    "champion_quiet": lambda f: (
        f"Champion {f.context.get('champion_name', '?')} not seen since "
        f"{_day(f.context.get('champion_last'))}"
        if f.values["champion_quiet"]
        else f"Champion {f.context.get('champion_name', '?')} is engaged"
    ),
    "sponsor_changed": lambda f: (
        f"Executive sponsor changed: {f.context.get('sponsor_name', '?')} replaced "
        f"{f.context.get('previous_sponsor', '?')}"
        if f.values["sponsor_changed"]
        else f"Executive sponsor {f.context.get('sponsor_name', '?')} unchanged"
    ),
    "open_pipeline_ratio": lambda f: (
        f"Open pipeline is {100 * (f.values['open_pipeline_ratio'] or 0):.0f}% of ARR"
    ),
}


def _arr(change: float | None) -> str:
    if change is None:
        return "ARR trend unknown"
    direction = "down" if change < 0 else "up"
    return f"ARR {direction} {abs(change):.0f}% over 12 months"


def phrase(feature: str, features: ClientFeatures) -> str:
    """One feature of one client in words."""
    return PHRASES[feature](features)


def reasons(features: ClientFeatures, contributions: dict[str, float]) -> list[dict[str, Any]]:
    """The biggest drags first, then the strongest protective factors, each phrased.

    ``contributions`` maps a feature to its push on risk (positive raises it). Missing features
    and negligible pushes are left out.
    """
    present = {
        name: value
        for name, value in contributions.items()
        if features.values.get(name) is not None and abs(value) >= 1e-3
    }
    raising = sorted((kv for kv in present.items() if kv[1] > 0), key=lambda kv: -kv[1])
    lowering = sorted((kv for kv in present.items() if kv[1] < 0), key=lambda kv: kv[1])
    return [
        {
            "feature": name,
            "label": LABELS[name],
            "contribution": round(value, 4),
            "direction": "raises" if value > 0 else "lowers",
            "text": phrase(name, features),
        }
        for name, value in raising[:MAX_RAISING] + lowering[:MAX_LOWERING]
    ]

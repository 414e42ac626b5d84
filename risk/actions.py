"""A suggested next action for an at-risk client, from its biggest drag."""

from __future__ import annotations

from typing import Any, Final

ACTIONS: Final[dict[str, str]] = {
    "health_score": "Review the health drivers with the client's operational lead and agree a "
    "recovery plan",
    "health_change_90d": "Find out what changed this quarter with the client's operational lead "
    "and agree a recovery plan",
    "nps": "Call the detractors from the last NPS survey and log what they need",
    "nps_change_180d": "Call the detractors from the last NPS survey and log what changed",
    "support_tickets_90d": "Review the support backlog with the support lead and share a fix plan",
    "sla_breaches_90d": "Escalate the SLA breaches with the support lead and send the client a "
    "fix date",
    "open_p1s": "Escalate the open P1 tickets with support leadership today",
    "days_to_renewal": "Confirm the renewal path and paperwork with the economic buyer now",
    "arr_change_12m_pct": "Review usage and licences with the client to stop further contraction",
    "meetings_90d": "Book a working session with the client's team this fortnight",
    "days_since_exec_contact": "Arrange an executive check-in with {exec_name}",
    "champion_quiet": "Reconnect with {champion_name}, or find a new champion",
    "sponsor_changed": "Meet the new executive sponsor, {sponsor_name}, and restate the value case",
    "open_pipeline_ratio": "Look for renewal or expansion work that anchors the relationship",
}
DEFAULT_ACTION: Final = "Review the account with its owner this week"


def next_action(reasons: list[dict[str, Any]], context: dict[str, Any]) -> str:
    """The action for the first reason that raises risk, with names filled in from ``context``."""
    for reason in reasons:
        if reason["direction"] == "raises":
            names = {
                "exec_name": context.get("exec_name") or "the economic buyer",
                "champion_name": context.get("champion_name") or "the champion",
                "sponsor_name": context.get("sponsor_name") or "the new sponsor",
            }
            return ACTIONS.get(reason["feature"], DEFAULT_ACTION).format(**names)
    return DEFAULT_ACTION

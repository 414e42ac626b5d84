"""ChaSen's App Home tab: the person's plans, the decisions waiting for them, and their
at-risk clients, as of today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from agent.runner import PendingDecision
from core.identity import Person
from core.models import Client
from planning.exports.outline import health
from planning.permissions import is_collaborator, is_owner, visible_clients
from planning.portfolio_views import is_at_risk
from planning.records import PlanSummary
from planning.service import PlanService
from risk.assessment import ClientRisk, assess
from risk.digest_render import BAND_EMOJI
from slack_app.blocks import (
    context_block,
    divider_block,
    escape,
    header_block,
    section_block,
    shorten,
)

MAX_BLOCKS: Final = 100  # Slack's limit for a home tab
MAX_ITEMS: Final = 10
PLAN_POOL: Final = 100
"""Recent visible plans looked through for the person's own before the others."""
BAR_WIDTH: Final = 10
LINE_CHARS: Final = 200
CRITICAL_HEALTH: Final = "🔴"
NO_PLANS: Final = "No plans yet: try `/chasen draft &lt;client&gt;`."
BUTTONS_HINT: Final = "Approve or reject with the buttons in the message where I asked."


def home_view(
    session: Session, person: Person, today: date, pending: Sequence[PendingDecision]
) -> dict[str, Any]:
    """The App Home view of ``person``: their plans, pending decisions and at-risk clients."""
    blocks: list[dict[str, Any]] = [
        header_block(f"ChaSen for {person.name}"),
        context_block(escape(f"{today:%A} {today.day} {today:%B %Y} · {_scope(person)}")),
    ]
    blocks += _part("Your plans", _plan_lines(session, person), NO_PLANS)
    blocks += _part("Waiting for your decision", _decision_lines(pending), "Nothing waiting.")
    blocks += _part(
        "Your at-risk clients", _at_risk_lines(session, person, today), "No client at high risk."
    )
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def _scope(person: Person) -> str:
    where = person.territory or person.region
    return f"{person.role}, {where}" if where else person.role


def _part(title: str, lines: tuple[list[str], int], empty: str) -> list[dict[str, Any]]:
    """A titled part: one section per item, a note on what was left out, or ``empty``."""
    items, more = lines
    blocks = [divider_block(), section_block(f"*{escape(title)}*")]
    blocks += [section_block(line) for line in items] or [context_block(empty)]
    if more:
        blocks.append(context_block(f"…and {more} more"))
    return blocks


def progress_bar(percentage: int, width: int = BAR_WIDTH) -> str:
    """``▓▓▓░░░░░░░`` for 30%."""
    filled = round(max(0, min(100, percentage)) * width / 100)
    return "▓" * filled + "░" * (width - filled)


# --- parts ---------------------------------------------------------------------------------


def _plan_lines(session: Session, person: Person) -> tuple[list[str], int]:
    plans = PlanService(session).list_plans(None, PLAN_POOL, visible_to=person)
    # The person's own plans first; sorted() keeps the most recently updated first within each.
    mine = sorted(plans, key=lambda p: not (is_owner(person, p) or is_collaborator(person, p)))
    return [_plan_line(person, p) for p in mine[:MAX_ITEMS]], max(0, len(plans) - MAX_ITEMS)


def _plan_line(person: Person, plan: PlanSummary) -> str:
    subject = plan.client_name or plan.territory or "no subject"
    percentage = plan.completion_percentage or 0
    role = "owner" if is_owner(person, plan) else ""
    role = role or ("collaborator" if is_collaborator(person, plan) else "")
    yours = f" · you are {role}" if role else f" · owner {escape(plan.primary_owner)}"
    return (
        f"*{escape(shorten(subject, LINE_CHARS))}* · {escape(plan.plan_type or '?')} plan "
        f"FY{plan.fiscal_year}{yours}\n`{progress_bar(percentage)}` {percentage}% · "
        f"{escape(plan.status or 'draft')} · version {plan.version}"
    )


def _decision_lines(pending: Sequence[PendingDecision]) -> tuple[list[str], int]:
    lines = []
    for decision in pending[:MAX_ITEMS]:
        first = next((ln for ln in decision.description.splitlines() if ln.strip()), "")
        what = escape(shorten(first.strip() or decision.action, LINE_CHARS))
        kind = escape(decision.kind.replace("_", " "))
        lines.append(f"*{what}*\n{kind} · {BUTTONS_HINT}")
    return lines, max(0, len(pending) - MAX_ITEMS)


def _at_risk_lines(session: Session, person: Person, today: date) -> tuple[list[str], int]:
    clients = {c.id: c for c in visible_clients(session, person)}
    flagged = [
        (clients[r.client_id], r)
        for r in assess(session, list(clients.values()), today)
        if is_at_risk(clients[r.client_id], r)
    ]
    lines = [_risk_line(c, r) for c, r in flagged[:MAX_ITEMS]]
    return lines, max(0, len(flagged) - MAX_ITEMS)


def _risk_line(client: Client, risk: ClientRisk) -> str:
    # At risk by its health alone, a client's churn band may be a reassuring green.
    emoji = BAND_EMOJI[str(risk.band)] if risk.high else CRITICAL_HEALTH
    band = f"{risk.band} churn risk" if risk.band else "not scored"
    score = client.health_score
    health_text = f"health {health(score)}" if score is not None else "no health score"
    reason = risk.raising[0]["text"] if risk.raising else risk.missing or "no reason stated"
    return (
        f"{emoji} *{escape(client.name)}* · {band} · {escape(health_text)}\n"
        f"{escape(shorten(str(reason), LINE_CHARS))}"
    )

"""The ``/chasen`` slash command: parsing it, and its read-only answers.

``risk``, ``stakeholders`` and ``plan`` are answered straight from the domain views, without
the model, so they are quick and always say the same thing the dashboard does. ``draft`` is
only turned into the draft graph's input here. Domain errors (not found, permission denied,
invalid input) are left to the caller, which renders them as a polite message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

from sqlalchemy.orm import Session

from agent.state import DraftInput
from core.errors import ValidationError
from core.identity import Person
from ingest.stakeholders import service as stakeholders
from planning import portfolio_views as views
from planning.completion import STEPS
from planning.permissions import client_named, visible_clients
from planning.plan_repository import PlanFilters
from planning.records import PlanSummary
from planning.service import PlanService
from risk.bands import HIGH_RISK
from risk.digest_render import BAND_EMOJI
from slack_app.blocks import escape, report_message
from slack_app.messages import Message
from slack_app.performance_message import performance_message

Verb = Literal["draft", "risk", "stakeholders", "plan", "performance", "help"]
VERBS: Final[tuple[Verb, ...]] = get_args(Verb)
NEEDS_ARGUMENT: Final = {
    "draft": "a client or a territory, e.g. `/chasen draft Barwon Health`",
    "stakeholders": "a client, e.g. `/chasen stakeholders Barwon Health`",
    "plan": "a client, e.g. `/chasen plan Barwon Health`",
}
EXAMPLES: Final[tuple[tuple[str, str], ...]] = (
    ("draft Barwon Health", "draft an account plan (or `draft VIC`: a territory plan)"),
    ("risk", "your clients' churn risk, riskiest first"),
    ("risk WA Health", "one client's churn risk with all its reasons and a next step"),
    ("stakeholders Barwon Health", "the people found in a client's meetings, and changes"),
    ("plan Barwon Health", "your plans for a client: status, completion, steps, and the PDF"),
    ("performance", "your targets against actuals (or `performance VIC`, a region, an e-mail)"),
    ("help", "this list"),
)
SEND_PLAN_PDF: Final = "send_plan_pdf"
"""The action of a plan's "PDF" button: the plan is sent to the person's DM as a PDF."""
MAX_RISKS: Final = 10
TOP_REASONS: Final = 3
MAX_PEOPLE: Final = 15
MAX_CHANGES: Final = 8
MAX_PLANS: Final = 5
UNSCORED: Final = "⚪"
STEP_LABELS: Final = {
    "context": "Context",
    "portfolio": "Portfolio & health",
    "relationships": "Relationships",
    "risks": "Risks & actions",
    "review": "Review",
}
CHANGE_EMOJI: Final = {"new": "🆕", "title_changed": "🔁", "champion_quiet": "🔕"}


@dataclass(frozen=True)
class SlashCommand:
    """``/chasen <verb> <argument>``."""

    verb: Verb
    argument: str


def parse_command(text: str) -> SlashCommand:
    """The command in the text typed after ``/chasen``; empty text asks for help."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return SlashCommand("help", "")
    verb, argument = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if verb not in VERBS:
        raise ValidationError(
            f"I don't know `{verb}`. Try one of: {', '.join(VERBS)} (e.g. `/chasen help`).",
            errors=[f"unknown command {verb!r}"],
        )
    if verb in NEEDS_ARGUMENT and not argument:
        raise ValidationError(
            f"`/chasen {verb}` needs {NEEDS_ARGUMENT[verb]}.", errors=[f"{verb}: no argument"]
        )
    return SlashCommand(verb, argument)


def help_message() -> Message:
    """What ``/chasen`` can do, one example per line."""
    lines = [f"• `/chasen {example}`: {what}" for example, what in EXAMPLES]
    text = "*What I can do with `/chasen`*\n" + "\n".join(lines)
    tip = "Or mention me (or message me) with any question about your clients and plans."
    return report_message("ChaSen commands: " + ", ".join(VERBS), text, tip)


def draft_request(session: Session, person: Person, argument: str) -> DraftInput:
    """What ``/chasen draft <argument>`` asks the draft graph for: a territory plan when the
    argument names a territory the person plans, else an account plan of the client it names
    (NotFoundError, PermissionDeniedError)."""
    name = argument.strip()
    territory = _territory_named(session, person, name)
    if territory is not None:
        if person.role != "CSE":
            raise ValidationError(
                f"Territory plans belong to a CSE; draft an account plan instead, "
                f"e.g. `/chasen draft <client in {territory}>`.",
                territory=territory,
            )
        return {"plan_type": "territory", "territory": territory}
    return {"client": client_named(session, person, name).name}


def _territory_named(session: Session, person: Person, name: str) -> str | None:
    """The territory ``name`` spells (any case) among those of the person's clients and their
    own territory label (such as ``VIC + NZ``)."""
    known = {c.territory for c in visible_clients(session, person)}
    if person.territory:
        known.add(person.territory)
    return next((t for t in sorted(known) if t.lower() == name.lower()), None)


def answer_command(session: Session, person: Person, command: SlashCommand, today: date) -> Message:
    """The read-only answer to ``risk``, ``stakeholders``, ``plan`` (and ``help``)."""
    if command.verb == "risk":
        if command.argument:
            return client_risk_message(session, person, command.argument, today)
        return risk_list_message(session, person, today)
    if command.verb == "stakeholders":
        return stakeholders_message(session, person, command.argument, today)
    if command.verb == "plan":
        return plans_message(session, person, command.argument)
    if command.verb == "performance":
        return performance_message(session, person, command.argument, today)
    if command.verb == "help":
        return help_message()
    raise ValidationError(f"`/chasen {command.verb}` has no read-only answer")


# --- risk ----------------------------------------------------------------------------------


def risk_list_message(session: Session, person: Person, today: date) -> Message:
    """The person's clients' churn risk, riskiest first, with how many are at high risk."""
    found = views.risk_list(session, person, today)
    high = sum(1 for r in found.items if r.band in HIGH_RISK)
    title = (
        f"*Churn risk of your {found.matched} clients*: {high} at high or critical risk"
        if found.items
        else "*Churn risk*: you have no clients to show."
    )
    shown = found.items[:MAX_RISKS]
    lines = [title, *(_risk_line(r) for r in shown)]
    if found.matched > len(shown):
        more = found.matched - len(shown)
        lines.append(f"_…and {more} lower-risk clients: ask `/chasen risk <client>` for any._")
    text = f"Churn risk: {high} of {found.matched} clients at high or critical risk"
    return report_message(text, "\n\n".join(lines), _risk_footer(shown, today))


def client_risk_message(session: Session, person: Person, name: str, today: date) -> Message:
    """One client's churn risk with every reason and the suggested next step."""
    client = client_named(session, person, name)
    risk = views.client_risk(session, person, client.id, today)
    lines = [_headline(risk)]
    if risk.status == "not_enough_data":
        lines.append(f"Not enough data to score it: {escape(risk.missing or 'unknown')}.")
    for reason in risk.reasons:
        arrow = "▲ raises" if reason.direction == "raises" else "▼ lowers"
        lines.append(f"• {escape(reason.detail)} _({arrow} risk)_")
    if risk.next_action:
        lines.append(f"*Next step:* {escape(risk.next_action)}")
    text = f"{risk.client}: churn risk {risk.band or 'not scored'}"
    return report_message(text, "\n".join(lines), _risk_footer([risk], today))


def _headline(risk: views.ClientRiskView) -> str:
    emoji = BAND_EMOJI.get(risk.band or "", UNSCORED)
    if risk.band is None or risk.score is None:
        return f"{emoji} *{escape(risk.client)}* ({escape(risk.territory)}): not scored"
    return (
        f"{emoji} *{escape(risk.client)}* ({escape(risk.territory)}): {risk.band} risk, "
        f"score {risk.score:g}/100"
    )


def _risk_line(risk: views.ClientRiskView) -> str:
    if risk.status == "not_enough_data":
        return f"{_headline(risk)}\n    _{escape(risk.missing or 'not enough data')}_"
    raising = [r.detail for r in risk.reasons if r.direction == "raises"][:TOP_REASONS]
    why = "; ".join(escape(d) for d in raising) or "nothing raises it"
    return f"{_headline(risk)}\n    {why}"


def _risk_footer(risks: Sequence[views.ClientRiskView], today: date) -> str:
    model = f" · model {risks[0].model}" if risks else ""
    return escape(f"As of {today.isoformat()}{model}")


# --- stakeholders --------------------------------------------------------------------------


def stakeholders_message(session: Session, person: Person, name: str, today: date) -> Message:
    """The client-side and third-party people found in a client's meetings, and changes."""
    client = client_named(session, person, name)
    people = [v for v in stakeholders.list_stakeholders(session, client.id) if v.side != "internal"]
    changes = stakeholders.stakeholder_changes(session, client.id, today)
    lines = [f"*Stakeholders of {escape(client.name)}* found in its meetings: {len(people)}"]
    if not people:
        lines.append(
            "None detected yet: I find stakeholders in the client's meeting transcripts, "
            "so upload one to start the map."
        )
    lines += [_person_line(v) for v in people[:MAX_PEOPLE]]
    if len(people) > MAX_PEOPLE:
        lines.append(f"_…and {len(people) - MAX_PEOPLE} more, less engaged._")
    if changes:
        lines.append("*Recent changes*")
        lines += [
            f"{CHANGE_EMOJI.get(c.kind, '•')} {escape(c.name)}: {escape(c.detail)} "
            f"({c.on.isoformat() if c.on else 'undated'})"
            for c in changes[:MAX_CHANGES]
        ]
    footer = "Detected from transcripts: suggestions, not the plan's relationship map."
    text = f"Stakeholders of {client.name}: {len(people)} people, {len(changes)} changes"
    return report_message(text, "\n".join(lines), footer)


def _person_line(v: stakeholders.StakeholderView) -> str:
    where = ", ".join(escape(p) for p in (v.title, v.organisation) if p) or "title unknown"
    third = " (third party)" if v.side == "third_party" else ""
    role = f" · MEDDPICC: {escape(v.meddpicc_role.replace('_', ' '))}" if v.meddpicc_role else ""
    seen = v.last_seen.isoformat() if v.last_seen else "?"
    return (
        f"• *{escape(v.name)}*, {where}{third}{role} · last seen {seen} · "
        f"confidence {v.confidence:.0%}"
    )


# --- plans ---------------------------------------------------------------------------------


def plans_message(session: Session, person: Person, name: str) -> Message:
    """The person's visible plans for a client, most recently updated first."""
    client = client_named(session, person, name)
    plans = PlanService(session).list_plans(
        PlanFilters(client_id=client.id), MAX_PLANS, visible_to=person
    )
    if not plans:
        mrkdwn = (
            f"No plan for *{escape(client.name)}* that you can see yet. Start one with "
            f"`/chasen draft {escape(client.name)}`."
        )
        return report_message(f"No plans for {client.name} yet", mrkdwn, "ChaSen · plans")
    lines = [f"*Plans for {escape(client.name)}*, most recently updated first"]
    lines += [plan_summary(p) for p in plans]
    count = f"{len(plans)} plan{'' if len(plans) == 1 else 's'}"
    text = f"{count} for {client.name}: latest {plans[0].status or 'draft'}"
    message = report_message(text, "\n\n".join(lines), "ChaSen · plans")
    buttons = [
        {
            "type": "button",
            "action_id": SEND_PLAN_PDF,
            "text": {
                "type": "plain_text",
                "text": f"PDF: {p.plan_type or 'plan'} FY{p.fiscal_year}",
            },
            "value": str(p.id),
        }
        for p in plans
    ]
    return Message(message.text, [*message.blocks, {"type": "actions", "elements": buttons}])


def plan_summary(plan: PlanSummary) -> str:
    """A plan in mrkdwn: type, year, status, completion, steps, version and last update."""
    steps = plan.steps_completed or {}
    ticks = "  ".join(
        f"{'✅' if steps.get(step) else '⬜'} {escape(STEP_LABELS.get(step, step))}"
        for step, _ in STEPS
    )
    updated = plan.updated_at.date().isoformat() if plan.updated_at else "never"
    return (
        f"*{escape(plan.plan_type or '?')} plan FY{plan.fiscal_year}* · "
        f"{escape(plan.status or 'draft')} · {plan.completion_percentage or 0}% complete · "
        f"owner {escape(plan.primary_owner)}\n{ticks}\n"
        f"_version {plan.version} · updated {updated}_"
    )

"""What a plan draft is built from: the request, the data in scope, its sources, in words.

:func:`gather` reads everything once (portfolio figures, relationship map, churn risk, recent
meetings, health 90 days ago) so that drafting itself is a pure function of the gathered data:
the same data always gives the same draft. :func:`data_facts` states the gathered figures as
sentences that cite their sources (``[S1]``); the offline summary and the language model's
facts are both made of them, so the two never disagree on a number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.identity import Person
from core.models import Client
from ingest.stakeholders.plan_section import merge_relationship_map
from ingest.stakeholders.service import StakeholderView, list_stakeholders
from planning import directory
from planning import portfolio_repository as repo
from planning.autofill import account_sections, territory_sections
from planning.calculations import coverage, health_band
from risk.assessment import ClientRisk, assess

LOOKBACK_DAYS = 90
"""Meetings this recent count as engagement; health this long ago is the trend's baseline."""


@dataclass(frozen=True)
class DraftRequest:
    """What "Generate Plan Draft" was pressed for, and whose view the summary leads with.

    ``emphasis`` CSE leads with pipeline, coverage and ACV; CAM with health, NPS, engagement
    and relationships.
    """

    plan_type: Literal["account", "territory"]
    fiscal_year: int
    owner: Person
    emphasis: Literal["CSE", "CAM"]
    client_id: uuid.UUID | None = None
    territory: str | None = None


@dataclass(frozen=True)
class Source:
    """One body of data the draft's text cites as ``[S1]``, ``[S2]``..."""

    id: str
    kind: str
    label: str

    def as_json(self) -> dict[str, str]:
        """The source as plain data (for graph state and API responses)."""
        return {"id": self.id, "kind": self.kind, "label": self.label}


@dataclass(frozen=True)
class MeetingNote:
    """A recent meeting with a client in scope."""

    title: str
    held_on: date
    client_name: str


@dataclass(frozen=True)
class Reading:
    """A client's health and NPS on a past date (the baseline of its trend)."""

    on: date
    health_score: int | None
    nps: int | None


@dataclass
class DraftData:
    """Everything a draft is written from; drafting reads nothing else."""

    request: DraftRequest
    today: date
    clients: list[Client]
    base: dict[str, Any]
    stakeholders: list[dict[str, Any]]
    risks: list[ClientRisk]
    meetings: list[MeetingNote]
    sources: list[Source]
    cam_names: dict[uuid.UUID, str]
    """The name of each client's CAM (who owns account-health risks), where it has one."""
    deal_owners: dict[str, str]
    """The name of each open deal's owner (who closes its MEDDPICC gaps), by opportunity id."""
    health_before: dict[uuid.UUID, Reading]
    """Each client's last health reading at least :data:`LOOKBACK_DAYS` ago."""

    @property
    def account(self) -> bool:
        """True for an account plan (one client)."""
        return self.request.plan_type == "account"

    @property
    def subject(self) -> str:
        """What the plan is about: the client's name or the territory."""
        if self.account and self.clients:
            return self.clients[0].name
        return self.request.territory or f"{self.request.owner.name}'s territory"

    def cite(self, *kinds: str) -> str:
        """Bracketed ids of the sources of these kinds, e.g. ``"[S1][S5]"`` ("" if none)."""
        ids = [s.id for kind in kinds for s in self.sources if s.kind == kind]
        return "".join(f"[{i}]" for i in ids)


def gather(
    session: Session,
    request: DraftRequest,
    today: date,
    current_stakeholders: Sequence[dict[str, Any]] = (),
) -> DraftData:
    """Read the data a draft of ``request`` needs, as of ``today``.

    ``current_stakeholders`` is the plan's relationship map as it stands; detected people are
    merged into it. Raises :class:`ValidationError` for an account request without a client or
    a territory request without a territory, :class:`NotFoundError` for an unknown client or
    owner.
    """
    clients, base = _scope(session, request, today)
    stakeholders: list[dict[str, Any]] = []
    if request.plan_type == "account":
        people = list_stakeholders(session, clients[0].id)
        merged = merge_relationship_map(current_stakeholders, people)
        stakeholders = _stable_ids(merged, len(current_stakeholders), people)
    risks = assess(session, clients, today)
    meetings = _meetings(session, clients, today)
    before = _health_before(session, clients, today)
    data = DraftData(
        request=request,
        today=today,
        clients=clients,
        base=base,
        stakeholders=stakeholders,
        risks=risks,
        meetings=meetings,
        sources=[],
        cam_names=_cam_names(session, clients),
        deal_owners=_deal_owners(session, base["opportunities"]),
        health_before=before,
    )
    data.sources = _sources(data)
    return data


def _scope(
    session: Session, request: DraftRequest, today: date
) -> tuple[list[Client], dict[str, Any]]:
    """The clients in scope and the portfolio sections autofill builds for them."""
    if request.plan_type == "account":
        if request.client_id is None:
            raise ValidationError("An account plan draft needs a client")
        client = directory.get_client(session, request.client_id)
        return [client], account_sections(session, client, request.fiscal_year, today)
    if not request.territory:
        raise ValidationError("A territory plan draft needs a territory")
    owner = directory.get_user(session, request.owner.id)
    clients = list(repo.clients_of_cse(session, owner.id))
    return clients, territory_sections(session, owner, request.fiscal_year, today)


def _stable_ids(
    items: list[dict[str, Any]], kept: int, people: Sequence[StakeholderView]
) -> list[dict[str, Any]]:
    """Give the people appended after the first ``kept`` items ids derived from their row.

    The merge mints a random id for each person it appends; drafting twice from the same
    meetings must give the same section.
    """
    ids = {p.name: f"stakeholder-{p.id.hex[:12]}" for p in people}
    taken = {str(item.get("id")) for item in items[:kept]}
    out = items[:kept]
    for item in items[kept:]:
        stable = ids.get(str(item.get("name")))
        new = {**item, "id": stable} if stable is not None and stable not in taken else item
        taken.add(str(new.get("id")))
        out.append(new)
    return out


def _meetings(session: Session, clients: Sequence[Client], today: date) -> list[MeetingNote]:
    since = today - timedelta(days=LOOKBACK_DAYS)
    rows = repo.meetings_between(session, [c.id for c in clients], since, today)
    return [MeetingNote(title, held, name) for title, held, name in rows]


def _health_before(
    session: Session, clients: Sequence[Client], today: date
) -> dict[uuid.UUID, Reading]:
    baseline = today - timedelta(days=LOOKBACK_DAYS)
    readings = repo.health_on(session, [c.id for c in clients], baseline)
    return {h.client_id: Reading(h.recorded_on, h.health_score, h.nps) for h in readings}


def _cam_names(session: Session, clients: Sequence[Client]) -> dict[uuid.UUID, str]:
    names = repo.user_names(session, {c.cam_id for c in clients if c.cam_id is not None})
    return {c.id: names[c.cam_id] for c in clients if c.cam_id in names}


def _deal_owners(session: Session, opportunities: Sequence[dict[str, Any]]) -> dict[str, str]:
    ids = {uuid.UUID(str(o["opportunity_id"])) for o in opportunities if o.get("opportunity_id")}
    return {str(deal): name for deal, name in repo.deal_owner_names(session, ids).items()}


def _sources(data: DraftData) -> list[Source]:
    """The sources in a fixed order, numbered S1, S2... (absent data has no source)."""
    req, on = data.request, data.today.isoformat()
    whose = data.subject if data.account else f"{req.owner.name}'s {len(data.clients)} clients"
    record = f"{whose} client record" if data.account else f"Client records of {whose}"
    labels = [("client_record", f"{record} (ARR, health, NPS, renewal), as of {on}")]
    if data.health_before:
        first = min(r.on for r in data.health_before.values())
        labels.append(("health_history", f"Health and NPS history of {whose}, from {first}"))
    labels.append(("pipeline", f"Open pipeline of {whose} with MEDDPICC scores, as of {on}"))
    if data.base["targets"]["quarters"]:
        labels.append(("targets", f"{req.owner.name}'s FY{req.fiscal_year} targets by quarter"))
    if data.risks:
        labels.append(("churn_model", f"Churn model {data.risks[0].model}, as of {on}"))
    labels.append(("meetings", f"Meetings with {whose} in the {LOOKBACK_DAYS} days to {on}"))
    if data.account:
        labels.append(("stakeholders", f"{whose} relationship map (plan and meeting transcripts)"))
    return [Source(f"S{i}", kind, label) for i, (kind, label) in enumerate(labels, start=1)]


# --- the data in words ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One statement of the draft's text with its source ids; ``priority`` 0 is kept first.

    Topics: scope, health, trend, engagement, relationships, pipeline, targets, deal, risk
    (clients in the risk section), client (the others), action, meeting.
    """

    topic: str
    text: str
    priority: int


def money(value: Any) -> str:
    """Whole dollars with thousands separators: ``$1,234,000`` (``-$5`` below zero), or ``?``
    when unknown (None)."""
    if value is None:
        return "?"
    # Adding zero turns the -0 of a small negative amount rounded into 0.
    amount = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP) + 0
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def renewal_days(client: Client, today: date) -> int | None:
    """Days from ``today`` to the client's renewal (negative when it has passed)."""
    return (client.renewal_date - today).days if client.renewal_date else None


def data_facts(data: DraftData, in_risk_section: set[uuid.UUID]) -> list[Fact]:
    """The gathered figures as sentences citing their sources, one topic at a time.

    Clients in ``in_risk_section`` are stated as risks (priority 0 when high or critical),
    the others as client lines (priority 1 for medium risk, 2 for the rest).
    """
    facts = [Fact("scope", _scope_text(data), 0), Fact("health", _health(data), 0)]
    if data.health_before:
        facts.append(Fact("trend", _trend(data), 1))
    facts.append(Fact("engagement", _engagement(data), 1))
    if data.account:
        facts.append(Fact("relationships", _relationships(data), 1))
    facts.append(Fact("pipeline", _pipeline(data), 0))
    if not data.account:
        facts.append(Fact("targets", _targets(data), 0))
    clients = {c.id: c for c in data.clients}
    for risk in data.risks:
        text = _risk(data, risk, clients[risk.client_id])
        if risk.client_id in in_risk_section:
            facts.append(Fact("risk", text, 0 if risk.high else 1))
        elif not data.account:
            facts.append(Fact("client", text, 1 if risk.band == "medium" else 2))
    facts += [
        Fact(
            "meeting",
            f"Meeting {m.held_on} with {m.client_name}: {m.title} {data.cite('meetings')}",
            2,
        )
        for m in data.meetings
    ]
    return facts


def _scope_text(data: DraftData) -> str:
    req = data.request
    head = f"{req.plan_type.capitalize()} plan FY{req.fiscal_year} for {data.subject}"
    who = f"owner {req.owner.name} ({req.emphasis} view), as of {data.today}"
    if data.account:
        return f"{head}, {who}."
    return f"{head}, {who}: {len(data.clients)} clients {data.cite('client_record')}."


def _health(data: DraftData) -> str:
    snap, cite = data.base["snapshot"], data.cite("client_record")
    if data.account:
        client = data.clients[0]
        parts = [f"ARR {money(client.arr)}", f"health {_num(client.health_score)}"]
        band = health_band(client.health_score)
        parts[-1] += f" ({band.replace('_', ' ')})" if band else ""
        parts.append(f"NPS {_num(client.nps)}")
        if client.support_sla_pct is not None:
            parts.append(f"support SLA met {client.support_sla_pct}%")
        if snap.get("open_p1s") is not None:
            parts.append(_count(snap["open_p1s"], "open P1"))
        days = renewal_days(client, data.today)
        if days is not None:
            parts.append(f"renewal {client.renewal_date} (in {days} days)")
        return f"{client.name}: {', '.join(parts)} {cite}."
    spread = snap["health_distribution"]
    return (
        f"Portfolio: ARR {money(snap['arr'])}, average health {_num(snap['health_score'])}, "
        f"average NPS {_num(snap['nps'])}; {spread['healthy']} healthy, {spread['at_risk']} at "
        f"risk, {spread['critical']} critical, {spread['unknown']} without a health score; "
        f"{_count(snap['open_p1s'], 'open P1')} {cite}."
    )


def _trend(data: DraftData) -> str:
    cite = data.cite("health_history")
    if data.account:
        reading = data.health_before[data.clients[0].id]  # only called when there is one
        return (
            f"Trend: on {reading.on} health was {_num(reading.health_score)} and NPS was "
            f"{_num(reading.nps)} {cite}."
        )
    moves = {"fell": 0, "rose": 0, "held": 0}
    for client in data.clients:
        then = data.health_before.get(client.id)
        if then and then.health_score is not None and client.health_score is not None:
            delta = client.health_score - then.health_score
            moves["fell" if delta < 0 else "rose" if delta > 0 else "held"] += 1
    return (
        f"Trend over {LOOKBACK_DAYS} days: health fell at {moves['fell']} clients, rose at "
        f"{moves['rose']} and held at {moves['held']} {cite}."
    )


def _engagement(data: DraftData) -> str:
    cite, meetings = data.cite("meetings"), data.meetings
    if not meetings:
        return f"Engagement: no meetings recorded in the last {LOOKBACK_DAYS} days {cite}."
    latest = meetings[0]
    met = len({m.client_name for m in meetings})
    where = "" if data.account else f" with {met} of {len(data.clients)} clients"
    count = _count(len(meetings), "meeting")
    return (
        f"Engagement: {count}{where} in the last {LOOKBACK_DAYS} days, latest "
        f"{latest.held_on} ({latest.title}, {latest.client_name}) {cite}."
    )


def _relationships(data: DraftData) -> str:
    people, cite = data.stakeholders, data.cite("stakeholders")
    if not people:
        return f"Relationships: no stakeholders mapped yet, so no champion is known {cite}."
    strong = sum(p.get("relationship") == "strong" for p in people)
    weak = sum(p.get("relationship") == "weak" for p in people)
    parts = [f"{_count(len(people), 'stakeholder')} mapped ({strong} strong, {weak} weak)"]
    for role, label in (("champion", "champion"), ("economic_buyer", "economic buyer")):
        found = next((p for p in people if p.get("role") == role), None)
        if found is None:
            parts.append(f"no {label} identified")
            continue
        seen = f", last contact {found['last_contact']}" if found.get("last_contact") else ""
        parts.append(f"{label} {found['name']} ({found.get('title') or 'no title'}{seen})")
    return f"Relationships: {'; '.join(parts)} {cite}."


def _pipeline(data: DraftData) -> str:
    deals = data.base["opportunities"]
    focus = sum(bool(d.get("focus_deal")) for d in deals)
    total = money(data.base["targets"]["pipeline_weighted_acv"])
    count = _count(len(deals), "open deal")
    return (
        f"Pipeline: open weighted ACV {total}; {count} in the plan, {focus} marked focus "
        f"{data.cite('pipeline')}."
    )


def _targets(data: DraftData) -> str:
    targets = data.base["targets"]
    quarters = targets["quarters"]
    if not quarters:
        return f"Targets FY{targets['fiscal_year']}: none on record for {data.request.owner.name}."

    def total(key: str) -> Decimal:
        return sum((Decimal(str(q[key])) for q in quarters), Decimal(0))

    target, actual = total("weighted_acv_target"), total("weighted_acv_actual")
    cover = coverage(Decimal(str(targets["pipeline_weighted_acv"])), target, actual)
    ratio = f"pipeline covers {cover}x of it" if cover is not None else "the target is met"
    return (
        f"Targets FY{targets['fiscal_year']}: weighted ACV target {money(target)}, achieved "
        f"{money(actual)}, remaining {money(max(target - actual, Decimal(0)))}; {ratio} "
        f"{data.cite('pipeline', 'targets')}. Total ACV target {money(total('total_acv_target'))}, "
        f"achieved {money(total('total_acv_actual'))} {data.cite('targets')}."
    )


def _risk(data: DraftData, risk: ClientRisk, client: Client) -> str:
    if risk.band is None:
        return f"{risk.client_name}: not scored ({risk.missing}) {data.cite('churn_model')}."
    reasons = "; ".join(r["text"] for r in risk.raising[:2]) or "no reason raises it"
    figures = f"ARR {money(client.arr)}"
    if client.renewal_date:
        figures += f", renewal {client.renewal_date}"
    return (
        f"{risk.client_name}: {risk.band} churn risk (score {risk.score:g}): {reasons} "
        f"{data.cite('churn_model')}; {figures} {data.cite('client_record')}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _num(value: int | None) -> str:
    return "unknown" if value is None else str(value)

"""The plan-draft evaluation's scenarios, and drafting one of them on the seeded world.

Account plans drafted by CAMs and by CSEs, territory plans by every CSE, healthy and at-risk
clients, a draft into an existing plan (by its id) and a client onboarded this month with no
health score, NPS or history. The two scenarios that need data the demo lacks add it before
drafting and remove it after; every draft is rejected once read, so the world shared with the
other suites is left as it was found and nothing waits for anyone's approval.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from agent.state import DraftInput
from core.database import transaction
from core.identity import Person
from core.models import Client, PipelineOpportunity, StrategicPlan
from evals.draft_checks import LEADS, summary
from evals.draft_truth import Truth, read_truth
from evals.judge import Verdict, judge
from evals.observe import snapshot, writes_between
from evals.world import World
from ingest.demo_data import ANU, AUS_NZ, FISCAL_YEAR, JOHN, LAURA, NIKKI, OPEN_ROLE, TRACEY
from planning.autofill import fill_from_portfolio
from planning.records import NewPlan
from planning.service import PlanService

NEW_CLIENT = "Mildura Base Public Hospital"
CRITERION = (
    "The executive summary of this {plan_type} plan, for a {role} who reads {lead} first. "
    "It leads with those topics, is specific (figures with their sources), names every "
    "high-risk client with its main reason, gives actions with owners and dates, and reads as "
    "a capable colleague would write it, without filler or repetition."
)


@dataclass(frozen=True)
class Scenario:
    """Who presses "Generate Plan Draft", on what, and with what data prepared first."""

    name: str
    email: str
    client: str | None = None
    existing_plan: bool = False
    new_client: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("CAM account, healthy: Barwon Health", ANU, "Barwon Health"),
    Scenario("CAM account, high risk, renewing in 75 days: Eastern Health", ANU, "Eastern Health"),
    Scenario("CAM account, renewing in 62 days: WA Health", ANU, "WA Health"),
    Scenario("CAM account, critical: Guam Memorial", NIKKI, "Guam Memorial Hospital Authority"),
    Scenario("CSE account, healthy: Barwon Health", TRACEY, "Barwon Health"),
    Scenario("CSE account, critical: Western Health", JOHN, "Western Health"),
    Scenario("CSE territory VIC + NZ", TRACEY),
    Scenario("CSE territory WA + VIC, one critical and one high", JOHN),
    Scenario("CSE territory SA, coverage under 1x", LAURA),
    Scenario("CSE territory Asia + Guam, behind target", OPEN_ROLE),
    Scenario("CAM draft into an existing plan: Central Adelaide LHN", ANU,
             "Central Adelaide Local Health Network", existing_plan=True),
    Scenario("CAM account, new client with no health, NPS or history", ANU, NEW_CLIENT,
             new_client=True),
)  # fmt: skip


@dataclass
class Drafted:
    """One scenario's draft, what the tables say it should state, and what it cost."""

    scenario: Scenario
    role: str
    draft: dict[str, Any]
    truth: Truth
    writes: list[str]
    problems: list[str] = field(default_factory=list)
    """What went wrong around the draft (the wrong plan, the model unavailable)."""
    usage: dict[str, int] = field(default_factory=dict)
    verdict: Verdict | None = None

    @property
    def names(self) -> list[str]:
        """Client and deal names (masked when reading the summary's topics)."""
        return [c.name for c in self.truth.clients] + [d.name for d in self.truth.deals]


def draft_scenario(world: World, scenario: Scenario) -> Drafted:
    """Prepare the scenario's data, draft, read the truth, reject the draft, tidy up."""
    person = world.person(scenario.email)
    plan_type = "account" if scenario.client else "territory"
    with _prepared(world, scenario, person) as request:
        before = snapshot(world.database.sessions)
        result = world.chasen.draft(person, request)
        if len(result.decisions) != 1:
            raise ValueError(f"expected one draft waiting, got {len(result.decisions)}")
        decision = result.decisions[0]
        draft = dict(decision.args)
        with world.database.sessions() as session:
            found = select(Client.id).where(Client.name == scenario.client)
            client_id = session.scalars(found).one() if scenario.client else None
            plan = uuid.UUID(str(request["plan_id"])) if "plan_id" in request else None
            truth = read_truth(
                session, today=world.today, owner_id=person.id, plan_type=plan_type,
                fiscal_year=FISCAL_YEAR, client_id=client_id, plan_id=plan,
            )  # fmt: skip
        # Rejecting must write nothing either; it also leaves nothing waiting in the world.
        thread, interrupt = result.thread_id, decision.interrupt_id or ""
        world.chasen.resume(person, thread, interrupt, {"type": "ignore"})
        writes = writes_between(before, snapshot(world.database.sessions))
    problems = list(result.notices)
    if draft.get("plan_type") != plan_type:
        problems.append(f"drafted a {draft.get('plan_type')} plan, not a {plan_type} plan")
    if plan and draft.get("plan_id") != str(plan):
        problems.append(f"drafted into plan {draft.get('plan_id')}, not the existing {plan}")
    role = "CAM" if person.role == "CAM" else "CSE"
    verdict = None
    if not world.model.offline:
        criterion = CRITERION.format(plan_type=plan_type, role=role, lead=LEADS[role])
        verdict = judge(world.model, criterion, summary(draft))
    return Drafted(scenario, role, draft, truth, writes, problems, dict(result.usage), verdict)


@contextmanager
def _prepared(world: World, scenario: Scenario, person: Person) -> Iterator[DraftInput]:
    """The draft request, with the scenario's extra data in the world while it runs."""
    request: DraftInput = {"fiscal_year": FISCAL_YEAR}
    if scenario.client:
        request["client"] = scenario.client
    added_client = added_plan = None
    try:
        with transaction(world.database.sessions) as session:
            if scenario.new_client:
                added_client = _add_new_client(session, world)
            if scenario.existing_plan and scenario.client:
                added_plan = _add_plan(session, world, person, scenario.client)
                request = {"plan_id": str(added_plan)}
        yield request
    finally:
        with transaction(world.database.sessions) as session:
            if added_plan:
                session.execute(delete(StrategicPlan).where(StrategicPlan.id == added_plan))
            if added_client:
                session.execute(delete(Client).where(Client.id == added_client))


def _add_new_client(session: Session, world: World) -> uuid.UUID:
    """A client onboarded this month: ARR, a renewal date and one unscored deal, nothing else."""
    tracey, anu = world.person(TRACEY), world.person(ANU)
    client = Client(
        name=NEW_CLIENT, segment="Growth", territory="VIC", region=AUS_NZ, cse_id=tracey.id,
        cam_id=anu.id, arr=Decimal(240_000), renewal_date=world.today + timedelta(days=345),
    )  # fmt: skip
    session.add(client)
    session.flush()
    session.add(
        PipelineOpportunity(
            name=f"{NEW_CLIENT} - Patient Flow Analytics", client_id=client.id,
            owner_id=tracey.id, stage="qualify", probability=Decimal(20), acv=Decimal(180_000),
            tcv=Decimal(540_000), close_date=world.today + timedelta(days=150),
            fiscal_year=FISCAL_YEAR + 1,
        )
    )  # fmt: skip
    return client.id


def _add_plan(session: Session, world: World, person: Person, client_name: str) -> uuid.UUID:
    """An open account plan filled from the portfolio, with one stakeholder typed in by hand."""
    client_id = session.scalars(select(Client.id).where(Client.name == client_name)).one()
    service = PlanService(session)
    new = NewPlan(
        plan_type="account", fiscal_year=FISCAL_YEAR, primary_owner=person.name,
        primary_owner_role="CAM", owner_id=person.id, client_id=client_id,
    )  # fmt: skip
    plan = service.create_plan(new, person.actor)
    filled = fill_from_portfolio(session, plan.id, person.actor, world.today)
    contact = (world.today - timedelta(days=40)).isoformat()
    typed = {"name": "Helen Moore", "title": "Chief Executive", "role": "economic_buyer",
             "relationship": "neutral", "last_contact": contact}  # fmt: skip
    version = filled.version
    service.write_section(
        plan.id, "stakeholders", [typed], expected_version=version, actor=person.actor
    )
    return plan.id

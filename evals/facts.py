"""What a right answer states, read from the tables when a case runs (never written down).

Each function returns :class:`Fact` values: something the answer must (or must not) state,
satisfied by any of its spellings ("$2,880,000", "2.88 million"). The queries go to the
tables, not through the tools under test, so a tool that misreads the data fails its case.
A fact with no spelling (the data holds no answer) is never satisfied: a case cannot pass
by asking about nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.identity import Person
from core.models import (
    Client,
    CseCamTarget,
    Meeting,
    MeetingUtterance,
    PipelineOpportunity,
    RiskPrediction,
    Stakeholder,
    StrategicPlan,
    User,
)
from evals.reach import split_clients
from evals.world import World

CLOSED_STAGES = ("closed_won", "closed_lost")


@dataclass(frozen=True)
class Fact:
    """Something an answer states in any of ``options`` (any case, whole words)."""

    label: str
    options: tuple[str, ...]

    def in_(self, text: str) -> bool:
        """Whether ``text`` states this fact."""
        return any(_pattern(option).search(text) for option in self.options)

    def shown(self) -> str:
        """The spellings looked for, or why there are none."""
        return " or ".join(repr(o) for o in self.options[:3]) or "no answer in the data"


def _pattern(option: str) -> re.Pattern[str]:
    # Not inside a longer word or number: "61" is not in "2061" nor in "61.5".
    return re.compile(rf"(?<![\w,.]){re.escape(option)}(?![\w]|[,.]\d)", re.IGNORECASE)


def money(label: str, amount: Decimal | int | float) -> Fact:
    """An amount as ChaSen and people write it: $2,880,000, 2880000, $2.88M, 2.88 million."""
    whole = int(Decimal(str(amount)).to_integral_value())
    millions = f"{whole / 1_000_000:.2f}".rstrip("0").rstrip(".")
    return Fact(
        label, (f"${whole:,}", f"{whole:,}", str(whole), f"${millions}M", f"{millions} million")
    )


def _client(session: Session, name: str) -> Client:
    return session.scalars(select(Client).where(Client.name == name)).one()


def _staff(session: Session) -> set[str]:
    return {n.casefold() for n in session.scalars(select(User.name))}


def stakeholder_names(world: World, client: str) -> list[Fact]:
    """Each person detected in the client's meetings on its side or a third party's."""
    with world.database.sessions() as session:
        found = _client(session, client)
        names = sorted(
            session.scalars(
                select(Stakeholder.name).where(
                    Stakeholder.client_id == found.id, Stakeholder.side != "internal"
                )
            )
        )
    return [Fact(f"stakeholder {n}", (n,)) for n in names] or [Fact("stakeholders", ())]


def economic_buyer(world: World, client: str) -> Fact:
    """The people detected as the client's economic buyer (any one of them)."""
    with world.database.sessions() as session:
        found = _client(session, client)
        names = session.scalars(
            select(Stakeholder.name).where(
                Stakeholder.client_id == found.id,
                Stakeholder.meddpicc_role == "economic_buyer",
                Stakeholder.side != "internal",
            )
        )
        return Fact("the economic buyer", tuple(sorted(names)))


def _bands(session: Session, world: World) -> dict[str, str]:
    """Each client's churn band in the latest scoring as of the world's day."""
    rows = session.execute(
        select(Client.name, RiskPrediction.band)
        .join(RiskPrediction, RiskPrediction.client_id == Client.id)
        .where(RiskPrediction.as_of == world.today, RiskPrediction.status == "scored")
        .order_by(Client.name, RiskPrediction.scored_at.desc(), RiskPrediction.id.desc())
    ).all()
    bands: dict[str, str] = {}
    for name, band in rows:
        if band is not None:
            bands.setdefault(name, band)
    return bands


def at_risk(
    world: World, person: Person, territory: str | None, bands: Sequence[str]
) -> tuple[list[Fact], list[Fact]]:
    """The clients in ``person``'s reach (of ``territory``) whose band is one of ``bands``;
    and those of other territories that are, which an answer about ``territory`` leaves out."""
    with world.database.sessions() as session:
        band_of = _bands(session, world)
        visible, _ = split_clients(session, person)
    risky = [c for c in visible if band_of.get(c.name) in bands]
    wanted = [c for c in risky if territory is None or c.territory == territory]
    others = [c for c in risky if c not in wanted]
    subject = f"client at risk in {territory}" if territory else "client at risk"
    must = [Fact(f"{subject} {c.name}", (c.name,)) for c in wanted] or [Fact(subject, ())]
    return must, [Fact(f"{c.name} of {c.territory}", (c.name,)) for c in others]


def out_of_reach_names(world: World, person: Person) -> list[Fact]:
    """The names of the clients ``person`` may not see."""
    with world.database.sessions() as session:
        _, hidden = split_clients(session, person)
    return [Fact(f"{c.name}, out of reach", (c.name,)) for c in hidden]


def plan_at_a_glance(world: World, owner_email: str) -> list[Fact]:
    """The owner's open territory plan: its completion and its portfolio's total ARR."""
    with world.database.sessions() as session:
        owner = session.scalars(select(User).where(User.email == owner_email)).one()
        plan = session.scalars(
            select(StrategicPlan)
            .where(
                StrategicPlan.owner_id == owner.id,
                StrategicPlan.client_id.is_(None),
                StrategicPlan.status.in_(("draft", "in_review")),
            )
            .order_by(StrategicPlan.updated_at.desc())
        ).first()
        if plan is None:
            return [Fact("the territory plan", ())]
        arr = sum(Decimal(str(i.get("arr") or 0)) for i in plan.portfolio_data or [])
        return [
            Fact("its completion", (f"{plan.completion_percentage}%",)),
            money("its portfolio's ARR", arr),
        ]


def plans_in_region(world: World, manager: Person) -> list[Fact]:
    """The plans of a manager's region: account plans of its clients, and territory plans of
    its people; each by its subject or id."""
    with world.database.sessions() as session:
        rows = session.execute(
            select(StrategicPlan, Client.region, User.region)
            .outerjoin(Client, Client.id == StrategicPlan.client_id)
            .outerjoin(User, User.id == StrategicPlan.owner_id)
        ).all()
        return [
            Fact(f"the plan of {plan.client_name or plan.territory}", (str(plan.id),))
            for plan, client_region, owner_region in rows
            if (client_region if plan.client_id else owner_region) == manager.region
        ] or [Fact("the region's plans", ())]


def said(world: World, client: str, words: str) -> list[Fact]:
    """Who, on the client's side, said ``words`` in its meetings (any one of them)."""
    with world.database.sessions() as session:
        found = _client(session, client)
        speakers = set(
            session.scalars(
                select(MeetingUtterance.speaker)
                .join(Meeting, Meeting.id == MeetingUtterance.meeting_id)
                .where(Meeting.client_id == found.id, MeetingUtterance.text.ilike(f"%{words}%"))
            )
        )
        staff = _staff(session)
    return [
        Fact(f"who said {words!r}", tuple(sorted(s for s in speakers if s.casefold() not in staff)))
    ]


def snapshot(world: World, client: str) -> list[Fact]:
    """The client's ARR and health score."""
    with world.database.sessions() as session:
        found = _client(session, client)
        return [
            money("its ARR", found.arr),
            Fact("its health score", (str(found.health_score),) if found.health_score else ()),
        ]


def open_deals(world: World, client: str) -> list[Fact]:
    """Each open opportunity of the client, by its name or the part after the client's."""
    with world.database.sessions() as session:
        found = _client(session, client)
        names = session.scalars(
            select(PipelineOpportunity.name).where(
                PipelineOpportunity.client_id == found.id,
                PipelineOpportunity.stage.not_in(CLOSED_STAGES),
            )
        )
        return [Fact(f"deal {n}", (n, n.split(" - ", 1)[-1])) for n in sorted(names)] or [
            Fact("open deals", ())
        ]


def _year_totals(world: World, person: Person) -> tuple[Decimal, Decimal] | None:
    with world.database.sessions() as session:
        row = session.execute(
            select(
                func.sum(CseCamTarget.weighted_acv_target),
                func.sum(CseCamTarget.weighted_acv_actual),
            ).where(CseCamTarget.user_id == person.id, CseCamTarget.fiscal_year == world.today.year)
        ).one()
    return (row[0], row[1]) if row[0] is not None else None


def targets(world: World, person: Person) -> list[Fact]:
    """The person's weighted-ACV target for the year and what they closed."""
    totals = _year_totals(world, person)
    if totals is None:
        return [Fact("the year's targets", ())]
    return [money("the weighted-ACV target", totals[0]), money("weighted ACV closed", totals[1])]


def gap(world: World, person: Person) -> Fact:
    """Weighted ACV still to close this year."""
    totals = _year_totals(world, person)
    if totals is None:
        return Fact("the gap to target", ())
    return money("the gap to target", max(totals[0] - totals[1], Decimal(0)))


def next_steps(world: World, client: str) -> list[Fact]:
    """The client's CAM (who owns the churn action) and its open focus deals."""
    with world.database.sessions() as session:
        found = _client(session, client)
        cam = session.get(User, found.cam_id) if found.cam_id else None
        focus = session.scalars(
            select(PipelineOpportunity.name).where(
                PipelineOpportunity.client_id == found.id,
                PipelineOpportunity.focus_deal.is_(True),
                PipelineOpportunity.stage.not_in(CLOSED_STAGES),
            )
        )
        deals = [Fact(f"focus deal {n}", (n, n.split(" - ", 1)[-1])) for n in sorted(focus)]
        return [Fact("the CAM as an owner", (cam.name,) if cam else ()), *deals]

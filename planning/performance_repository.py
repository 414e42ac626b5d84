"""Reads behind portfolio performance: a few set-based queries, whatever the portfolio's size.

Rows come back as named tuples of plain values (not ORM objects): a rollup reads thousands of
clients and only needs a few columns of each. Pipeline is summed in SQL per (client, owner);
only focus deals and upcoming meetings come back one row each.

Ids come back as text. A rollup holds tens of thousands of ids at once, and ``uuid.UUID``
objects, unlike strings, are tracked by Python's cyclic garbage collector: that many of them
bring on full collections, each of which costs more than the queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    String,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import (
    MEDDPICC_DIMENSIONS,
    OPEN_STAGES,
    Client,
    ConversationReadiness,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
    User,
)
from planning.portfolio_views import MEASURES

Id = str
"""A row's UUID as text."""

OWNER_ROLES = ("CSE", "CAM")
"""The roles that own clients and carry targets."""


class PersonRow(NamedTuple):
    """A CSE or CAM."""

    id: Id
    name: str
    email: str
    role: str
    region: str | None


class ClientRow(NamedTuple):
    """The columns of a client that performance reads."""

    id: Id
    name: str
    territory: str
    region: str
    segment: str | None
    cse_id: Id | None
    cam_id: Id | None
    arr: Decimal
    health_score: int | None


class TargetRow(NamedTuple):
    """One person's quarter: ``values[measure] = (target, actual)``."""

    user_id: Id
    quarter: int
    values: dict[str, tuple[Decimal, Decimal]]


class PipelineCell(NamedTuple):
    """Open deals of one client owned by one person, closing in the fiscal year, summed."""

    client_id: Id
    owner_id: Id | None
    deals: int
    weighted_acv: Decimal
    acv: Decimal
    burc_weighted_acv: Decimal


class FocusDealRow(NamedTuple):
    """An open focus deal of the fiscal year with its MEDDPICC scores (None: not assessed)."""

    id: Id
    name: str
    client_id: Id
    client: str
    owner_id: Id | None
    stage: str
    probability: Decimal
    acv: Decimal
    weighted_acv: Decimal
    close_date: date | None
    scores: dict[str, int] | None


class MeetingRow(NamedTuple):
    """An upcoming meeting's readiness."""

    id: Id
    client_id: Id
    client: str
    owner_id: Id | None
    title: str
    meeting_at: datetime
    overall: Decimal
    checklist_done: int
    """Checklist items marked true."""
    checklist_items: int


@dataclass(frozen=True)
class Snapshot:
    """What one performance read needs, loaded once."""

    people: dict[Id, PersonRow]
    clients: list[ClientRow]
    client_counts: dict[Id, int]
    """How many clients each CSE (by ``cse_id``) and CAM (by ``cam_id``) has, portfolio-wide."""
    targets: dict[Id, list[TargetRow]]
    pipeline: list[PipelineCell]
    focus_deals: list[FocusDealRow]
    meetings: list[MeetingRow]


GROUPINGS: dict[str, InstrumentedAttribute[Any]] = {
    "territory": Client.territory,
    "region": Client.region,
    "business_unit": Client.segment,
}
"""The client column each grouping level groups by (a business unit is a client segment)."""


def grouping_named(session: Session, level: str, name: str) -> str | None:
    """The territory, region or segment spelt ``name`` in any case, as the clients spell it."""
    column = GROUPINGS[level]
    query = select(column).where(func.lower(column) == name.strip().lower()).limit(1)
    return session.scalar(query)


def owned_by(owner: User) -> ColumnElement[bool]:
    """A WHERE clause on ``clients``: the owner's (CSE: ``cse_id``; CAM: ``cam_id``)."""
    column = Client.cam_id if owner.role == "CAM" else Client.cse_id
    return column == owner.id


def with_id(client_id: uuid.UUID) -> ColumnElement[bool]:
    """A WHERE clause on ``clients``: the one with this id."""
    return Client.id == client_id


def in_grouping(level: str, key: str) -> ColumnElement[bool]:
    """A WHERE clause on ``clients``: those of the territory, region or segment ``key``."""
    return GROUPINGS[level] == key


def text_id(column: Any) -> ColumnElement[str]:
    """A UUID column read as text."""
    return cast(column, String)


def snapshot(
    session: Session,
    fiscal_year: int,
    window: tuple[datetime, datetime],
    scope: ColumnElement[bool] | None = None,
    owner_id: uuid.UUID | None = None,
) -> Snapshot:
    """The people, clients, targets, pipeline, focus deals and meetings behind performance.

    ``scope`` (a WHERE clause on ``clients``) limits the clients, and the deals and meetings
    on them; ``owner_id`` adds the deals and meetings that person owns on any client. With
    neither, the whole portfolio. People, targets and client counts are always loaded whole
    (they are few): apportioning a person's targets needs all their clients counted.
    """
    people = _people(session)
    client_query = select(
        text_id(Client.id),
        Client.name,
        Client.territory,
        Client.region,
        Client.segment,
        text_id(Client.cse_id),
        text_id(Client.cam_id),
        Client.arr,
        Client.health_score,
    )
    if scope is not None:
        client_query = client_query.where(scope)
    clients = [ClientRow(*row) for row in _rows(session, client_query)]
    deal_scope = _scope_of(
        PipelineOpportunity.client_id, PipelineOpportunity.owner_id, scope, owner_id
    )
    meeting_scope = _scope_of(
        ConversationReadiness.client_id, ConversationReadiness.owner_id, scope, owner_id
    )
    return Snapshot(
        people=people,
        clients=clients,
        client_counts=_client_counts(session, people),
        targets=_targets(session, fiscal_year),
        pipeline=_pipeline(session, fiscal_year, deal_scope),
        focus_deals=_focus_deals(session, fiscal_year, deal_scope),
        meetings=_meetings(session, window, meeting_scope),
    )


def _scope_of(
    client_column: InstrumentedAttribute[uuid.UUID],
    owner_column: InstrumentedAttribute[uuid.UUID | None],
    scope: ColumnElement[bool] | None,
    owner_id: uuid.UUID | None,
) -> ColumnElement[bool] | None:
    if scope is None:
        return None
    # Not correlated with a ``clients`` the outer query may join: an independent id list.
    in_scope = client_column.in_(select(Client.id).where(scope).correlate(None))
    return or_(in_scope, owner_column == owner_id) if owner_id is not None else in_scope


def _rows(session: Session, query: Executable) -> CursorResult[*tuple[Any, ...]]:
    """Plain rows in the session's transaction: column reads need none of the ORM's result
    processing, which costs more than the query itself on thousands of rows."""
    return session.connection().execute(query)


def _people(session: Session) -> dict[Id, PersonRow]:
    query = select(text_id(User.id), User.name, User.email, User.role, User.region).where(
        User.role.in_(OWNER_ROLES)
    )
    return {row[0]: PersonRow(*row) for row in _rows(session, query)}


def _client_counts(session: Session, people: dict[Id, PersonRow]) -> dict[Id, int]:
    by_cse = select(text_id(Client.cse_id), func.count(), literal("CSE")).group_by(Client.cse_id)
    by_cam = select(text_id(Client.cam_id), func.count(), literal("CAM")).group_by(Client.cam_id)
    counts: dict[Id, int] = {}
    for owner, n, role in _rows(session, union_all(by_cse, by_cam)):
        # A CSE's clients are those they are the CSE of, a CAM's those they are the CAM of.
        if owner in people and people[owner].role == role:
            counts[owner] = n
    return counts


def _targets(session: Session, fiscal_year: int) -> dict[Id, list[TargetRow]]:
    columns = [
        getattr(CseCamTarget, f"{m}_{part}") for m in MEASURES for part in ("target", "actual")
    ]
    query = (
        select(text_id(CseCamTarget.user_id), CseCamTarget.quarter, *columns)
        .where(CseCamTarget.fiscal_year == fiscal_year)
        .order_by(CseCamTarget.user_id, CseCamTarget.quarter)
    )
    targets: dict[Id, list[TargetRow]] = {}
    for user_id, quarter, *amounts in _rows(session, query):
        values = {m: (amounts[2 * i], amounts[2 * i + 1]) for i, m in enumerate(MEASURES)}
        targets.setdefault(user_id, []).append(TargetRow(user_id, quarter, values))
    return targets


def _open_in_year(fiscal_year: int) -> list[ColumnElement[bool]]:
    return [
        PipelineOpportunity.stage.in_(OPEN_STAGES),
        PipelineOpportunity.fiscal_year == fiscal_year,
    ]


def _pipeline(
    session: Session, fiscal_year: int, scope: ColumnElement[bool] | None
) -> list[PipelineCell]:
    deal = PipelineOpportunity
    query = (
        select(
            text_id(deal.client_id),
            text_id(deal.owner_id),
            func.count(),
            func.sum(deal.weighted_acv),
            func.sum(deal.acv),
            func.coalesce(func.sum(deal.weighted_acv).filter(deal.burc_match), 0),
        )
        .where(*_open_in_year(fiscal_year))
        .group_by(deal.client_id, deal.owner_id)
    )
    if scope is not None:
        query = query.where(scope)
    return [PipelineCell(*row) for row in _rows(session, query)]


def _focus_deals(
    session: Session, fiscal_year: int, scope: ColumnElement[bool] | None
) -> list[FocusDealRow]:
    deal = PipelineOpportunity
    dimensions = [getattr(MeddpiccScore, name) for name in MEDDPICC_DIMENSIONS]
    query = (
        select(
            text_id(deal.id),
            deal.name,
            text_id(deal.client_id),
            Client.name,
            text_id(deal.owner_id),
            deal.stage,
            deal.probability,
            deal.acv,
            deal.weighted_acv,
            deal.close_date,
            MeddpiccScore.opportunity_id,
            *dimensions,
        )
        .join(Client, Client.id == deal.client_id)
        .outerjoin(MeddpiccScore, MeddpiccScore.opportunity_id == deal.id)
        .where(*_open_in_year(fiscal_year), deal.focus_deal)
        .order_by(deal.weighted_acv.desc(), deal.name)
    )
    if scope is not None:
        query = query.where(scope)
    rows = []
    for row in _rows(session, query):
        assessed, scores = row[10], row[11:]
        by_name = dict(zip(MEDDPICC_DIMENSIONS, scores, strict=True))
        rows.append(FocusDealRow._make((*row[:10], by_name if assessed is not None else None)))
    return rows


def _meetings(
    session: Session, window: tuple[datetime, datetime], scope: ColumnElement[bool] | None
) -> list[MeetingRow]:
    meeting = ConversationReadiness
    # Counted in SQL: decoding each checklist's JSON in Python costs more than the query.
    entry = func.jsonb_each(meeting.checklist).table_valued("key", "value").alias("entry")
    items = select(func.count()).select_from(entry).scalar_subquery()
    done = (
        select(func.count())
        .select_from(entry)
        .where(entry.c.value == func.to_jsonb(true()))
        .scalar_subquery()
    )
    query = (
        select(
            text_id(meeting.id),
            text_id(meeting.client_id),
            Client.name,
            text_id(meeting.owner_id),
            meeting.meeting_title,
            meeting.meeting_at,
            meeting.overall_readiness,
            done,
            items,
        )
        .join(Client, Client.id == meeting.client_id)
        .where(meeting.meeting_at >= window[0], meeting.meeting_at < window[1])
        .order_by(meeting.meeting_at, meeting.meeting_title)
    )
    if scope is not None:
        query = query.where(scope)
    return [MeetingRow(*row) for row in _rows(session, query)]


def visible_client_ids(session: Session, where: ColumnElement[bool]) -> set[Id]:
    """Ids (as text) of the clients matching ``where`` (a permission filter)."""
    return set(session.scalars(select(text_id(Client.id)).where(where)))


def clients_renewing(session: Session, owner: User, first: date, last: date) -> Sequence[Client]:
    """The owner's clients (:func:`owned_by`) renewing from ``first`` to ``last``, soonest
    first."""
    query = (
        select(Client)
        .where(owned_by(owner), Client.renewal_date >= first, Client.renewal_date <= last)
        .order_by(Client.renewal_date, Client.name)
    )
    return session.scalars(query).all()

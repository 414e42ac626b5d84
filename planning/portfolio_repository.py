"""Reads of the portfolio that plans are built from: clients, support, targets, pipeline,
health history, meetings."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from core.models import (
    OPEN_STAGES,
    Client,
    ClientHealthHistory,
    ClientSupportHistory,
    CseCamTarget,
    MeddpiccScore,
    Meeting,
    PipelineOpportunity,
    User,
)


def clients_of_cse(session: Session, cse_id: uuid.UUID) -> Sequence[Client]:
    """The clients a CSE covers, largest ARR first."""
    query = select(Client).where(Client.cse_id == cse_id).order_by(Client.arr.desc(), Client.name)
    return session.scalars(query).all()


def latest_support(session: Session, client_id: uuid.UUID) -> ClientSupportHistory | None:
    """The client's most recent month of support figures."""
    query = (
        select(ClientSupportHistory)
        .where(ClientSupportHistory.client_id == client_id)
        .order_by(ClientSupportHistory.month.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def targets_of(session: Session, user_id: uuid.UUID, fiscal_year: int) -> Sequence[CseCamTarget]:
    """A person's quarterly targets for a fiscal year, by quarter."""
    query = (
        select(CseCamTarget)
        .where(CseCamTarget.user_id == user_id, CseCamTarget.fiscal_year == fiscal_year)
        .order_by(CseCamTarget.quarter)
    )
    return session.scalars(query).all()


def open_opportunities(
    session: Session,
    *,
    owner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Sequence[tuple[PipelineOpportunity, Client, MeddpiccScore | None]]:
    """Open opportunities of an owner or a client with their client and MEDDPICC, biggest first."""
    query = (
        select(PipelineOpportunity, Client, MeddpiccScore)
        .join(Client, Client.id == PipelineOpportunity.client_id)
        .outerjoin(MeddpiccScore, MeddpiccScore.opportunity_id == PipelineOpportunity.id)
        .where(PipelineOpportunity.stage.in_(OPEN_STAGES))
        .order_by(PipelineOpportunity.weighted_acv.desc(), PipelineOpportunity.name)
    )
    if owner_id is not None:
        query = query.where(PipelineOpportunity.owner_id == owner_id)
    if client_id is not None:
        query = query.where(PipelineOpportunity.client_id == client_id)
    return [(row[0], row[1], row[2]) for row in session.execute(query).all()]


def open_pipeline_total(
    session: Session,
    *,
    owner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
) -> Decimal:
    """Sum of weighted ACV of the open opportunities of an owner or a client."""
    query = select(func.coalesce(func.sum(PipelineOpportunity.weighted_acv), 0)).where(
        PipelineOpportunity.stage.in_(OPEN_STAGES)
    )
    if owner_id is not None:
        query = query.where(PipelineOpportunity.owner_id == owner_id)
    if client_id is not None:
        query = query.where(PipelineOpportunity.client_id == client_id)
    return Decimal(session.scalar(query) or 0)


def meetings_between(
    session: Session, client_ids: Collection[uuid.UUID], first: date, last: date
) -> list[tuple[str, date, str]]:
    """(title, held on, client name) of the clients' dated meetings held from ``first`` to
    ``last``, newest first."""
    if not client_ids:
        return []
    query = (
        select(Meeting.title, Meeting.held_on, Client.name)
        .join(Client, Client.id == Meeting.client_id)
        .where(
            Meeting.client_id.in_(client_ids),
            Meeting.held_on >= first,
            Meeting.held_on <= last,
        )
        .order_by(Meeting.held_on.desc(), Client.name, Meeting.title)
    )
    rows = session.execute(query).all()
    return [(title, held, name) for title, held, name in rows if held is not None]


def health_on(
    session: Session, client_ids: Collection[uuid.UUID], day: date
) -> Sequence[ClientHealthHistory]:
    """Each client's last health reading recorded on or before ``day`` (one per client)."""
    if not client_ids:
        return []
    query = (
        select(ClientHealthHistory)
        .where(
            ClientHealthHistory.client_id.in_(client_ids),
            ClientHealthHistory.recorded_on <= day,
        )
        .order_by(ClientHealthHistory.client_id, ClientHealthHistory.recorded_on.desc())
        .ext(distinct_on(ClientHealthHistory.client_id))
    )
    return session.scalars(query).all()


def health_history(
    session: Session, client_id: uuid.UUID, since: date, until: date
) -> Sequence[ClientHealthHistory]:
    """A client's health readings recorded after ``since`` and on or before ``until``, oldest
    first."""
    query = (
        select(ClientHealthHistory)
        .where(
            ClientHealthHistory.client_id == client_id,
            ClientHealthHistory.recorded_on <= until,
            ClientHealthHistory.recorded_on > since,
        )
        .order_by(ClientHealthHistory.recorded_on)
    )
    return session.scalars(query).all()


def user_names(session: Session, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of these users, by id (unknown ids left out)."""
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


def deal_owner_names(session: Session, deal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The name of each deal's owner, by deal id (deals without an owner left out)."""
    if not deal_ids:
        return {}
    query = (
        select(PipelineOpportunity.id, User.name)
        .join(User, User.id == PipelineOpportunity.owner_id)
        .where(PipelineOpportunity.id.in_(deal_ids))
    )
    return dict(session.execute(query).all())

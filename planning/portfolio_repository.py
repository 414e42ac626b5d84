"""Reads of the portfolio that plans are built from: clients, support, targets, pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import (
    OPEN_STAGES,
    Client,
    ClientSupportHistory,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
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

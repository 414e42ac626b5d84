"""Seed the demo portfolio of :mod:`ingest.demo_data`, idempotently and deterministically.

Every table is filled with ``INSERT ... ON CONFLICT DO NOTHING`` on its natural key, so a second
run inserts nothing and changes nothing: existing rows are never updated. The numbers come from
:mod:`ingest.demo_generate`, which is deterministic; this module adds the database ids and writes
the rows. Dates are relative to the anchor date (``today``). The caller owns the transaction: this
module only flushes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import (
    MEDDPICC_DIMENSIONS,
    READINESS_SCORES,
    Base,
    Client,
    ClientHealthHistory,
    ClientSupportHistory,
    ConversationReadiness,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
    User,
)
from ingest.demo_data import CLIENTS, TARGETS, USERS, DemoClient
from ingest.demo_generate import (
    IN_TARGET_STAGES,
    RATS_AND_MICE_ACV,
    Deal,
    Meeting,
    Row,
    Story,
    client_story,
    meddpicc_notes,
    plan_deals,
    plan_meetings,
    target_quarters,
)


@dataclass(frozen=True)
class SeedReport:
    """How many rows one run of :func:`seed_demo` inserted into each table."""

    users: int
    clients: int
    client_health_history: int
    client_support_history: int
    cse_cam_targets: int
    pipeline_opportunities: int
    meddpicc_scores: int
    conversation_readiness: int

    @property
    def total(self) -> int:
        """Rows inserted over all tables."""
        return sum(astuple(self))


def seed_demo(session: Session, *, today: date | None = None) -> SeedReport:
    """Insert the demo portfolio where it is missing, anchored at ``today`` (default: today).

    Existing rows (by natural key) are left alone, so running it again inserts nothing. A client's
    health and support history are only written while it has none, so a run in a later month does
    not append readings that disagree with the client's current values. Only flushes.
    """
    anchor = today or date.today()
    stories = {client.name: client_story(client, anchor) for client in CLIENTS}
    users, user_ids = _seed_users(session)
    clients, client_ids = _seed_clients(session, stories, user_ids, anchor)
    health, support = _seed_histories(session, stories, client_ids)
    targets = _seed_targets(session, user_ids, anchor)
    opportunities, meddpicc = _seed_pipeline(session, plan_deals(anchor), client_ids, user_ids)
    readiness = _seed_readiness(session, plan_meetings(anchor), client_ids, user_ids)
    session.flush()
    return SeedReport(
        users=users,
        clients=clients,
        client_health_history=health,
        client_support_history=support,
        cse_cam_targets=targets,
        pipeline_opportunities=opportunities,
        meddpicc_scores=meddpicc,
        conversation_readiness=readiness,
    )


# --- writing -------------------------------------------------------------------------------


def _insert(session: Session, model: type[Base], rows: Sequence[Row], key: Sequence[str]) -> int:
    """Insert ``rows`` in one statement, skipping those whose ``key`` exists; count the new ones."""
    if not rows:
        return 0
    statement = (
        pg_insert(model)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*model.__table__.primary_key)
    )
    return len(session.execute(statement).all())


def _ids(
    session: Session,
    key: InstrumentedAttribute[str],
    id_: InstrumentedAttribute[uuid.UUID],
    keys: Sequence[str],
) -> dict[str, uuid.UUID]:
    """The ids of the rows whose ``key`` column is one of ``keys``."""
    return {k: v for k, v in session.execute(select(key, id_).where(key.in_(keys)))}


def _seed_users(session: Session) -> tuple[int, dict[str, uuid.UUID]]:
    rows = [
        {
            "name": u.name,
            "email": u.email,
            "role": u.role,
            "territory": u.territory,
            "region": u.region,
        }
        for u in USERS
    ]
    added = _insert(session, User, rows, ["email"])
    return added, _ids(session, User.email, User.id, [u.email for u in USERS])


def _seed_clients(
    session: Session, stories: dict[str, Story], user_ids: dict[str, uuid.UUID], anchor: date
) -> tuple[int, dict[str, uuid.UUID]]:
    rows = [_client_row(c, stories[c.name], user_ids, anchor) for c in CLIENTS]
    added = _insert(session, Client, rows, ["name"])
    return added, _ids(session, Client.name, Client.id, [c.name for c in CLIENTS])


def _client_row(
    client: DemoClient, story: Story, user_ids: dict[str, uuid.UUID], anchor: date
) -> Row:
    latest, support = story.readings[-1], story.support[-1]
    return {
        "name": client.name,
        "segment": client.segment,
        "territory": client.territory,
        "region": client.region,
        "cse_id": user_ids[client.cse_email],
        "cam_id": user_ids[client.cam_email],
        "arr": latest.arr,
        "health_score": latest.health_score,
        "nps": latest.nps,
        "support_sla_pct": support.sla_met_pct,
        "renewal_date": anchor + timedelta(days=client.renewal_in_days),
    }


def _seed_histories(
    session: Session, stories: dict[str, Story], client_ids: dict[str, uuid.UUID]
) -> tuple[int, int]:
    ids = list(client_ids.values())
    has_health = set(
        session.scalars(
            select(ClientHealthHistory.client_id)
            .where(ClientHealthHistory.client_id.in_(ids))
            .distinct()
        )
    )
    has_support = set(
        session.scalars(
            select(ClientSupportHistory.client_id)
            .where(ClientSupportHistory.client_id.in_(ids))
            .distinct()
        )
    )
    health = [
        {"client_id": client_ids[name], **vars(reading)}
        for name, story in stories.items()
        if client_ids[name] not in has_health
        for reading in story.readings
    ]
    support = [
        {"client_id": client_ids[name], **vars(month)}
        for name, story in stories.items()
        if client_ids[name] not in has_support
        for month in story.support
    ]
    return (
        _insert(session, ClientHealthHistory, health, ["client_id", "recorded_on"]),
        _insert(session, ClientSupportHistory, support, ["client_id", "month"]),
    )


def _seed_targets(session: Session, user_ids: dict[str, uuid.UUID], anchor: date) -> int:
    rows = [
        {"user_id": user_ids[target.email], **row}
        for target in TARGETS
        for row in target_quarters(target, anchor)
    ]
    return _insert(session, CseCamTarget, rows, ["user_id", "fiscal_year", "quarter"])


def _seed_pipeline(
    session: Session,
    deals: list[Deal],
    client_ids: dict[str, uuid.UUID],
    user_ids: dict[str, uuid.UUID],
) -> tuple[int, int]:
    rows = [_deal_row(deal, client_ids, user_ids) for deal in deals]
    added = _insert(session, PipelineOpportunity, rows, ["client_id", "name"])
    found = session.execute(
        select(
            PipelineOpportunity.client_id, PipelineOpportunity.name, PipelineOpportunity.id
        ).where(PipelineOpportunity.client_id.in_(list(client_ids.values())))
    )
    opportunity_ids = {(client_id, name): id_ for client_id, name, id_ in found}
    scores = [
        {
            "opportunity_id": opportunity_ids[(client_ids[deal.client.name], deal.name)],
            **dict(zip(MEDDPICC_DIMENSIONS, deal.meddpicc, strict=True)),
            "notes": meddpicc_notes(deal.meddpicc),
        }
        for deal in deals
    ]
    return added, _insert(session, MeddpiccScore, scores, ["opportunity_id"])


def _deal_row(deal: Deal, client_ids: dict[str, uuid.UUID], user_ids: dict[str, uuid.UUID]) -> Row:
    return {
        "name": deal.name,
        "client_id": client_ids[deal.client.name],
        "owner_id": user_ids[deal.client.cse_email],
        "stage": deal.stage,
        "probability": Decimal(deal.probability),
        "acv": Decimal(deal.acv),
        "tcv": Decimal(deal.tcv),
        "close_date": deal.close_date,
        "fiscal_year": deal.close_date.year,
        "quarter": (deal.close_date.month - 1) // 3 + 1,
        "in_target": deal.stage in IN_TARGET_STAGES,
        "focus_deal": deal.focus_deal,
        "rats_and_mice": deal.acv < RATS_AND_MICE_ACV,
        "burc_match": deal.burc_match,
        "burc_source_sheet": deal.burc_source_sheet,
        "external_id": deal.external_id,
    }


def _seed_readiness(
    session: Session,
    meetings: list[Meeting],
    client_ids: dict[str, uuid.UUID],
    user_ids: dict[str, uuid.UUID],
) -> int:
    # The meeting time moves with the anchor, so a meeting is known by client and title alone.
    found = session.execute(
        select(ConversationReadiness.client_id, ConversationReadiness.meeting_title).where(
            ConversationReadiness.client_id.in_(list(client_ids.values()))
        )
    )
    existing = {(client_id, title) for client_id, title in found}
    rows = [
        {
            "client_id": client_ids[m.client.name],
            "owner_id": user_ids[m.owner_email],
            "meeting_title": m.title,
            "meeting_at": m.meeting_at,
            **dict(zip(READINESS_SCORES, m.scores, strict=True)),
            "checklist": m.checklist,
        }
        for m in meetings
        if (client_ids[m.client.name], m.title) not in existing
    ]
    return _insert(
        session, ConversationReadiness, rows, ["client_id", "meeting_title", "meeting_at"]
    )

"""SQL for stakeholders, their appearances in meetings and the evidence behind each claim."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Meeting, Stakeholder, StakeholderAppearance, StakeholderEvidence


@dataclass(frozen=True, slots=True)
class AppearanceRow:
    """One meeting's view of a stakeholder, with the meeting's title and date."""

    meeting_id: uuid.UUID
    meeting_title: str
    held_on: date | None
    spoke: bool
    title: str | None
    meddpicc_role: str | None
    confidence: float
    talk_share: float
    sentiment: float


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """A quote with the meeting it came from."""

    meeting_title: str
    held_on: date | None
    kind: str
    speaker: str
    start_s: float | None
    quote: str


def for_client(session: Session, client_id: uuid.UUID) -> list[Stakeholder]:
    """Every stakeholder of the client, by name."""
    query = select(Stakeholder).where(Stakeholder.client_id == client_id)
    return list(session.scalars(query.order_by(Stakeholder.name)))


def add_appearance(session: Session, row: dict[str, object]) -> None:
    """Record one meeting's view of a stakeholder; a second record of it changes nothing."""
    session.execute(insert(StakeholderAppearance).values(**row).on_conflict_do_nothing())


def add_evidence(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Record quotes; a quote already held for the same claim and meeting is skipped."""
    if rows:
        session.execute(insert(StakeholderEvidence).values(list(rows)).on_conflict_do_nothing())


def appearances(
    session: Session, stakeholder_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AppearanceRow]]:
    """Appearances per stakeholder, oldest meeting first."""
    query = (
        select(StakeholderAppearance, Meeting.title, Meeting.held_on)
        .join(Meeting, Meeting.id == StakeholderAppearance.meeting_id)
        .where(StakeholderAppearance.stakeholder_id.in_(stakeholder_ids))
        .order_by(Meeting.held_on.asc().nulls_first(), Meeting.created_at)
    )
    result: dict[uuid.UUID, list[AppearanceRow]] = {sid: [] for sid in stakeholder_ids}
    for row, title, held_on in session.execute(query):
        result[row.stakeholder_id].append(
            AppearanceRow(
                row.meeting_id, title, held_on, row.spoke, row.title, row.meddpicc_role,
                row.confidence, row.talk_share, row.sentiment,
            )
        )  # fmt: skip
    return result


def evidence(
    session: Session, stakeholder_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[EvidenceRow]]:
    """Evidence per stakeholder: newest meeting first, then in the meeting's order."""
    query = (
        select(StakeholderEvidence, Meeting.title, Meeting.held_on)
        .join(Meeting, Meeting.id == StakeholderEvidence.meeting_id)
        .where(StakeholderEvidence.stakeholder_id.in_(stakeholder_ids))
        .order_by(
            Meeting.held_on.desc().nulls_last(),
            StakeholderEvidence.start_s.asc().nulls_last(),
            StakeholderEvidence.id,
        )
    )
    result: dict[uuid.UUID, list[EvidenceRow]] = {sid: [] for sid in stakeholder_ids}
    for row, title, held_on in session.execute(query):
        result[row.stakeholder_id].append(
            EvidenceRow(title, held_on, row.kind, row.speaker, row.start_s, row.quote)
        )
    return result


def set_status(session: Session, stakeholder_id: uuid.UUID, status: str) -> bool:
    """Set a suggestion's status; False when no such stakeholder exists."""
    result = session.execute(
        update(Stakeholder)
        .where(Stakeholder.id == stakeholder_id)
        .values(status=status)
        .returning(Stakeholder.id)
    )
    return result.first() is not None

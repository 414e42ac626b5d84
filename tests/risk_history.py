"""Builders of a client's dated history for risk tests (real rows in the test's session)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from core.models import (
    Client,
    ClientHealthHistory,
    ClientSupportHistory,
    Meeting,
    Stakeholder,
    StakeholderAppearance,
)


def add_readings(
    session: Session, client: Client, readings: list[tuple[date, int | None, int | None]]
) -> None:
    """Health and NPS readings: (date, health, nps)."""
    session.add_all(
        ClientHealthHistory(client_id=client.id, recorded_on=d, health_score=h, nps=n)
        for d, h, n in readings
    )
    session.flush()


def add_support(
    session: Session, client: Client, month: date, *, tickets: int, breaches: int, p1: int = 0
) -> None:
    """One month of support figures."""
    session.add(
        ClientSupportHistory(
            client_id=client.id,
            month=month.replace(day=1),
            tickets_opened=tickets,
            sla_breaches=breaches,
            p1_open=p1,
        )
    )
    session.flush()


def add_meeting_with(
    session: Session,
    client: Client,
    held_on: date,
    people: list[tuple[str, str | None, str | None]],
) -> Meeting:
    """A meeting attended by customer people: (name, title, MEDDPICC role in that meeting)."""
    meeting = Meeting(
        client_id=client.id,
        title=f"Meeting {held_on}",
        held_on=held_on,
        source_format="text",
        content_hash=uuid.uuid4().hex,
        utterance_count=1,
        word_count=10,
    )
    session.add(meeting)
    session.flush()
    for name, title, role in people:
        key = name.lower()
        person = session.query(Stakeholder).filter_by(client_id=client.id, name_key=key).first()
        if person is None:
            person = Stakeholder(
                client_id=client.id,
                name=name,
                name_key=key,
                title=title,
                side="customer",
                meddpicc_role=role,
                confidence=0.9,
            )
            session.add(person)
            session.flush()
        session.add(
            StakeholderAppearance(
                stakeholder_id=person.id,
                meeting_id=meeting.id,
                spoke=True,
                title=title,
                meddpicc_role=role,
                confidence=0.9,
                talk_share=0.3,
                sentiment=0.0,
            )
        )
    session.flush()
    return meeting

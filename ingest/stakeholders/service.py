"""Stakeholders of a client, kept up to date from each meeting's detected people.

Detected people are merged into the client's stakeholders by fuzzy name matching, so
"Dr Rachel Bowen" in one meeting and "Rachel Bowen" in the next are one person. What each meeting
said is kept as an appearance (title, role, talk share, sentiment) with evidence quotes; the
stakeholder row holds the current summary: the latest stated title, and the MEDDPICC role with
the strongest evidence. Stakeholders stay suggestions: a plan's relationship map changes only
through the plan-section service, after a person approves.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from core.errors import NotFoundError
from core.models import Client, Meeting, Stakeholder, StakeholderStatus, User
from core.models.meetings import CHAMPION_QUIET_DAYS
from ingest.stakeholders import repository as repo
from ingest.stakeholders.detect import DetectedPerson, detect_stakeholders
from ingest.stakeholders.names import name_key, same_person
from ingest.stakeholders.repository import AppearanceRow, EvidenceRow
from ingest.transcripts.model import Utterance
from planning import directory_repository


@dataclass(frozen=True)
class TitleChange:
    """A stakeholder whose stated title differs from the one held before."""

    name: str
    before: str
    after: str


@dataclass(frozen=True)
class StakeholderUpdate:
    """What one meeting changed among a client's stakeholders."""

    new: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()
    title_changes: tuple[TitleChange, ...] = ()


@dataclass(frozen=True)
class StakeholderView:
    """A stakeholder with its summary over all meetings and the evidence for each claim."""

    id: uuid.UUID
    name: str
    title: str | None
    organisation: str | None
    side: str
    meddpicc_role: str | None
    confidence: float
    status: str
    meetings: int
    first_seen: date | None
    last_seen: date | None
    talk_share: float
    sentiment: float
    evidence: tuple[EvidenceRow, ...] = field(default=())

    def as_json(self) -> dict[str, object]:
        """The shape printed by ``chasen stakeholders --json`` and returned to tools."""
        return {
            "id": str(self.id),
            "name": self.name,
            "title": self.title,
            "organisation": self.organisation,
            "side": self.side,
            "meddpicc_role": self.meddpicc_role,
            "confidence": round(self.confidence, 2),
            "status": self.status,
            "meetings": self.meetings,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "talk_share": round(self.talk_share, 3),
            "sentiment": round(self.sentiment, 2),
            "evidence": [
                {
                    "meeting": _meeting_label(e.meeting_title, e.held_on),
                    "kind": e.kind,
                    "speaker": e.speaker,
                    "start": e.start_s,
                    "quote": e.quote,
                }
                for e in self.evidence
            ],
        }


@dataclass(frozen=True)
class StakeholderChange:
    """A change worth telling the account's owner about."""

    kind: Literal["new", "title_changed", "champion_quiet"]
    name: str
    detail: str
    on: date | None


def record_stakeholders(
    session: Session, client: Client, meeting: Meeting, utterances: Sequence[Utterance]
) -> StakeholderUpdate:
    """Detect the people in one meeting and merge them into the client's stakeholders."""
    staff = {u.name: u for u in directory_repository.users(session)}
    detected = detect_stakeholders(
        utterances,
        meeting=_meeting_label(meeting.title, meeting.held_on),
        organisation=client.name,
        internal_people=list(staff),
    )
    known = repo.for_client(session, client.id)
    new: list[str] = []
    seen: list[str] = []
    changes: list[TitleChange] = []
    for person in detected:
        match = _match(known, person.name)
        if match is None:
            match = _create(session, client, person, staff)
            known.append(match)
            new.append(match.name)
        else:
            seen.append(match.name)
            change = _merge(match, person, meeting, session)
            if change is not None:
                changes.append(change)
        _record_appearance(session, match, meeting, person)
    session.flush()
    _refresh_roles(session, known)
    return StakeholderUpdate(tuple(new), tuple(seen), tuple(changes))


def list_stakeholders(
    session: Session, client_id: uuid.UUID, *, include_dismissed: bool = False
) -> list[StakeholderView]:
    """The client's stakeholders with their evidence, most engaged first."""
    rows = [
        s
        for s in repo.for_client(session, client_id)
        if include_dismissed or s.status != "dismissed"
    ]
    ids = [s.id for s in rows]
    seen = repo.appearances(session, ids)
    quotes = repo.evidence(session, ids)
    views = [_view(s, seen[s.id], quotes[s.id]) for s in rows]
    views.sort(key=lambda v: (-v.confidence, -v.meetings, v.name))
    return views


def stakeholder_changes(
    session: Session, client_id: uuid.UUID, today: date, *, since: date | None = None
) -> list[StakeholderChange]:
    """New stakeholders and title changes since ``since``, and champions gone quiet by ``today``.

    Only the client's side and third parties count: our own staff and dismissed suggestions
    are not stakeholders.
    """
    quiet_since = today - timedelta(days=CHAMPION_QUIET_DAYS)
    since = since or quiet_since
    stakeholders = [
        s
        for s in repo.for_client(session, client_id)
        if s.side != "internal" and s.status != "dismissed"
    ]
    seen = repo.appearances(session, [s.id for s in stakeholders])
    changes: list[StakeholderChange] = []
    for s in stakeholders:
        history = seen[s.id]
        if not history:
            continue
        first, last = history[0].held_on, history[-1].held_on
        if first is not None and first >= since:
            changes.append(
                StakeholderChange("new", s.name, f"first seen in {history[0].meeting_title}", first)
            )
        changes.extend(_title_changes(s.name, history, since))
        if s.meddpicc_role == "champion" and last is not None and last < quiet_since:
            days = (today - last).days
            changes.append(
                StakeholderChange(
                    "champion_quiet", s.name, f"champion not seen for {days} days", last
                )
            )
    return sorted(changes, key=lambda c: c.on or date.min, reverse=True)


def set_status(session: Session, stakeholder_id: uuid.UUID, status: StakeholderStatus) -> None:
    """Accept or dismiss a suggestion (or return it to suggested)."""
    if not repo.set_status(session, stakeholder_id, status):
        raise NotFoundError(
            f"No stakeholder with id {stakeholder_id}", stakeholder_id=stakeholder_id
        )


def _match(known: Sequence[Stakeholder], name: str) -> Stakeholder | None:
    key = name_key(name)
    exact = next((s for s in known if s.name_key == key), None)
    return exact or next((s for s in known if same_person(s.name, name)), None)


def _create(
    session: Session, client: Client, person: DetectedPerson, staff: dict[str, User]
) -> Stakeholder:
    user = next((u for n, u in staff.items() if same_person(n, person.name)), None)
    row = Stakeholder(
        client_id=client.id,
        name=person.name,
        name_key=name_key(person.name),
        title=person.title,
        organisation=person.organisation,
        side=person.side,
        user_id=user.id if user is not None and person.side == "internal" else None,
        meddpicc_role=person.meddpicc_role,
        confidence=person.confidence,
    )
    session.add(row)
    session.flush()
    return row


def _merge(
    row: Stakeholder, person: DetectedPerson, meeting: Meeting, session: Session
) -> TitleChange | None:
    """Fold a later sighting into the summary; a newer stated title replaces the old one."""
    if len(person.name) > len(row.name):
        row.name = person.name  # the fuller form: "Craig Richard Schmidt" over "Craig Schmidt"
    row.organisation = row.organisation or person.organisation
    if person.title is None or person.title == row.title:
        return None
    latest = max(
        (a.held_on for a in repo.appearances(session, [row.id])[row.id] if a.held_on),
        default=None,
    )
    if latest is not None and meeting.held_on is not None and meeting.held_on < latest:
        return None  # an older meeting does not overwrite what a newer one said
    before, row.title = row.title, person.title
    return TitleChange(row.name, before, person.title) if before else None


def _record_appearance(
    session: Session, row: Stakeholder, meeting: Meeting, person: DetectedPerson
) -> None:
    repo.add_appearance(
        session,
        {
            "stakeholder_id": row.id,
            "meeting_id": meeting.id,
            "spoke": person.spoke,
            "title": person.title,
            "meddpicc_role": person.meddpicc_role,
            "confidence": person.confidence,
            "talk_share": person.talk_share,
            "sentiment": person.sentiment,
        },
    )
    repo.add_evidence(
        session,
        [
            {
                "stakeholder_id": row.id,
                "meeting_id": meeting.id,
                "kind": e.kind,
                "speaker": e.speaker,
                "start_s": e.start,
                "quote": e.quote,
            }
            for e in person.evidence
        ],
    )


def _refresh_roles(session: Session, stakeholders: Sequence[Stakeholder]) -> None:
    """The summary role is the one stated with the most confidence; the later meeting on ties."""
    seen = repo.appearances(session, [s.id for s in stakeholders])
    for s in stakeholders:
        history = seen[s.id]
        if history:
            best = max(enumerate(history), key=lambda pair: (pair[1].confidence, pair[0]))[1]
            s.meddpicc_role, s.confidence = best.meddpicc_role, best.confidence


def _view(
    s: Stakeholder, history: list[AppearanceRow], quotes: list[EvidenceRow]
) -> StakeholderView:
    spoken = [a for a in history if a.spoke]
    dates = [a.held_on for a in history if a.held_on is not None]
    return StakeholderView(
        id=s.id,
        name=s.name,
        title=s.title,
        organisation=s.organisation,
        side=s.side,
        meddpicc_role=s.meddpicc_role,
        confidence=s.confidence,
        status=s.status,
        meetings=len(history),
        first_seen=min(dates, default=None),
        last_seen=max(dates, default=None),
        talk_share=sum(a.talk_share for a in spoken) / len(spoken) if spoken else 0.0,
        sentiment=sum(a.sentiment for a in spoken) / len(spoken) if spoken else 0.0,
        evidence=tuple(quotes),
    )


def _title_changes(name: str, history: list[AppearanceRow], since: date) -> list[StakeholderChange]:
    changes = []
    previous: str | None = None
    for a in history:
        if a.title is None:
            continue
        if (
            previous is not None
            and a.title != previous
            and (a.held_on is None or a.held_on >= since)
        ):
            changes.append(
                StakeholderChange("title_changed", name, f"{previous} -> {a.title}", a.held_on)
            )
        previous = a.title
    return changes


def _meeting_label(title: str, held_on: date | None) -> str:
    return f"{title} ({held_on.isoformat()})" if held_on else title

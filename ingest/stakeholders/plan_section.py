"""Proposing a plan's relationship map from detected stakeholders, for a person to approve.

Detection never writes a plan. This module computes the stakeholder section a plan would have
with the client's detected people merged in, and the diff a person reviews; applying it goes
through the plan-section service (version check, validation, activity log), after which the
included suggestions count as accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.identity import Actor
from ingest.stakeholders.names import same_person
from ingest.stakeholders.service import StakeholderView, list_stakeholders, set_status
from planning.diff import json_diff
from planning.records import SectionRecord
from planning.service import PlanService

SECTION = "stakeholders"
STRONG, WEAK = 0.3, -0.2
"""Mean sentiment above STRONG reads as a strong relationship, below WEAK as a weak one."""


@dataclass(frozen=True)
class RelationshipProposal:
    """The section as it is, as it would be, and what differs, at the plan's current version."""

    plan_id: uuid.UUID
    version: int
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    stakeholder_ids: tuple[uuid.UUID, ...]


def merge_relationship_map(
    current: Sequence[dict[str, Any]], people: Sequence[StakeholderView]
) -> list[dict[str, Any]]:
    """``current`` items with the detected customer-side and third-party people merged in.

    A person already on the map keeps their item (and its id, relationship and notes); only
    empty fields are filled and the last contact moves forward. New people are appended.
    """
    items = [dict(item) for item in current]
    for person in people:
        if person.side == "internal" or person.status == "dismissed":
            continue
        found = next((i for i in items if same_person(str(i.get("name", "")), person.name)), None)
        if found is None:
            items.append(_item(person))
            continue
        found["title"] = found.get("title") or person.title
        found["organisation"] = found.get("organisation") or person.organisation
        if found.get("role") in (None, "other") and person.meddpicc_role:
            found["role"] = person.meddpicc_role
        last = person.last_seen.isoformat() if person.last_seen else None
        if last and (not found.get("last_contact") or str(found["last_contact"]) < last):
            found["last_contact"] = last
    return items


def propose(session: Session, plan_id: uuid.UUID) -> RelationshipProposal:
    """The relationship map an account plan would get from its client's meetings."""
    service = PlanService(session)
    plan = service.get_plan(plan_id)
    if plan.client_id is None:
        raise ValidationError(
            "stakeholders come from a client's meetings; this plan has no client (territory plan)"
        )
    section = service.get_section(plan_id, SECTION)
    before = list(section.data or [])
    people = list_stakeholders(session, plan.client_id)
    after = merge_relationship_map(before, people)
    included = tuple(p.id for p in people if p.side != "internal")
    return RelationshipProposal(
        plan_id, section.version, before, after, json_diff(before, after), included
    )


def apply(session: Session, proposal: RelationshipProposal, actor: Actor) -> SectionRecord:
    """Write an approved proposal through the plan-section service; stale versions are refused."""
    written = PlanService(session).write_section(
        proposal.plan_id, SECTION, proposal.after, expected_version=proposal.version, actor=actor
    )
    for stakeholder_id in proposal.stakeholder_ids:
        set_status(session, stakeholder_id, "accepted")
    return written


def _item(person: StakeholderView) -> dict[str, Any]:
    if person.sentiment > STRONG:
        relationship = "strong"
    elif person.sentiment < WEAK:
        relationship = "weak"
    else:
        relationship = "neutral" if person.meetings else "unknown"
    first = person.evidence[0] if person.evidence else None
    return {
        "id": uuid.uuid4().hex[:12],
        "name": person.name,
        "title": person.title,
        "organisation": person.organisation,
        "role": person.meddpicc_role or "other",
        "relationship": relationship,
        "last_contact": person.last_seen.isoformat() if person.last_seen else None,
        "notes": f'"{first.quote}"' if first else None,
        "source": f"meetings ({person.meetings})",
    }

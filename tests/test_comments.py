"""Mentions, threading and presence in the domain, in a rolled-back session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.errors import ConflictError, PermissionDeniedError
from core.identity import Person
from planning import directory, presence
from planning.comments import CommentService, mention_handles, mentioned_people
from planning.records import NewPlan
from planning.service import PlanService


def _person(session: Session, name: str, email: str, role: str = "CSE") -> Person:
    user = directory.add_user(
        session, {"name": name, "email": email, "role": role, "territory": "VIC"}
    )
    return Person.of(user)


@pytest.fixture
def people(session: Session) -> dict[str, Person]:
    """An admin, a CSE of VIC, and two users who share a name before the "@"."""
    return {
        "admin": _person(session, "Ada Admin", "ada@example.com", "admin"),
        "cse": _person(session, "Cy Vic", "cy.vic@example.com"),
        "twin1": _person(session, "Sam One", "sam.lee@example.com"),
        "twin2": _person(session, "Sam Two", "sam.lee@example.org"),
    }


@pytest.fixture
def plan_id(session: Session, people: dict[str, Person]) -> uuid.UUID:
    """A VIC territory plan owned by the CSE."""
    new = NewPlan(
        plan_type="territory",
        fiscal_year=2026,
        primary_owner="Cy Vic",
        owner_id=people["cse"].id,
        territory="VIC",
    )
    return PlanService(session).create_plan(new, people["cse"].actor).id


def test_mention_handles_are_read_from_prose() -> None:
    text = "Hi @Anu.Pradhan, mail x@y.com or @john@example.com. (@team) @@odd @end."
    assert mention_handles(text) == ["anu.pradhan", "john@example.com", "team", "end"]


def test_only_active_unambiguous_users_are_mentioned(
    session: Session, people: dict[str, Person]
) -> None:
    user = directory.get_user_by_email(session, "ada@example.com")
    found = mentioned_people(session, "@cy.vic @sam.lee @SAM.LEE@example.org @ada @nobody @cy.vic")
    assert [u.name for u in found] == ["Cy Vic", "Sam Two", "Ada Admin"]
    user.active = False
    session.flush()
    assert [u.name for u in mentioned_people(session, "@ada @cy.vic")] == ["Cy Vic"]


def test_replies_join_the_root_and_only_author_or_editors_resolve(
    session: Session, people: dict[str, Person], plan_id: uuid.UUID
) -> None:
    service = CommentService(session)
    root = service.add(plan_id, people["admin"], "Check @cy.vic")
    reply = service.add(plan_id, people["cse"], "On it", parent_id=root.id)
    deeper = service.add(plan_id, people["admin"], "Thanks", parent_id=reply.id)
    assert deeper.parent_id == root.id
    [thread] = service.list_threads(plan_id, viewer=people["admin"])
    assert [r.content for r in thread.replies] == ["On it", "Thanks"]
    assert [m.email for m in thread.mentions] == ["cy.vic@example.com"]

    twin = people["twin1"]  # may read VIC plans, may not edit this one
    mine = service.add(plan_id, twin, "A question")
    with pytest.raises(PermissionDeniedError):
        service.resolve(root.id, twin)
    assert service.resolve(mine.id, twin).resolved_by == "Sam One"
    assert service.resolve(root.id, people["cse"]).resolved  # the plan's owner
    with pytest.raises(ConflictError, match="already resolved by Cy Vic"):
        service.resolve(root.id, people["admin"])
    assert [
        t.id for t in service.list_threads(plan_id, include_resolved=False, viewer=people["admin"])
    ] == []


def test_presence_goes_stale_after_a_minute(
    session: Session, people: dict[str, Person], plan_id: uuid.UUID
) -> None:
    cse = people["cse"]
    beat = presence.heartbeat(session, plan_id, cse, "relationships")
    now = beat.last_active
    assert [p.user_name for p in presence.present(session, plan_id, now, viewer=cse)] == ["Cy Vic"]
    later = now + presence.PRESENCE_STALE_AFTER + timedelta(seconds=1)
    assert presence.present(session, plan_id, later, viewer=cse) == []
    hour_on = datetime.now(UTC) + timedelta(hours=1)
    assert presence.present(session, plan_id, hour_on, viewer=cse) == []
    presence.leave(session, plan_id, cse)
    assert presence.present(session, plan_id, now, viewer=cse) == []

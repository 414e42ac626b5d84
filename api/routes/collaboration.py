"""Working on a plan together: comment threads, who is on the plan now, and its activity log.

Anyone who may read a plan may read and write its comments and presence; the services check.
With Slack configured, the people a new comment mentions get a DM (queued with the comment).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.cursors import decode_keyset, encode_keyset
from api.deps import PersonDep, SessionDep, SettingsDep
from planning import presence
from planning.comments import CommentRecord, CommentService, EntityType, NewComment
from planning.presence import PresenceRecord
from planning.service import PlanService
from scheduler.mention_jobs import defer_mention_notifications

router = APIRouter(prefix="/plans", tags=["collaboration"])


class PresenceBeat(BaseModel):
    """The step of the plan the caller's page shows."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    current_step: Annotated[str, Field(min_length=1, max_length=64)]


class ActivityEntry(BaseModel):
    """One entry of a plan's activity log."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_name: str
    action: str
    details: Any
    created_at: datetime


class ActivityPage(BaseModel):
    """A page of activity, newest first, and the cursor of the next page (null on the last)."""

    items: list[ActivityEntry]
    next_cursor: str | None


@router.get("/{plan_id}/comments", response_model=list[CommentRecord])
def list_comments(
    plan_id: uuid.UUID,
    person: PersonDep,
    session: SessionDep,
    entity_type: EntityType | None = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    include_resolved: bool = True,
) -> list[CommentRecord]:
    """The plan's comment threads, oldest first, optionally those on one item or section."""
    return CommentService(session).list_threads(
        plan_id, entity_type, entity_id, include_resolved, viewer=person
    )


@router.post("/{plan_id}/comments", status_code=201, response_model=CommentRecord)
def add_comment(
    plan_id: uuid.UUID,
    person: PersonDep,
    session: SessionDep,
    settings: SettingsDep,
    comment: NewComment,
) -> CommentRecord:
    """Comment on the plan, on one of its items or sections, or reply in a thread.

    With Slack configured, each person it mentions who may read the plan gets a DM.
    """
    record = CommentService(session).add(
        plan_id,
        person,
        comment.content,
        comment.entity_type,
        comment.entity_id,
        comment.parent_id,
    )
    # In the comment's transaction: the DMs are queued only if the comment commits.
    defer_mention_notifications(session, record, slack=settings.slack)
    return record


@router.post("/{plan_id}/comments/{comment_id}/resolve", response_model=CommentRecord)
def resolve_comment(
    plan_id: uuid.UUID, comment_id: uuid.UUID, person: PersonDep, session: SessionDep
) -> CommentRecord:
    """Resolve a thread (its author or the plan's editors); already resolved: 409."""
    return CommentService(session).resolve(comment_id, person, plan_id=plan_id)


@router.post("/{plan_id}/comments/{comment_id}/reopen", response_model=CommentRecord)
def reopen_comment(
    plan_id: uuid.UUID, comment_id: uuid.UUID, person: PersonDep, session: SessionDep
) -> CommentRecord:
    """Reopen a resolved thread (its author or the plan's editors); still open: 409."""
    return CommentService(session).reopen(comment_id, person, plan_id=plan_id)


@router.get("/{plan_id}/presence", response_model=list[PresenceRecord])
def who_is_present(
    plan_id: uuid.UUID, person: PersonDep, session: SessionDep
) -> list[PresenceRecord]:
    """Who has the plan open now, and on which step."""
    return presence.present(session, plan_id, viewer=person)


@router.put("/{plan_id}/presence", response_model=list[PresenceRecord])
def send_heartbeat(
    plan_id: uuid.UUID, person: PersonDep, session: SessionDep, beat: PresenceBeat
) -> list[PresenceRecord]:
    """The caller is on ``current_step`` of the plan now; returns who is present."""
    presence.heartbeat(session, plan_id, person, beat.current_step)
    return presence.present(session, plan_id, viewer=person)


@router.delete("/{plan_id}/presence", status_code=204)
def leave_plan(plan_id: uuid.UUID, person: PersonDep, session: SessionDep) -> Response:
    """The caller closed the plan."""
    presence.leave(session, plan_id, person)
    return Response(status_code=204)


@router.get("/{plan_id}/activity", response_model=ActivityPage)
def list_activity(
    plan_id: uuid.UUID,
    person: PersonDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> ActivityPage:
    """Who changed what on the plan, newest first, a page at a time."""
    service = PlanService(session)
    service.readable_plan(plan_id, person)
    before = decode_keyset(cursor) if cursor else None
    entries = service.activity_page(plan_id, limit + 1, before)
    items = [ActivityEntry.model_validate(e) for e in entries[:limit]]
    more = len(entries) > limit
    next_cursor = encode_keyset(items[-1].created_at, items[-1].id) if more else None
    return ActivityPage(items=items, next_cursor=next_cursor)

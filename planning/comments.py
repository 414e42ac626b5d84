"""Comments on a plan: threads anchored to an item or a section, resolved and reopened.

Threading is one level deep: a reply to a reply joins the thread of its root, so a thread is
its first comment and the replies under it, oldest first. A reply takes its root's anchor.

Mentions are never stored (the seed table has no column for them): they are read from the
text each time, ``@someone@example.com`` by e-mail or ``@first.last`` by the part of an
e-mail before the ``@``, and resolved to active users. An unknown or ambiguous handle
("@team") is not an error, it simply mentions nobody.

Every change is logged in the plan's activity and announced on ``plan_updates``; nothing
here commits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.identity import Person
from core.models import PlanComment, User
from core.validation import parse
from planning import events, permissions, plan_repository
from planning.records import PlanRecord
from planning.sections import SECTIONS
from planning.service import PlanService

EntityType = Literal["risk", "opportunity", "action", "stakeholder", "section"]
ITEM_SECTIONS: dict[str, str] = {
    "risk": "risks",
    "opportunity": "opportunities",
    "action": "actions",
    "stakeholder": "stakeholders",
}
"""The section whose items each anchor kind points at (by their ``id``)."""

# "@" at a word's start (so "x@y.com" in prose is no mention), then a handle ending in a
# letter or digit (so a sentence's full stop is not part of it), then maybe a domain.
_MENTION = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9](?:[\w.+-]*[A-Za-z0-9])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


class NewComment(BaseModel):
    """A comment to add; an anchor is an entity type and an id together, or neither."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: Annotated[str, Field(min_length=1, max_length=8000)]
    entity_type: EntityType | None = None
    entity_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    parent_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _anchor(self) -> NewComment:
        if (self.entity_type is None) != (self.entity_id is None):
            raise ValueError("entity_type and entity_id go together: give both or neither")
        return self


class Mention(BaseModel):
    """A user mentioned in a comment."""

    user_id: uuid.UUID
    name: str
    email: str


class CommentRecord(BaseModel):
    """A comment with its mentions; a thread's root carries its replies, oldest first."""

    id: uuid.UUID
    plan_id: uuid.UUID
    parent_id: uuid.UUID | None
    author: str
    content: str
    entity_type: str | None
    entity_id: str | None
    resolved: bool
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime | None
    mentions: list[Mention]
    replies: list[CommentRecord] = Field(default_factory=list)


def mention_handles(content: str) -> list[str]:
    """The ``@`` handles written in ``content``, lower case, first appearance first."""
    return list(dict.fromkeys(h.lower() for h in _MENTION.findall(content)))


def mentioned_people(session: Session, content: str) -> list[User]:
    """The active users ``content`` mentions, in the order first mentioned (for notifying)."""
    handles = mention_handles(content)
    found = _resolve_handles(session, handles)
    return list({found[h].id: found[h] for h in handles if h in found}.values())


class CommentService:
    """Adds, lists, resolves and reopens comments within the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        plan_id: uuid.UUID,
        person: Person,
        content: str,
        entity_type: str | None = None,
        entity_id: str | None = None,
        parent_id: uuid.UUID | None = None,
    ) -> CommentRecord:
        """Add a comment as ``person`` (anyone who may read the plan may comment on it).

        A reply (``parent_id``) joins its parent's thread and takes the thread's anchor; a new
        thread's anchor must name an item (by id) or a section of the plan.
        """
        spec = parse(
            NewComment,
            {
                "content": content,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "parent_id": parent_id,
            },
            "Comment",
        )
        plan = PlanService(self.session).readable_plan(plan_id, person)
        parent_id, anchor = self._place(plan, spec)
        row = self.session.scalars(
            insert(PlanComment)
            .values(
                plan_id=plan_id,
                parent_id=parent_id,
                author=person.name,
                content=spec.content,
                entity_type=anchor[0],
                entity_id=anchor[1],
                # Not now(): comments of one transaction keep their order.
                created_at=func.clock_timestamp(),
                updated_at=func.clock_timestamp(),
            )
            .returning(PlanComment)
        ).one()
        record = _record(row, _resolve_handles(self.session, mention_handles(row.content)))
        details = {
            "comment_id": str(row.id),
            "parent_id": str(parent_id) if parent_id else None,
            "entity_type": anchor[0],
            "entity_id": anchor[1],
        }
        plan_repository.add_activity(self.session, plan_id, person.name, "comment_added", details)
        mentions = [m.model_dump(mode="json") for m in record.mentions]
        events.publish(
            self.session,
            plan_id,
            "comment",
            person.name,
            comment_id=row.id,
            action="created",
            parent_id=parent_id,
            mentions=mentions,
        )
        return record

    def list_threads(
        self,
        plan_id: uuid.UUID,
        entity_type: str | None = None,
        entity_id: str | None = None,
        include_resolved: bool = True,
        *,
        viewer: Person,
    ) -> list[CommentRecord]:
        """The plan's threads, oldest first, each with its replies; filtered by the roots'
        anchor and state. ``viewer`` must be able to read the plan."""
        PlanService(self.session).readable_plan(plan_id, viewer)
        threads = self._threads(plan_id)
        return [
            t
            for t in threads
            if (entity_type is None or t.entity_type == entity_type)
            and (entity_id is None or t.entity_id == entity_id)
            and (include_resolved or not t.resolved)
        ]

    def resolve(
        self, comment_id: uuid.UUID, person: Person, *, plan_id: uuid.UUID | None = None
    ) -> CommentRecord:
        """Resolve a thread (by its root comment): its author or an editor of the plan may.

        ``plan_id``, when given, must be the comment's plan (else NotFoundError).
        """
        row = self._settable_root(comment_id, person, plan_id)
        if row.resolved:
            raise ConflictError(
                f"Comment {comment_id} is already resolved by {row.resolved_by} at "
                f"{row.resolved_at.isoformat() if row.resolved_at else 'an unknown time'}",
                resolved_by=row.resolved_by,
            )
        row.resolved, row.resolved_by, row.resolved_at = True, person.name, func.now()
        return self._changed(row, person, "resolved")

    def reopen(
        self, comment_id: uuid.UUID, person: Person, *, plan_id: uuid.UUID | None = None
    ) -> CommentRecord:
        """Reopen a resolved thread: its author or an editor of the plan may."""
        row = self._settable_root(comment_id, person, plan_id)
        if not row.resolved:
            raise ConflictError(f"Comment {comment_id} is open; only a resolved one is reopened")
        row.resolved, row.resolved_by, row.resolved_at = False, None, None
        return self._changed(row, person, "reopened")

    # -- helpers ---------------------------------------------------------------------------

    def _place(
        self, plan: PlanRecord, spec: NewComment
    ) -> tuple[uuid.UUID | None, tuple[str | None, str | None]]:
        """The new comment's parent (its thread's root) and anchor."""
        if spec.parent_id is None:
            _check_anchor(plan, spec.entity_type, spec.entity_id)
            return None, (spec.entity_type, spec.entity_id)
        root = self._thread_root(plan.id, spec.parent_id)
        anchor = (root.entity_type, root.entity_id)
        if spec.entity_type is not None and (spec.entity_type, spec.entity_id) != anchor:
            raise _invalid("entity_type", "a reply takes its thread's anchor: leave it out")
        return root.id, anchor

    def _load(self, comment_id: uuid.UUID, plan_id: uuid.UUID | None, *, lock: bool) -> PlanComment:
        query = select(PlanComment).where(PlanComment.id == comment_id)
        if lock:  # held until commit: two resolvers at once, one of them gets the 409
            query = query.with_for_update()
        query = query.execution_options(populate_existing=True)
        row = self.session.scalars(query).one_or_none()
        if row is None or (plan_id is not None and row.plan_id != plan_id):
            raise NotFoundError(
                f"No comment with id {comment_id} on this plan", comment_id=comment_id
            )
        return row

    def _thread_root(self, plan_id: uuid.UUID, comment_id: uuid.UUID) -> PlanComment:
        row = self._load(comment_id, plan_id, lock=False)
        seen = {row.id}
        # Threads are one level deep; rows written before that rule may nest deeper.
        while row.parent_id is not None and row.parent_id not in seen:
            row = self._load(row.parent_id, plan_id, lock=False)
            seen.add(row.id)
        return row

    def _settable_root(
        self, comment_id: uuid.UUID, person: Person, plan_id: uuid.UUID | None
    ) -> PlanComment:
        row = self._load(comment_id, plan_id, lock=True)
        assert row.plan_id is not None  # _load found it on a plan
        plan = PlanService(self.session).readable_plan(row.plan_id, person)
        if not (person.is_named(row.author) or permissions.can_edit_plan(person, plan)):
            raise PermissionDeniedError(
                f"{person.name} may not resolve or reopen {row.author}'s comment: only its "
                f"author and the plan's owner and collaborators may",
                comment_id=comment_id,
            )
        if row.parent_id is not None:
            raise _invalid(
                "comment_id",
                f"comment {comment_id} is a reply: resolve or reopen "
                f"its thread's first comment {row.parent_id}",
            )
        return row

    def _changed(self, row: PlanComment, person: Person, action: str) -> CommentRecord:
        row.updated_at = func.now()
        self.session.flush()
        self.session.refresh(row)
        assert row.plan_id is not None
        plan_repository.add_activity(
            self.session, row.plan_id, person.name, f"comment_{action}", {"comment_id": str(row.id)}
        )
        events.publish(
            self.session, row.plan_id, "comment", person.name, comment_id=row.id, action=action
        )
        return next(t for t in self._threads(row.plan_id) if t.id == row.id)

    def _threads(self, plan_id: uuid.UUID) -> list[CommentRecord]:
        # A plan's comments are few: read them all and thread them here.
        query = (
            select(PlanComment)
            .where(PlanComment.plan_id == plan_id)
            .order_by(PlanComment.created_at, PlanComment.id)
        )
        rows = self.session.scalars(query).all()
        handles = {h for row in rows for h in mention_handles(row.content)}
        return _thread(rows, _resolve_handles(self.session, handles))


def _thread(rows: Sequence[PlanComment], users: dict[str, User]) -> list[CommentRecord]:
    by_id = {row.id: row for row in rows}
    records = {row.id: _record(row, users) for row in rows}
    roots: list[CommentRecord] = []
    for row in rows:
        root, seen = row, {row.id}
        while root.parent_id in by_id and root.parent_id not in seen:
            root = by_id[root.parent_id]
            seen.add(root.id)
        if root is row:
            roots.append(records[row.id])
        else:
            records[root.id].replies.append(records[row.id])
    return roots


def _record(row: PlanComment, users: dict[str, User]) -> CommentRecord:
    mentioned = {users[h].id: users[h] for h in mention_handles(row.content) if h in users}
    assert row.plan_id is not None
    return CommentRecord(
        id=row.id,
        plan_id=row.plan_id,
        parent_id=row.parent_id,
        author=row.author,
        content=row.content,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        resolved=bool(row.resolved),
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        created_at=row.created_at,
        mentions=[Mention(user_id=u.id, name=u.name, email=u.email) for u in mentioned.values()],
    )


def _resolve_handles(session: Session, handles: Iterable[str]) -> dict[str, User]:
    """Each handle that names exactly one active user, mapped to that user."""
    emails = {h for h in handles if "@" in h}
    locals_ = {h for h in handles if "@" not in h}
    if not emails and not locals_:
        return {}
    local_part = func.lower(func.split_part(User.email, "@", 1))
    query = select(User).where(
        User.active, or_(func.lower(User.email).in_(emails), local_part.in_(locals_))
    )
    found: dict[str, list[User]] = {}
    for user in session.scalars(query):
        email = user.email.lower()
        for handle in (email, email.split("@", 1)[0]):
            if handle in emails or handle in locals_:
                found.setdefault(handle, []).append(user)
    # Two people with one name before the "@" (in two domains): nobody is meant for sure.
    return {handle: users[0] for handle, users in found.items() if len(users) == 1}


def _check_anchor(plan: PlanRecord, entity_type: str | None, entity_id: str | None) -> None:
    if entity_type is None or entity_id is None:
        return
    if entity_type == "section":
        if entity_id not in SECTIONS:
            raise _invalid(
                "entity_id", f"{entity_id!r} is not a section; sections are: {', '.join(SECTIONS)}"
            )
        return
    section = ITEM_SECTIONS[entity_type]
    items: Any = plan.sections.get(section) or []
    if not any(isinstance(item, dict) and item.get("id") == entity_id for item in items):
        raise _invalid(
            "entity_id",
            f"plan {plan.id} has no {entity_type} with id {entity_id!r} in its {section}",
        )


def _invalid(path: str, message: str) -> ValidationError:
    return ValidationError(
        f"Comment is not valid: {message}", errors=[{"path": path, "message": message}]
    )

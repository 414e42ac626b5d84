"""Changes ChaSen proposes: prepared and checked now, written only once a person accepts.

A proposal names the plan, the version it was read at, the section as it is and as it would
be, and the readable diff. Applying it goes through the plan service, so a plan that changed in
the meantime is refused (stale version) rather than overwritten.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from sqlalchemy.orm import Session

from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.identity import Person
from planning import permissions
from planning.diff import json_diff
from planning.records import PlanRecord
from planning.sections import SECTION_MODELS, validate_section
from planning.service import PlanService

Operation = Literal["add_item", "update_item", "remove_item", "set_fields", "replace"]
StatusAction = Literal["submit", "request_changes", "approve"]
"""Workflow moves the agent may propose; archiving is left to people."""


class Proposal(BaseModel):
    """A change waiting for a person's decision (JSON-safe: it lives in the graph state)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["section_change", "status_change"]
    plan_id: uuid.UUID
    plan_label: str
    expected_version: int
    section: str | None = None
    before: Any = None
    after: Any = None
    changes: list[dict[str, Any]] = Field(default_factory=list)
    action: StatusAction | None = None
    summary: str

    @property
    def action_name(self) -> str:
        """The Agent Inbox action name."""
        return "update_plan_section" if self.kind == "section_change" else "change_plan_status"

    @property
    def move(self) -> StatusAction | None:
        """The workflow move a status change makes (None for a section change)."""
        return self.action if self.kind == "status_change" else None


def parse_plan_id(plan_id: str) -> uuid.UUID:
    """A plan id from text; a ValidationError that says what an id looks like otherwise."""
    try:
        return uuid.UUID(str(plan_id).strip())
    except ValueError:
        raise ValidationError(
            f"{plan_id!r} is not a plan id; plan ids look like "
            "3f2b1c9e-0000-4000-8000-000000000000 (find_plans lists them)"
        ) from None


def propose_section_change(
    session: Session,
    person: Person,
    plan_id: str,
    section: str,
    operation: Operation,
    *,
    item: dict[str, Any] | None = None,
    item_id: str | None = None,
    data: Any = None,
) -> Proposal:
    """Prepare a change to one section of a plan ``person`` may edit; nothing is written."""
    plan = PlanService(session).editable_plan(parse_plan_id(plan_id), person)
    current = PlanService(session).get_section(plan.id, section)
    before = copy.deepcopy(current.data)
    after = validate_section(section, _changed(section, before, operation, item, item_id, data))
    changes = json_diff(before, after)
    if not changes:
        raise ValidationError(
            f"that change leaves the {section} section of {_label(plan)} as it is"
        )
    summary = f"{_verb(operation)} in the {section} section of {_label(plan)}: " + "; ".join(
        _change_line(c) for c in changes[:6]
    )
    return Proposal(
        kind="section_change",
        plan_id=plan.id,
        plan_label=_label(plan),
        expected_version=current.version,
        section=section,
        before=before,
        after=after,
        changes=changes,
        summary=summary,
    )


def propose_status_change(
    session: Session, person: Person, plan_id: str, action: StatusAction
) -> Proposal:
    """Prepare a workflow move (submit, request changes, approve) that ``person`` may make;
    nothing is written.

    Only someone who may make the move proposes it: an owner asking to approve their own
    plan is refused at once (they submit it for review), so no approval waits in a
    manager's inbox on the owner's word."""
    plan = PlanService(session).readable_plan(parse_plan_id(plan_id), person)
    permissions.check_plan_move(session, person, plan, action)
    return Proposal(
        kind="status_change",
        plan_id=plan.id,
        plan_label=_label(plan),
        expected_version=plan.version,
        action=action,
        before=plan.status,
        summary=f"{action.replace('_', ' ').capitalize()} {_label(plan)} (now {plan.status})",
    )


def check_decider(
    session: Session,
    person: Person,
    plan: permissions.PlanLike | None,
    *,
    move: str | None = None,
    requested_by: uuid.UUID | None = None,
) -> None:
    """Refuse a decision from someone who may not make it (PermissionDeniedError).

    A workflow ``move`` on ``plan`` is decided by those who may make it; any other change to
    ``plan`` (a section change, a draft of it) by its editors; the draft of a new plan (no
    ``plan`` yet) only by the person who asked for it, ``requested_by``.
    """
    if plan is None:
        if requested_by != person.id:
            raise PermissionDeniedError(
                f"{person.name} did not ask for this draft; only the person who asked for "
                "a new plan's draft decides it"
            )
    elif move is not None:
        permissions.check_plan_move(session, person, plan, move)
    else:
        permissions.check_plan_edit(session, person, plan)


def may_decide(
    session: Session,
    person: Person,
    plan: permissions.PlanLike | None,
    *,
    move: str | None = None,
    requested_by: uuid.UUID | None = None,
) -> bool:
    """True when :func:`check_decider` lets ``person`` decide."""
    try:
        check_decider(session, person, plan, move=move, requested_by=requested_by)
    except PermissionDeniedError:
        return False
    return True


def edited(proposal: Proposal, args: dict[str, Any]) -> Proposal:
    """The proposal with a person's edits (``args["after"]``: the section as they want it)."""
    if proposal.kind != "section_change" or proposal.section is None:
        raise ValidationError("only section changes can be edited; accept or reject this one")
    if "after" not in args:
        raise ValidationError("an edit must give the section as it should be, under 'after'")
    after = validate_section(proposal.section, args["after"])
    return proposal.model_copy(
        update={"after": after, "changes": json_diff(proposal.before, after)}
    )


def apply(session: Session, proposal: Proposal, approver: Person) -> str:
    """Write an accepted proposal through the plan service; returns what happened."""
    service = PlanService(session)
    check_decider(session, approver, service.get_plan(proposal.plan_id), move=proposal.move)
    if proposal.kind == "section_change":
        assert proposal.section is not None
        written = service.write_section(
            proposal.plan_id,
            proposal.section,
            proposal.after,
            expected_version=proposal.expected_version,
            actor=approver.actor,
        )
        return (
            f"Written: the {proposal.section} section of {proposal.plan_label} "
            f"is now at version {written.version} (approved by {approver.name})."
        )
    assert proposal.action is not None
    plan = service.transition(
        proposal.plan_id,
        proposal.action,
        actor=approver.actor,
        expected_version=proposal.expected_version,
        note="proposed by ChaSen",
    )
    return f"Done: {proposal.plan_label} is now {plan.status} (by {approver.name})."


def _changed(
    section: str,
    current: Any,
    operation: Operation,
    item: dict[str, Any] | None,
    item_id: str | None,
    data: Any,
) -> Any:
    is_list = issubclass(SECTION_MODELS[section], RootModel)
    if operation == "replace":
        return data
    if operation == "set_fields":
        if is_list or not isinstance(data, dict):
            raise ValidationError(
                f"set_fields takes an object of fields for an object section; {section} "
                + ("is a list: use add_item, update_item or remove_item" if is_list else "")
            )
        return {**(current or {}), **data}
    if not is_list:
        raise ValidationError(f"{section} is not a list of items: use set_fields or replace")
    items = list(current or [])
    if operation == "add_item":
        if not isinstance(item, dict):
            raise ValidationError("add_item needs the new item as an object under 'item'")
        return [*items, item]
    index = next((i for i, it in enumerate(items) if it.get("id") == item_id), None)
    if index is None:
        ids = ", ".join(str(it.get("id")) for it in items) or "none"
        raise NotFoundError(f"no item with id {item_id!r} in {section}; its ids are: {ids}")
    if operation == "remove_item":
        return items[:index] + items[index + 1 :]
    if not isinstance(item, dict):
        raise ValidationError("update_item needs the fields to change as an object under 'item'")
    items[index] = {**items[index], **item, "id": item_id}
    return items


def _label(plan: PlanRecord) -> str:
    subject = plan.client_name or plan.territory or "plan"
    return f"the FY{plan.fiscal_year} {plan.plan_type} plan for {subject}"


def _verb(operation: Operation) -> str:
    return {
        "add_item": "Add an item",
        "update_item": "Change an item",
        "remove_item": "Remove an item",
        "set_fields": "Change fields",
        "replace": "Replace the section",
    }[operation]


def _change_line(change: dict[str, Any]) -> str:
    after = change["after"]
    if isinstance(after, dict):
        after = after.get("title") or after.get("name") or "(new item)"
    return f"{change['op']} {change['path']}: {change['before']!r} -> {after!r}"

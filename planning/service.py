"""The plan-section service: every change to a plan goes through here.

Each write validates its input, refuses a stale ``expected_version`` (the row is locked, so
concurrent writers queue and exactly one of them wins), bumps the version, recomputes the
derived progress, and logs who changed what, with a diff, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    VersionConflictError,
)
from core.identity import Actor, Person
from core.models import PlanActivity, StrategicPlan
from core.validation import parse
from planning import completion, directory, permissions, plan_repository
from planning.diff import json_diff
from planning.plan_repository import PlanFilters
from planning.records import NewPlan, PlanRecord, PlanSummary, SectionRecord
from planning.sections import SECTIONS, column_of, validate_section
from planning.workflow import EDITABLE_STATUSES, plan_move


class PlanService:
    """Reads and writes strategic plans within the caller's session (it never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading ---------------------------------------------------------------------------

    def get_plan(self, plan_id: uuid.UUID) -> PlanRecord:
        """The whole plan; NotFoundError when the id names no plan."""
        return PlanRecord.of(self._load(plan_id))

    def readable_plan(self, plan_id: uuid.UUID, person: Person) -> PlanRecord:
        """The whole plan, if ``person`` may read it: NotFoundError when the id names no plan,
        then PermissionDeniedError when it is outside what they see."""
        plan = self.get_plan(plan_id)
        permissions.check_plan_view(self.session, person, plan)
        return plan

    def editable_plan(self, plan_id: uuid.UUID, person: Person) -> PlanRecord:
        """The whole plan, if ``person`` may change it: NotFoundError when the id names no
        plan, then PermissionDeniedError when they may not read or not edit it."""
        plan = self.get_plan(plan_id)
        permissions.check_plan_edit(self.session, person, plan)
        return plan

    def list_plans(
        self,
        filters: PlanFilters | None = None,
        limit: int = 100,
        *,
        visible_to: Person | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[PlanSummary]:
        """Plans matching ``filters``, most recently updated first; only those ``visible_to``
        may read when given; ``after`` continues from a previous page's last plan."""
        where = permissions.plan_filter(visible_to) if visible_to else None
        rows = plan_repository.list_plans(
            self.session, filters or PlanFilters(), limit, where=where, after=after
        )
        return [PlanSummary.model_validate(row) for row in rows]

    def get_section(self, plan_id: uuid.UUID, section: str) -> SectionRecord:
        """One section with the plan's current version (for ETag / If-Match)."""
        column = column_of(section)
        plan = self._load(plan_id)
        return SectionRecord(
            plan_id=plan.id, section=section, version=plan.version, data=getattr(plan, column)
        )

    def activity(self, plan_id: uuid.UUID, limit: int = 50) -> Sequence[PlanActivity]:
        """The plan's newest activity entries first."""
        return self.activity_page(plan_id, limit)

    def activity_page(
        self,
        plan_id: uuid.UUID,
        limit: int = 50,
        before: tuple[datetime, uuid.UUID] | None = None,
    ) -> Sequence[PlanActivity]:
        """A page of the plan's activity, newest first; ``before`` is the (created_at, id) of
        the previous page's last entry (keyset paging: entries added meanwhile shift nothing).
        NotFoundError when the id names no plan."""
        self._load(plan_id)
        return plan_repository.activity(self.session, plan_id, limit, before=before)

    # -- writing ---------------------------------------------------------------------------

    def create_plan(self, new: NewPlan | dict[str, Any], actor: Actor) -> PlanRecord:
        """Create a draft plan (version 1) and log it; account plans take the client's name."""
        spec = new if isinstance(new, NewPlan) else parse(NewPlan, new, "Plan")
        plan = StrategicPlan(
            plan_type=spec.plan_type,
            fiscal_year=spec.fiscal_year,
            primary_owner=spec.primary_owner,
            primary_owner_role=spec.primary_owner_role,
            owner_id=spec.owner_id,
            collaborators=spec.collaborators,
            territory=spec.territory,
            client_id=spec.client_id,
        )
        if spec.client_id is not None:
            client = directory.get_client(self.session, spec.client_id)
            plan.client_name = client.name
            plan.territory = spec.territory or client.territory
        plan = plan_repository.add_plan(self.session, plan)
        self._derive_progress(plan)
        plan_repository.save_plan(self.session, plan)
        plan_repository.add_activity(
            self.session, plan.id, actor.name, "created", {"version": plan.version}
        )
        return PlanRecord.of(plan)

    def create_plan_as(self, new: NewPlan, person: Person) -> PlanRecord:
        """Create a plan on ``person``'s behalf: checked against their permissions, and owned
        by them when they are a CSE or CAM and name no owner."""
        if new.client_id is not None:
            directory.get_client(self.session, new.client_id)  # unknown: NotFoundError first
        if new.owner_id is not None:
            directory.get_user(self.session, new.owner_id)
        permissions.check_plan_create(self.session, person, new.owner_id, new.client_id)
        if new.owner_id is None and person.role in ("CSE", "CAM"):
            new = new.model_copy(update={"owner_id": person.id})
        return self.create_plan(new, person.actor)

    def open_plan_for(self, person: Person, filters: PlanFilters) -> PlanSummary | None:
        """The newest draft or in-review plan matching ``filters`` that ``person`` may edit."""
        for plan in self.list_plans(filters):
            if plan.status in EDITABLE_STATUSES and permissions.can_edit_plan(person, plan):
                return plan
        return None

    def ensure_plan(self, new: NewPlan, actor: Actor) -> PlanRecord:
        """The open (draft or in-review) plan with ``new``'s type, year, owner and subject,
        or a new one: pressing "create" twice does not make two plans."""
        filters = PlanFilters(
            plan_type=new.plan_type,
            fiscal_year=new.fiscal_year,
            owner=new.primary_owner,
            client_id=new.client_id,
            territory=None if new.client_id else new.territory,
        )
        for existing in self.list_plans(filters):
            if existing.status in EDITABLE_STATUSES:
                return self.get_plan(existing.id)
        return self.create_plan(new, actor)

    def write_section(
        self,
        plan_id: uuid.UUID,
        section: str,
        payload: Any,
        *,
        expected_version: int,
        actor: Actor,
    ) -> SectionRecord:
        """Replace one section, if ``expected_version`` is still the plan's version.

        Writing what is already there changes nothing (no new version, no log entry).
        """
        column = column_of(section)
        data = validate_section(section, payload)
        row = plan_repository.lock_row(self.session, plan_id)
        if row is None:
            raise NotFoundError(f"No plan with id {plan_id}", plan_id=plan_id)
        self._check_version(plan_id, row["version"], expected_version)
        if row["status"] not in EDITABLE_STATUSES:
            raise ConflictError(
                f"Plan {plan_id} is {row['status']}; only draft or in-review plans can be edited",
                status=row["status"],
            )
        before = row[column]
        if before == data:
            return SectionRecord(
                plan_id=plan_id, section=section, version=row["version"], data=data
            )
        version = row["version"] + 1
        progress = _progress({**row, column: data})
        changes = json_diff(before, data)
        plan_repository.write_section_row(
            self.session,
            plan_id,
            column,
            data,
            version=version,
            steps=progress.steps,
            percentage=progress.percentage,
            user_name=actor.name,
            details={"section": section, "version": version, "changes": changes},
        )
        return SectionRecord(plan_id=plan_id, section=section, version=version, data=data)

    def write_sections(
        self,
        plan_id: uuid.UUID,
        sections: Mapping[str, Any],
        *,
        expected_version: int,
        actor: Actor,
    ) -> PlanRecord:
        """Replace several sections in the mapping's order, as :meth:`write_section` does each:
        the first if ``expected_version`` is still the plan's version, each next at the version
        the previous one left. Returns the plan as written."""
        version = expected_version
        for section, payload in sections.items():
            version = self.write_section(
                plan_id, section, payload, expected_version=version, actor=actor
            ).version
        return self.get_plan(plan_id)

    def transition(
        self,
        plan_id: uuid.UUID,
        action: str,
        *,
        actor: Actor,
        expected_version: int | None = None,
        note: str | None = None,
    ) -> PlanRecord:
        """Move the plan through its workflow (submit, request_changes, approve, archive)."""
        plan = self._load(plan_id, lock=True)
        if expected_version is not None:
            self._check_version(plan.id, plan.version, expected_version)
        previous = plan.status or "draft"
        move = plan_move(action, previous)
        if action == "approve" and _is_owner(plan, actor):
            raise PermissionDeniedError(
                f"{actor.name} owns plan {plan_id} and cannot approve it; ask a manager "
                "or another approver",
                plan_id=plan_id,
            )
        plan.status = move.target
        if action == "submit":
            plan.submitted_at, plan.submitted_by = func.now(), actor.name
        elif action == "approve":
            plan.approved_at, plan.approved_by = func.now(), actor.name
        elif action == "request_changes":
            plan.approved_at = plan.approved_by = None
        self._bump(plan)
        plan_repository.save_plan(self.session, plan)
        details: dict[str, Any] = {"from": previous, "to": move.target, "version": plan.version}
        if note:
            details["note"] = note
        plan_repository.add_activity(self.session, plan.id, actor.name, move.logged_as, details)
        return PlanRecord.of(plan)

    # -- helpers ---------------------------------------------------------------------------

    def _load(self, plan_id: uuid.UUID, *, lock: bool = False) -> StrategicPlan:
        plan = plan_repository.get_plan(self.session, plan_id, lock=lock)
        if plan is None:
            raise NotFoundError(f"No plan with id {plan_id}", plan_id=plan_id)
        return plan

    @staticmethod
    def _check_version(plan_id: uuid.UUID, current: int, expected: int) -> None:
        if current != expected:
            raise VersionConflictError(
                f"Plan {plan_id} is at version {current}, not {expected}: "
                "it changed since you read it; reload and apply your change again",
                current_version=current,
                plan_id=plan_id,
            )

    @staticmethod
    def _bump(plan: StrategicPlan) -> None:
        plan.version += 1
        plan.updated_at = func.now()

    @staticmethod
    def _derive_progress(plan: StrategicPlan) -> None:
        columns = ("primary_owner", "plan_type", "fiscal_year", "territory", "client_id")
        values = {name: getattr(plan, name) for name in columns}
        values.update({column_of(n): getattr(plan, column_of(n)) for n in SECTIONS})
        progress = _progress(values)
        plan.steps_completed = progress.steps
        plan.completion_percentage = progress.percentage


def _progress(columns: Mapping[str, Any]) -> completion.Completion:
    """Progress of a plan from its column values (context fields and ``<section>_data``)."""
    return completion.compute(columns, {name: columns[column_of(name)] for name in SECTIONS})


def _is_owner(plan: StrategicPlan, actor: Actor) -> bool:
    if plan.owner_id is not None and actor.user_id is not None:
        return plan.owner_id == actor.user_id
    return plan.primary_owner == actor.name

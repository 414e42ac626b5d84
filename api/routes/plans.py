"""Plans: list, create, read (with the role's view), sections with ETag / If-Match, workflow."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Response
from pydantic import BaseModel

from api.cursors import decode_keyset, encode_keyset
from api.deps import PersonDep, SessionDep
from api.problems import ApiError, etag
from core.errors import ValidationError
from planning import permissions
from planning.plan_repository import PlanFilters
from planning.records import NewPlan, PlanRecord, PlanSummary, SectionRecord
from planning.service import PlanService
from planning.workflow import ACTIONS

router = APIRouter(prefix="/plans", tags=["plans"])

VIEWS = {
    "CSE": ["portfolio", "targets", "opportunities", "snapshot", "risks", "actions",
            "stakeholders", "value"],
    "CAM": ["snapshot", "stakeholders", "risks", "actions", "portfolio", "opportunities",
            "targets", "value"],
}  # fmt: skip
"""Section order per role: the same data, each role's emphasis first."""


class PlanPage(BaseModel):
    """A page of plans and the cursor of the next page (null on the last)."""

    items: list[PlanSummary]
    next_cursor: str | None


class PlanView(PlanRecord):
    """A plan with the order its sections are best read in by this role."""

    view: Literal["CSE", "CAM"]
    section_order: list[str]


class WorkflowMove(BaseModel):
    """A workflow move, optionally with a note for the activity log."""

    note: str | None = None


@router.get("", response_model=PlanPage)
def list_plans(
    person: PersonDep,
    session: SessionDep,
    plan_type: Annotated[Literal["account", "territory"] | None, Query(alias="type")] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Annotated[Literal["draft", "in_review", "approved", "archived"] | None, Query()] = None,
    owner: str | None = None,
    territory: str | None = None,
    client_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> PlanPage:
    """Plans the caller may see, newest change first, a page at a time."""
    filters = PlanFilters(plan_type, fiscal_year, status, owner, territory, client_id)
    items = PlanService(session).list_plans(
        filters, limit + 1, visible_to=person, after=decode_keyset(cursor) if cursor else None
    )
    more = len(items) > limit
    items = items[:limit]
    return PlanPage(items=items, next_cursor=_cursor(items[-1]) if more and items else None)


@router.post("", status_code=201, response_model=PlanRecord)
def create_plan(
    person: PersonDep, session: SessionDep, response: Response, new: NewPlan
) -> PlanRecord:
    """Create a draft plan; a CSE or CAM creates their own, admins and managers any."""
    plan = PlanService(session).create_plan_as(new, person)
    response.headers["ETag"] = etag(plan.version)
    response.headers["Location"] = f"/plans/{plan.id}"
    return plan


@router.get("/{plan_id}", response_model=PlanView)
def read_plan(
    plan_id: uuid.UUID,
    person: PersonDep,
    session: SessionDep,
    response: Response,
    view: Literal["CSE", "CAM"] | None = None,
) -> PlanView:
    """The whole plan, with its sections ordered for the caller's role (or ``view``)."""
    plan = PlanService(session).readable_plan(plan_id, person)
    chosen = view or ("CAM" if person.role == "CAM" else "CSE")
    response.headers["ETag"] = etag(plan.version)
    return PlanView(**plan.model_dump(), view=chosen, section_order=VIEWS[chosen])


@router.delete("/{plan_id}", response_model=PlanRecord)
def archive_plan(plan_id: uuid.UUID, person: PersonDep, session: SessionDep) -> PlanRecord:
    """Plans are never deleted: this archives the plan (owners, collaborators, admins)."""
    service = PlanService(session)
    service.editable_plan(plan_id, person)
    return service.transition(plan_id, "archive", actor=person.actor)


@router.get("/{plan_id}/sections/{section}", response_model=SectionRecord)
def read_section(
    plan_id: uuid.UUID, section: str, person: PersonDep, session: SessionDep, response: Response
) -> SectionRecord:
    """One section and the plan version it belongs to (the ETag)."""
    service = PlanService(session)
    service.readable_plan(plan_id, person)
    record = service.get_section(plan_id, section)
    response.headers["ETag"] = etag(record.version)
    return record


@router.put("/{plan_id}/sections/{section}", response_model=SectionRecord)
def write_section(
    plan_id: uuid.UUID,
    section: str,
    person: PersonDep,
    session: SessionDep,
    response: Response,
    data: Annotated[Any, Body()],
    if_match: Annotated[str | None, Header()] = None,
) -> SectionRecord:
    """Replace one section. ``If-Match`` must carry the ETag read; stale: 409, missing: 428."""
    if if_match is None:
        raise ApiError(
            428, "precondition_required", "send If-Match with the ETag of the version you read"
        )
    service = PlanService(session)
    service.editable_plan(plan_id, person)
    record = service.write_section(
        plan_id, section, data, expected_version=_version(if_match), actor=person.actor
    )
    response.headers["ETag"] = etag(record.version)
    return record


MOVES = {
    "submit": "Submit the plan for review (owners and collaborators).",
    "request-changes": "Send the plan back to draft with a note (its approvers).",
    "approve": "Approve the plan (a manager or admin who is not its owner).",
    "archive": "Archive the plan (owners, collaborators, admins).",
}
"""The workflow moves, each its own path, so that ``/plans/{id}/draft`` and the like stay free."""


def _mover(action: str) -> Callable[..., PlanRecord]:
    name = action.replace("-", "_")
    assert name in ACTIONS

    def move(
        plan_id: uuid.UUID,
        person: PersonDep,
        session: SessionDep,
        response: Response,
        body: WorkflowMove | None = None,
        if_match: Annotated[str | None, Header()] = None,
    ) -> PlanRecord:
        service = PlanService(session)
        permissions.check_plan_move(session, person, service.get_plan(plan_id), name)
        moved = service.transition(
            plan_id,
            name,
            actor=person.actor,
            expected_version=_version(if_match) if if_match else None,
            note=body.note if body else None,
        )
        response.headers["ETag"] = etag(moved.version)
        return moved

    return move


for _action, _summary in MOVES.items():
    router.add_api_route(
        f"/{{plan_id}}/{_action}",
        _mover(_action),
        methods=["POST"],
        response_model=PlanRecord,
        summary=_summary,
        description=_summary + " An illegal move for the plan's status is 409.",
        operation_id=f"plan_{_action.replace('-', '_')}",
    )


def _version(if_match: str) -> int:
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.startswith("v") or not text[1:].isdigit():
        raise ValidationError(f'If-Match {if_match!r} is not an ETag of this API (like "v3")')
    return int(text[1:])


def _cursor(plan: PlanSummary) -> str:
    assert plan.updated_at is not None
    return encode_keyset(plan.updated_at, plan.id)

"""The plan-section service: validation, versions, activity log, progress, workflow."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    VersionConflictError,
)
from core.identity import Actor
from core.models import PlanActivity, StrategicPlan
from planning.plan_repository import PlanFilters
from planning.records import NewPlan, PlanRecord
from planning.service import PlanService
from tests.factories import make_client

TRACEY = Actor(name="Tracey Bland", role="CSE")
MANAGER = Actor(name="Mandy Region", role="manager")

RISKS = [
    {"id": "r1", "title": "Renewal at risk", "severity": "high", "category": "renewal"},
    {"id": "r2", "title": "Champion leaving", "severity": "medium"},
]


def territory_plan(service: PlanService) -> PlanRecord:
    return service.create_plan(
        {
            "plan_type": "territory",
            "fiscal_year": 2026,
            "primary_owner": "Tracey Bland",
            "primary_owner_role": "CSE",
            "territory": "VIC + NZ",
        },
        TRACEY,
    )


def activity_count(session: Session, plan_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(PlanActivity).where(PlanActivity.plan_id == plan_id)
        )
        or 0
    )


def test_create_territory_plan_starts_as_a_versioned_draft(session: Session) -> None:
    plan = territory_plan(PlanService(session))
    assert plan.status == "draft"
    assert plan.version == 1
    assert plan.steps_completed == {
        "context": True,
        "portfolio": False,
        "relationships": False,
        "risks": False,
        "review": False,
    }
    assert plan.completion_percentage == 20
    assert plan.sections["risks"] == [] and plan.sections["snapshot"] == {}


def test_account_plan_takes_the_client_name_and_territory(session: Session) -> None:
    client = make_client(session, "Barwon Health Test", territory="VIC")
    plan = PlanService(session).create_plan(
        {
            "plan_type": "account",
            "fiscal_year": 2026,
            "primary_owner": "Anu Pradhan",
            "client_id": str(client.id),
        },
        Actor(name="Anu Pradhan"),
    )
    assert (plan.client_name, plan.territory) == ("Barwon Health Test", "VIC")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {
                "plan_type": "territory",
                "fiscal_year": 2026,
                "primary_owner": "T",
                "territory": "VIC",
                "client_id": str(uuid.uuid4()),
            },
            "territory plan covers",
        ),
        ({"plan_type": "account", "fiscal_year": 2026, "primary_owner": "T"}, "needs a client_id"),
        ({"plan_type": "region", "fiscal_year": 2026, "primary_owner": "T"}, "plan_type"),
        (
            {
                "plan_type": "territory",
                "fiscal_year": "soon",
                "primary_owner": "T",
                "territory": "VIC",
            },
            "fiscal_year",
        ),
    ],
)
def test_create_refuses_bad_plans_and_writes_nothing(
    session: Session, payload: dict[str, Any], message: str
) -> None:
    before = session.scalar(select(func.count()).select_from(StrategicPlan))
    with pytest.raises(ValidationError, match=message):
        PlanService(session).create_plan(payload, TRACEY)
    assert session.scalar(select(func.count()).select_from(StrategicPlan)) == before


def test_create_account_plan_for_unknown_client_is_not_found(session: Session) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFoundError, match=str(missing)):
        PlanService(session).create_plan(
            {
                "plan_type": "account",
                "fiscal_year": 2026,
                "primary_owner": "T",
                "client_id": str(missing),
            },
            TRACEY,
        )


def test_write_section_bumps_version_logs_a_diff_and_derives_progress(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    written = service.write_section(plan.id, "risks", RISKS, expected_version=1, actor=TRACEY)
    assert written.version == 2
    assert [r["title"] for r in written.data] == ["Renewal at risk", "Champion leaving"]
    assert written.data[1]["category"] == "other"  # defaults filled in

    edited = [dict(RISKS[0], severity="critical"), RISKS[1]]
    service.write_section(plan.id, "risks", edited, expected_version=2, actor=MANAGER)

    log = service.activity(plan.id)
    assert [(e.action, e.user_name) for e in log] == [
        ("updated", "Mandy Region"),
        ("updated", "Tracey Bland"),
        ("created", "Tracey Bland"),
    ]
    assert log[0].details["section"] == "risks"
    assert log[0].details["changes"] == [
        {"path": "[id=r1].severity", "op": "replace", "before": "high", "after": "critical"}
    ]
    stored = service.get_plan(plan.id)
    assert stored.version == 3
    assert stored.steps_completed is not None and not stored.steps_completed["risks"]
    assert stored.completion_percentage == 30  # context 20 + half of the risks step


def test_rewriting_the_same_data_is_not_a_change(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    service.write_section(plan.id, "risks", RISKS, expected_version=1, actor=TRACEY)
    again = service.write_section(plan.id, "risks", RISKS, expected_version=2, actor=TRACEY)
    assert again.version == 2
    assert activity_count(session, plan.id) == 2


def test_derived_figures_are_recomputed_not_trusted(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    opportunity = {
        "name": "EMR upgrade",
        "acv": 200000,
        "probability": 40,
        "weighted_acv": 1,
        "meddpicc": {
            "metrics": 5,
            "economic_buyer": 5,
            "decision_criteria": 4,
            "decision_process": 4,
            "paper_process": 3,
            "identify_pain": 5,
            "champion": 4,
            "competition": 3,
        },
        "meddpicc_grade": "F",
    }
    written = service.write_section(
        plan.id, "opportunities", [opportunity], expected_version=1, actor=TRACEY
    )
    saved = written.data[0]
    assert (saved["weighted_acv"], saved["meddpicc_total"], saved["meddpicc_grade"]) == (
        80000.0,
        33,
        "B",
    )
    targets = service.write_section(
        plan.id,
        "targets",
        {
            "fiscal_year": 2026,
            "pipeline_weighted_acv": 900000,
            "coverage": 99,
            "quarters": [
                {"quarter": 1, "weighted_acv_target": 500000, "weighted_acv_actual": 200000},
                {"quarter": 2, "weighted_acv_target": 500000},
            ],
        },
        expected_version=2,
        actor=TRACEY,
    )
    assert targets.data["coverage"] == 1.13  # 900k / (1M - 200k)


@pytest.mark.parametrize(
    ("section", "payload", "message"),
    [
        ("risks", [{"title": "x", "severity": "apocalyptic"}], "0.severity"),
        ("risks", {"title": "not a list"}, "Section 'risks' is not valid"),
        ("actions", [{"title": "Call CIO", "owner": "Tracey"}], "0.due_date"),
        ("opportunities", [{"name": "x", "acv": -5}], "0.acv"),
        ("opportunities", [{"name": "x", "meddpicc": {"metrics": 9}}], "meddpicc.metrics"),
        ("stakeholders", [{"name": "A", "id": "s"}, {"name": "B", "id": "s"}], "unique"),
        ("snapshot", {"health_score": "great"}, "health_score"),
        ("snapshot", {"surprise": 1}, "surprise"),
        ("budget", {}, "Unknown section 'budget'"),
    ],
)
def test_bad_section_payloads_are_refused_and_nothing_is_written(
    session: Session, section: str, payload: Any, message: str
) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    with pytest.raises(ValidationError, match=message) as caught:
        service.write_section(plan.id, section, payload, expected_version=1, actor=TRACEY)
    assert caught.value.code == "validation_error"
    after = service.get_plan(plan.id)
    assert after.version == 1
    assert after.sections == plan.sections
    assert activity_count(session, plan.id) == 1


def test_stale_version_is_refused_naming_the_current_one(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    service.write_section(plan.id, "risks", RISKS, expected_version=1, actor=TRACEY)
    with pytest.raises(VersionConflictError, match="at version 2, not 1") as caught:
        service.write_section(plan.id, "risks", [], expected_version=1, actor=MANAGER)
    assert caught.value.current_version == 2
    assert service.get_section(plan.id, "risks").data[0]["id"] == "r1"


def test_unknown_plan_is_not_found(session: Session) -> None:
    missing = uuid.uuid4()
    service = PlanService(session)
    with pytest.raises(NotFoundError, match=f"No plan with id {missing}"):
        service.get_plan(missing)
    with pytest.raises(NotFoundError):
        service.write_section(missing, "risks", [], expected_version=1, actor=TRACEY)
    with pytest.raises(NotFoundError):
        service.transition(missing, "submit", actor=TRACEY)


def test_workflow_moves_and_logs(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    submitted = service.transition(plan.id, "submit", actor=TRACEY, expected_version=1)
    assert (submitted.status, submitted.submitted_by) == ("in_review", "Tracey Bland")
    assert submitted.submitted_at is not None
    back = service.transition(plan.id, "request_changes", actor=MANAGER, note="add risks")
    assert back.status == "draft"
    service.transition(plan.id, "submit", actor=TRACEY)
    approved = service.transition(plan.id, "approve", actor=MANAGER)
    assert (approved.status, approved.approved_by) == ("approved", "Mandy Region")
    archived = service.transition(plan.id, "archive", actor=MANAGER)
    assert archived.status == "archived"
    assert archived.version == 6
    actions = [e.action for e in reversed(service.activity(plan.id))]
    assert actions == [
        "created",
        "submitted",
        "changes_requested",
        "submitted",
        "approved",
        "archived",
    ]
    assert service.activity(plan.id)[3].details == {
        "from": "in_review",
        "to": "draft",
        "version": 3,
        "note": "add risks",
    }


@pytest.mark.parametrize(
    ("path", "action", "message"),
    [
        ([], "approve", "Cannot approve a plan that is draft"),
        ([], "request_changes", "Cannot request changes a plan that is draft"),
        (["submit"], "submit", "Cannot submit a plan that is in_review"),
        (["archive"], "submit", "Cannot submit a plan that is archived"),
        (["archive"], "archive", "Cannot archive a plan that is archived"),
        ([], "publish", "Unknown workflow action 'publish'"),
    ],
)
def test_illegal_moves_are_refused_without_change(
    session: Session, path: list[str], action: str, message: str
) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    for step in path:
        service.transition(plan.id, step, actor=MANAGER)
    before = service.get_plan(plan.id)
    with pytest.raises(IllegalTransitionError, match=message):
        service.transition(plan.id, action, actor=MANAGER)
    after = service.get_plan(plan.id)
    assert (after.status, after.version) == (before.status, before.version)


def test_owner_cannot_approve_own_plan(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    service.transition(plan.id, "submit", actor=TRACEY)
    with pytest.raises(PermissionDeniedError, match="cannot approve"):
        service.transition(plan.id, "approve", actor=TRACEY)
    assert service.get_plan(plan.id).status == "in_review"


def test_approved_and_archived_plans_are_read_only(session: Session) -> None:
    service = PlanService(session)
    plan = territory_plan(service)
    service.transition(plan.id, "archive", actor=MANAGER)
    with pytest.raises(ConflictError, match="is archived"):
        service.write_section(plan.id, "risks", RISKS, expected_version=2, actor=TRACEY)


def test_list_plans_filters(session: Session) -> None:
    service = PlanService(session)
    first = territory_plan(service)
    client = make_client(session)
    service.create_plan(
        {
            "plan_type": "account",
            "fiscal_year": 2027,
            "primary_owner": "Anu Pradhan",
            "client_id": str(client.id),
        },
        Actor(name="Anu Pradhan"),
    )
    ids = {p.id for p in service.list_plans(PlanFilters(owner="Tracey Bland"))}
    assert first.id in ids
    account = service.list_plans(PlanFilters(plan_type="account", client_id=client.id))
    assert [p.client_name for p in account] == [client.name]
    assert service.list_plans(PlanFilters(fiscal_year=2027, owner="Tracey Bland")) == []


def test_ensure_plan_reuses_the_open_plan_but_not_an_archived_one(session: Session) -> None:
    service = PlanService(session)
    spec = NewPlan(
        plan_type="territory", fiscal_year=2026, primary_owner="Laura Messing", territory="SA"
    )
    first = service.ensure_plan(spec, Actor(name="Laura Messing"))
    assert service.ensure_plan(spec, Actor(name="Laura Messing")).id == first.id
    service.transition(first.id, "archive", actor=MANAGER)
    assert service.ensure_plan(spec, Actor(name="Laura Messing")).id != first.id

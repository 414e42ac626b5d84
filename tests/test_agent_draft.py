"""The plan-draft graph offline: every section drafted from data, written only once approved."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from agent.runner import ChaSen
from core.bootstrap import Database
from core.errors import PermissionDeniedError
from core.models import ApprovalRequest, PlanActivity, StrategicPlan
from ingest.demo_data import ANU, JOHN, TRACEY
from planning.plan_repository import PlanFilters
from planning.sections import SECTIONS
from planning.service import PlanService
from tests.agent_harness import running_chasen

CLIENT = "Barwon Health"


@pytest.fixture
def chasen(database: Database) -> Iterator[ChaSen]:
    with running_chasen(database) as running:
        yield running


def plans(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(StrategicPlan)) or 0


def test_an_account_plan_is_drafted_approved_and_written(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    result = chasen.draft(anu, {"client": CLIENT})

    assert result.status == "waiting"
    [decision] = result.decisions
    assert decision.kind == "plan_draft"
    sections = decision.args["sections"]
    assert set(sections) == set(SECTIONS)
    assert sections["value"]["executive_summary"].startswith("Drafted offline")
    assert "offline draft" in decision.description
    assert plans(chasen.database.sessions) == 0, "nothing is written before the approval"

    done = chasen.resume(anu, result.thread_id, decision.interrupt_id or "", {"type": "accept"})

    assert done.status == "done" and "Written" in (done.answer or "")
    with chasen.database.sessions() as session:
        [summary] = PlanService(session).list_plans(PlanFilters(plan_type="account"))
        plan = PlanService(session).get_plan(summary.id)
        assert plan.client_name == CLIENT and plan.owner_id == anu.id
        for name in SECTIONS:
            assert plan.sections[name] == sections[name], name
        log = PlanService(session).activity(plan.id, limit=20)
        assert {entry.user_name for entry in log} == {anu.name}
        row = session.get(ApprovalRequest, decision.approval_id)
        assert row is not None and (row.status, row.decided_by) == ("accepted", anu.id)


def test_a_territory_plan_is_drafted_for_a_cse_and_leads_with_pipeline(chasen: ChaSen) -> None:
    tracey = chasen.person(TRACEY)
    result = chasen.draft(tracey, {})
    [decision] = result.decisions
    assert decision.args["plan_type"] == "territory"
    summary = decision.args["sections"]["value"]["executive_summary"]
    first_paragraph = summary.split("\n\n")[1].lower()
    assert "pipeline" in first_paragraph or "coverage" in first_paragraph

    chasen.resume(tracey, result.thread_id, decision.interrupt_id or "", {"type": "accept"})
    with chasen.database.sessions() as session:
        [plan] = PlanService(session).list_plans(PlanFilters(plan_type="territory"))
        assert plan.territory == tracey.territory and plan.completion_percentage


def test_drafting_into_an_existing_plan_refuses_a_stale_version(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    first = chasen.draft(anu, {"client": CLIENT})
    chasen.resume(anu, first.thread_id, first.decisions[0].interrupt_id or "", {"type": "accept"})
    with chasen.database.sessions() as session:
        [summary] = PlanService(session).list_plans(PlanFilters(plan_type="account"))

    second = chasen.draft(anu, {"plan_id": str(summary.id)})
    [decision] = second.decisions
    with chasen.database.sessions() as session:
        PlanService(session).write_section(
            summary.id, "value", {"executive_summary": "Changed by hand"},
            expected_version=summary.version, actor=anu.actor,
        )  # fmt: skip
        session.commit()

    done = chasen.resume(anu, second.thread_id, decision.interrupt_id or "", {"type": "accept"})

    assert "Not written" in (done.answer or "") and "version" in (done.answer or "")
    with chasen.database.sessions() as session:
        plan = PlanService(session).get_plan(summary.id)
        assert plan.sections["value"]["executive_summary"] == "Changed by hand"
        assert session.get(ApprovalRequest, decision.approval_id).status == "failed"  # type: ignore[union-attr]


def test_an_edited_draft_is_validated_and_written(chasen: ChaSen) -> None:
    anu = chasen.person(ANU)
    result = chasen.draft(anu, {"client": CLIENT})
    [decision] = result.decisions
    edit = {"sections": {"value": {"executive_summary": "Our own words."}}}
    chasen.resume(
        anu, result.thread_id, decision.interrupt_id or "", {"type": "edit", "args": edit}
    )
    with chasen.database.sessions() as session:
        [summary] = PlanService(session).list_plans(PlanFilters(plan_type="account"))
        plan = PlanService(session).get_plan(summary.id)
    assert plan.sections["value"]["executive_summary"] == "Our own words."
    assert plan.sections["risks"] == decision.args["sections"]["risks"]


def test_a_cse_cannot_draft_another_territorys_account(chasen: ChaSen) -> None:
    with pytest.raises(PermissionDeniedError):
        chasen.draft(chasen.person(JOHN), {"client": CLIENT})
    assert plans(chasen.database.sessions) == 0


def test_an_approval_survives_a_restart_and_is_applied_once_by_another_process(
    database: Database, engine: Engine, tmp_path: Path
) -> None:
    with running_chasen(database) as first:
        anu = first.person(ANU)
        result = first.draft(anu, {"client": CLIENT})
    [decision] = result.decisions

    script = tmp_path / "approve.py"
    script.write_text(
        "import sys\n"
        "from agent.checkpoints import open_checkpointer\n"
        "from agent.context import ModelSettings\n"
        "from agent.runner import ChaSen\n"
        "from core.bootstrap import open_database\n"
        "from core.errors import ConflictError\n"
        "database = open_database(migrate=False)\n"
        "with open_checkpointer(database) as saver:\n"
        "    chasen = ChaSen(database, saver, model=ModelSettings(offline=True))\n"
        "    anu = chasen.person(sys.argv[3])\n"
        "    for attempt in range(2):\n"
        "        try:\n"
        "            done = chasen.resume(anu, sys.argv[1], sys.argv[2], {'type': 'accept'})\n"
        "            print(done.answer)\n"
        "        except ConflictError as error:\n"
        "            print('refused:', error)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    completed = subprocess.run(
        [sys.executable, str(script), result.thread_id, decision.interrupt_id or "", ANU],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert lines[0].startswith("Written") and lines[1].startswith("refused: This decision")

    with database.sessions() as session:
        [summary] = PlanService(session).list_plans(PlanFilters(plan_type="account"))
        writes = session.scalar(
            select(func.count())
            .select_from(PlanActivity)
            .where(PlanActivity.plan_id == summary.id, PlanActivity.action == "updated")
        )
    # One write per section the draft changed, however many times "accept" arrived.
    assert writes == sum(1 for count in decision.args["changes"].values() if count)

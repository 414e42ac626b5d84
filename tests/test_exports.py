"""Plans and accounts as documents: Markdown, the plan PDF, the Success Snapshot and the
territory report, through the domain, the HTTP API and the CLI."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from cli import export as export_cli
from cli.main import app as cli_app
from core.database import transaction
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.identity import Person
from core.settings import Settings
from ingest.demo_data import ANU, JOHN, TRACEY
from planning.exports import plan_markdown, plan_pdf, snapshot_pdf, territory_pdf
from planning.exports.outline import money
from planning.exports.snapshot import success_snapshot
from planning.performance import performance
from planning.service import PlanService
from tests.agent_harness import TODAY, account_plan, client, person, seed
from tests.api_harness import MANAGER, auth, new_account_plan, problem_of
from tests.pdf_checks import check_pdf

LONG = "Escalate through the CIO's office and the board's audit committee. " * 60
SECTIONS: dict[str, Any] = {
    "stakeholders": [
        {"id": "s1", "name": "Dr Rachel Bowen", "title": "Chief Information Officer",
         "role": "champion", "relationship": "strong", "notes": "Prefers | short updates"},
        {"id": "s2", "name": "Mark Tan", "title": "CFO", "role": "economic_buyer"},
    ],
    "opportunities": [
        {"id": "o1", "name": "Patient flow expansion", "client_name": "Barwon Health",
         "stage": "propose", "probability": 60, "acv": 480000, "focus_deal": True,
         "meddpicc": {"metrics": 4, "economic_buyer": 4, "decision_criteria": 4,
                      "decision_process": 3, "paper_process": 3, "identify_pain": 5,
                      "champion": 4, "competition": 2},
         "next_step": LONG},
    ],
    "risks": [
        {"id": "r1", "title": "CIO may leave after the restructure", "severity": "high",
         "category": "relationship", "description": "Heard at the QBR",
         "mitigation": "Build a second champion"},
    ],
    "actions": [
        {"id": "a1", "title": "Book the executive sponsor lunch", "owner": "Anu Pradhan",
         "due_date": "2026-12-04", "priority": "high", "status": "in_progress"},
        {"id": "a2", "title": "Send the renewal proposal", "owner": "Tracey Bland",
         "due_date": "2026-11-28", "priority": "medium"},
        {"id": "a3", "title": "Kick-off held", "owner": "Anu Pradhan",
         "due_date": "2026-10-01", "status": "done"},
    ],
}  # fmt: skip
STEPS = (
    "1. Context & selection",
    "2. Portfolio & health snapshot",
    "3. Relationships & opportunities",
    "4. Risks & actions",
    "5. Review & collaborate",
)
NO_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Seeded:
    """The demo portfolio, committed, with Anu's Barwon Health plan partly filled in."""

    sessions: sessionmaker[Session]
    plan_id: uuid.UUID
    client_id: uuid.UUID

    def who(self, email: str) -> Person:
        return person(self.sessions, email)


@pytest.fixture
def seeded(committed_factory: sessionmaker[Session]) -> Seeded:
    seed(committed_factory)
    anu = person(committed_factory, ANU)
    plan = account_plan(committed_factory, anu, "Barwon Health")
    with transaction(committed_factory) as session:
        PlanService(session).write_sections(
            plan.id, SECTIONS, expected_version=plan.version, actor=anu.actor
        )
    assert plan.client_id is not None
    return Seeded(committed_factory, plan.id, plan.client_id)


# --- the plan ------------------------------------------------------------------------------


def test_markdown_has_every_step_and_section_with_user_text_escaped(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        plan = PlanService(session).readable_plan(seeded.plan_id, seeded.who(ANU))
    markdown = plan_markdown(plan, generated=TODAY)
    assert markdown.startswith("# FY2026 account plan: Barwon Health\n")
    facts = ("Owner:** Anu Pradhan (CAM)", "Status:** Draft", "Version:** 5")
    facts += ("Completion:** 60%", "Steps done:** 3 of 5", "Generated:** 20 Nov 2026")
    assert all(f"- **{fact}" in markdown for fact in facts)
    assert all(f"## {step}" in markdown for step in STEPS)
    for empty in ("Portfolio", "Health snapshot", "Targets and coverage", "Value and outcomes"):
        assert re.search(rf"### {empty}\n\n_Not filled in yet_", markdown), empty
    # A pipe typed by a user stays inside its cell.
    assert "| Dr Rachel Bowen<br>Prefers \\| short updates | Chief Information Officer |" in (
        markdown
    )
    deal = "Patient flow expansion (focus deal)<br>Barwon Health | Propose | 60% | $480,000 |"
    assert f"{deal} $288,000 | - | B (29/40) |" in markdown
    assert "| CIO may leave after the restructure<br>Heard at the QBR | - | Relationship |" in (
        markdown
    )
    # Actions: open ones by due date, done last.
    actions = markdown.split("### Actions")[1]
    order = [actions.index(t) for t in ("Send the renewal", "Book the executive", "Kick-off")]
    assert order == sorted(order)
    assert "| Send the renewal proposal | Tracey Bland | 28 Nov 2026 | Medium | Not started |" in (
        actions
    )
    for line in markdown.splitlines():
        if line.startswith("|"):
            assert len(re.findall(r"(?<!\\)\|", line)) == line.count(" | ") + 2, line


def test_plan_pdf_has_every_section_on_non_blank_numbered_pages(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        plan = PlanService(session).readable_plan(seeded.plan_id, seeded.who(ANU))
    pages = check_pdf(
        plan_pdf(plan, generated=TODAY),
        "FY2026 account plan: Barwon Health",
        *STEPS,
        "Relationship map",
        "Dr Rachel Bowen",
        "Prefers | short updates",
        "B (29/40)",
        "$288,000",
        "CIO may leave after the restructure",
        "Book the executive sponsor lunch",
        "Not filled in yet",
    )
    assert len(pages) >= 2  # the long next step wraps over a page break
    for number, page in enumerate(pages, start=1):
        assert "FY2026 account plan: Barwon Health" in page.text  # the running header
        assert f"Generated 20 Nov 2026 by ChaSen Page {number} of {len(pages)}" in page.text


# --- the Success Snapshot ------------------------------------------------------------------


def test_snapshot_is_one_page_with_figures_risks_actions_and_coverage(seeded: Seeded) -> None:
    tracey = seeded.who(TRACEY)
    with seeded.sessions() as session:
        facts = success_snapshot(session, tracey, seeded.client_id, TODAY)
        data = snapshot_pdf(session, tracey, seeded.client_id, TODAY)
    coverage = facts.coverage
    assert coverage.remaining and coverage.share is not None and coverage.pipeline > 0
    assert coverage.share == round(coverage.pipeline / coverage.remaining, 2)
    assert [a.title for a in facts.actions] == [
        "Send the renewal proposal",
        "Book the executive sponsor lunch",
    ]
    assert len(facts.history) >= 6
    [page] = check_pdf(
        data,
        "Success Snapshot",
        "Barwon Health",
        "Health 84 Healthy",
        "$2.85M",
        "Renewal",
        "NPS +42",
        "Churn risk",
        "Top stakeholders",
        "Mark Tan",
        "Dr Rachel Bowen",
        "CIO may leave after the restructure",
        "Send the renewal proposal",
        "Account coverage =",
        f"{money(coverage.pipeline)} of open weighted pipeline against "
        f"{money(coverage.remaining)} left of Tracey Bland's FY2026 target",
        pages=1,
    )
    assert "Kick-off held" not in page.text  # done actions are not next
    assert page.ink > 0.05  # charts and tables, not a page of text


def test_snapshot_for_the_cam_leaves_out_the_cses_targets(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        facts = success_snapshot(session, seeded.who(ANU), seeded.client_id, TODAY)
        data = snapshot_pdf(session, seeded.who(ANU), seeded.client_id, TODAY)
    assert facts.coverage.share is None and facts.coverage.remaining is None
    check_pdf(data, "Barwon Health", "targets are shown to them, their managers", pages=1)


def test_documents_refuse_people_out_of_reach_and_unknown_subjects(seeded: Seeded) -> None:
    with seeded.sessions() as session:
        with pytest.raises(PermissionDeniedError):
            snapshot_pdf(session, seeded.who(JOHN), seeded.client_id, TODAY)
        with pytest.raises(NotFoundError):
            snapshot_pdf(session, seeded.who(ANU), uuid.UUID(NO_ID), TODAY)
        # A CSE does not see a territory holding another CSE's targets.
        with pytest.raises(PermissionDeniedError):
            territory_pdf(session, seeded.who(TRACEY), "VIC", 2026, TODAY)
        with pytest.raises(NotFoundError):
            territory_pdf(session, seeded.who(MANAGER), "Atlantis", 2026, TODAY)


# --- the territory report ------------------------------------------------------------------


def test_territory_pdf_shows_each_measure_people_and_charts(seeded: Seeded) -> None:
    manager = seeded.who(MANAGER)
    with seeded.sessions() as session:
        figures = performance(session, manager, "territory", "VIC", 2026, TODAY)
        data = territory_pdf(session, manager, "VIC", 2026, TODAY)
    assert figures.targets is not None
    year = figures.targets.year.weighted_acv
    pages = check_pdf(
        data,
        "VIC: FY2026 performance",
        "Weighted ACV",
        "ACV net of COGS",
        "Total ACV",
        "Total contract value (TCV)",
        f"Year {money(year.target)} {money(year.actual)}",
        "People counted",
        "Tracey Bland",
        "John Salisbury",
        "Meeting readiness",
    )
    assert pages[0].ink > 0.08  # tiles and two charts on the first page


# --- the HTTP API --------------------------------------------------------------------------


def test_api_exports_a_plan_as_markdown_and_pdf(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = str(client(committed_factory, "Barwon Health").id)
    created = new_account_plan(api, settings, ANU, barwon)
    plan_id = created.json()["id"]
    written = api.put(
        f"/plans/{plan_id}/sections/actions",
        json=SECTIONS["actions"],
        headers={**auth(settings, ANU), "If-Match": created.headers["ETag"]},
    )
    assert written.status_code == 200, written.text

    markdown = api.get(f"/plans/{plan_id}/export?format=md", headers=auth(settings, ANU))
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.headers["content-disposition"] == (
        'attachment; filename="fy2026-account-plan-barwon-health.md"'
    )
    assert "| Book the executive sponsor lunch | Anu Pradhan | 4 Dec 2026 |" in markdown.text

    document = api.get(f"/plans/{plan_id}/export", headers=auth(settings, TRACEY))
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].endswith('-barwon-health.pdf"')
    check_pdf(document.content, "Book the executive sponsor lunch", *STEPS)

    problem_of(api.get(f"/plans/{plan_id}/export?format=docx", headers=auth(settings, ANU)), 422)
    problem_of(api.get(f"/plans/{plan_id}/export", headers=auth(settings, JOHN)), 403)
    problem_of(api.get(f"/plans/{NO_ID}/export", headers=auth(settings, ANU)), 404)


def test_api_snapshot_and_territory_report(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = client(committed_factory, "Barwon Health").id
    snapshot = api.get(f"/clients/{barwon}/snapshot.pdf", headers=auth(settings, ANU))
    assert snapshot.status_code == 200, snapshot.text
    assert snapshot.headers["content-type"] == "application/pdf"
    assert snapshot.headers["content-disposition"] == (
        'attachment; filename="success-snapshot-barwon-health-2026-11-20.pdf"'
    )
    check_pdf(snapshot.content, "Barwon Health", "No account plan for Barwon Health", pages=1)
    problem_of(api.get(f"/clients/{barwon}/snapshot.pdf", headers=auth(settings, JOHN)), 403)
    problem_of(api.get(f"/clients/{NO_ID}/snapshot.pdf", headers=auth(settings, ANU)), 404)

    report = api.get(
        "/territories/VIC/performance.pdf?fiscal_year=2026", headers=auth(settings, MANAGER)
    )
    assert report.status_code == 200, report.text
    assert report.headers["content-disposition"].endswith('"vic-performance-fy2026.pdf"')
    check_pdf(report.content, "VIC: FY2026 performance")
    problem_of(api.get("/territories/VIC/performance.pdf", headers=auth(settings, TRACEY)), 403)
    unknown = api.get("/territories/Atlantis/performance.pdf", headers=auth(settings, MANAGER))
    problem_of(unknown, 404)


# --- the CLI -------------------------------------------------------------------------------


def test_cli_writes_a_plan_and_a_snapshot(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def test_database() -> Iterator[Session]:
        with transaction(seeded.sessions) as session:
            yield session

    monkeypatch.setattr(export_cli, "unit_of_work", test_database)
    runner = CliRunner()
    plan_file = tmp_path / "plan.md"
    result = runner.invoke(
        cli_app,
        ["export", str(seeded.plan_id), "--format", "md", "-o", str(plan_file), "--user", ANU],
    )
    assert result.exit_code == 0, result.output
    assert "| Send the renewal proposal | Tracey Bland |" in plan_file.read_text()

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        cli_app,
        ["export", "--snapshot", "barwon health", "--user", TRACEY, "--as-of", "2026-11-20"],
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / "success-snapshot-barwon-health-2026-11-20.pdf"
    check_pdf(written.read_bytes(), "Barwon Health", "Send the renewal proposal", pages=1)

    for args in (
        ["export", "--user", ANU],
        ["export", str(seeded.plan_id), "--snapshot", "Barwon Health", "--user", ANU],
        ["export", "--snapshot", "Barwon Health", "--format", "md", "--user", ANU],
    ):
        assert isinstance(runner.invoke(cli_app, args).exception, ValidationError), args
    denied = runner.invoke(cli_app, ["export", "--snapshot", "Barwon Health", "--user", JOHN])
    assert isinstance(denied.exception, PermissionDeniedError)

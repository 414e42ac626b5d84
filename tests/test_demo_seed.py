"""The demo portfolio: what one run inserts, that a second run changes nothing, and the story."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from ingest.demo_seed import SeedReport, seed_demo
from tests.factories import SEEDED_TABLES

TODAY = date(2026, 11, 20)
CHECKLIST_KEYS = {
    "agenda_shared",
    "attendees_confirmed",
    "stakeholder_research",
    "value_hypothesis",
    "proof_point_ready",
    "next_step_defined",
}


@pytest.fixture
def report(session: Session) -> SeedReport:
    """The report of seeding the empty test database once."""
    return seed_demo(session, today=TODAY)


def rows(session: Session, sql: str, **params: Any) -> list[Any]:
    return list(session.execute(text(sql), params).all())


def scalar(session: Session, sql: str, **params: Any) -> Any:
    return session.execute(text(sql), params).scalar_one()


def checksums(session: Session) -> dict[str, str]:
    """An md5 of every seeded table's full contents."""
    return {
        table: scalar(
            session,
            f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t",
        )
        for table in SEEDED_TABLES
    }


def snapshot(session: Session) -> list[list[Any]]:
    """The seeded data by natural key, without generated ids and timestamps."""
    queries = [
        "SELECT name, segment, territory, region, arr, health_score, nps, support_sla_pct,"
        " renewal_date FROM clients ORDER BY name",
        "SELECT c.name, h.recorded_on, h.health_score, h.nps, h.arr FROM client_health_history h"
        " JOIN clients c ON c.id = h.client_id ORDER BY 1, 2",
        "SELECT c.name, s.month, s.tickets_opened, s.sla_breaches, s.p1_open, s.sla_met_pct"
        " FROM client_support_history s JOIN clients c ON c.id = s.client_id ORDER BY 1, 2",
        "SELECT u.email, t.quarter, t.weighted_acv_target, t.weighted_acv_actual, t.tcv_actual"
        " FROM cse_cam_targets t JOIN users u ON u.id = t.user_id ORDER BY 1, 2",
        "SELECT o.external_id, o.name, o.stage, o.probability, o.acv, o.tcv, o.close_date,"
        " o.focus_deal, o.burc_match, m.total_score FROM pipeline_opportunities o"
        " JOIN meddpicc_scores m ON m.opportunity_id = o.id ORDER BY 1",
        "SELECT c.name, r.meeting_title, r.meeting_at, r.overall_readiness, r.checklist"
        " FROM conversation_readiness r JOIN clients c ON c.id = r.client_id ORDER BY 1, 2",
    ]
    return [rows(session, sql) for sql in queries]


def test_first_run_inserts_the_portfolio(session: Session, report: SeedReport) -> None:
    roles = dict(rows(session, "SELECT role, count(*) FROM users GROUP BY role"))
    assert roles == {"CSE": 4, "CAM": 2, "manager": 2, "admin": 1}
    assert report.users == 9
    assert 28 <= report.clients <= 32
    assert 55 <= report.pipeline_opportunities <= 65
    assert report.meddpicc_scores == report.pipeline_opportunities
    assert report.cse_cam_targets == 6 * 4
    assert 14 <= report.conversation_readiness <= 16
    assert report.client_health_history == report.client_support_history == 12 * report.clients
    # The total is every row now in the seeded tables (the database was empty before).
    in_tables = " + ".join(f"(SELECT count(*) FROM {table})" for table in SEEDED_TABLES)
    assert report.total == scalar(session, f"SELECT {in_tables}")
    # The report counts what is in the tables.
    for table, inserted in zip(SEEDED_TABLES, astuple(report), strict=True):
        assert scalar(session, f"SELECT count(*) FROM {table}") == inserted, table


def test_every_person_has_four_quarters_of_fy2026_targets(
    session: Session, report: SeedReport
) -> None:
    quarters = rows(
        session,
        "SELECT u.role, array_agg(t.quarter ORDER BY t.quarter) FROM users u"
        " JOIN cse_cam_targets t ON t.user_id = u.id AND t.fiscal_year = 2026"
        " GROUP BY u.id, u.role",
    )
    assert sorted(role for role, _ in quarters) == ["CAM", "CAM", "CSE", "CSE", "CSE", "CSE"]
    assert all(qs == [1, 2, 3, 4] for _, qs in quarters)
    # Quarters 1-3 are past on 20 November; quarter 4 has only partly happened.
    assert scalar(
        session, "SELECT bool_and(weighted_acv_actual > 0) FROM cse_cam_targets WHERE quarter < 4"
    )
    assert scalar(
        session,
        "SELECT bool_and(weighted_acv_actual < weighted_acv_target * 0.8) FROM cse_cam_targets"
        " WHERE quarter = 4",
    )


def test_every_client_has_twelve_months_of_history(session: Session, report: SeedReport) -> None:
    counts = rows(
        session,
        "SELECT c.name, count(DISTINCT h.recorded_on), count(DISTINCT s.month),"
        " max(h.recorded_on), max(s.month) FROM clients c"
        " JOIN client_health_history h ON h.client_id = c.id"
        " JOIN client_support_history s ON s.client_id = c.id GROUP BY c.name",
    )
    assert len(counts) == report.clients
    assert {tuple(row[1:]) for row in counts} == {(12, 12, date(2026, 11, 1), date(2026, 11, 1))}


def test_second_run_inserts_nothing_and_changes_nothing(
    session: Session, report: SeedReport
) -> None:
    before = checksums(session)
    again = seed_demo(session, today=TODAY)
    assert astuple(again) == (0,) * len(SEEDED_TABLES)
    assert again.total == 0
    assert checksums(session) == before


def test_a_run_in_a_later_month_inserts_nothing(session: Session, report: SeedReport) -> None:
    before = checksums(session)
    later = seed_demo(session, today=TODAY + timedelta(days=45))
    assert later.total == 0
    assert checksums(session) == before


def test_the_same_anchor_gives_the_same_data(session: Session) -> None:
    snapshots = []
    for _ in range(2):
        savepoint = session.begin_nested()
        seed_demo(session, today=TODAY)
        snapshots.append(snapshot(session))
        savepoint.rollback()
    assert snapshots[0] == snapshots[1]
    assert all(snapshots[0])


def test_clients_are_covered_by_a_cse_of_their_territory(
    session: Session, report: SeedReport
) -> None:
    clients = rows(
        session,
        "SELECT c.name, c.territory, c.region, cse.role, cse.territory, cam.role, cam.region"
        " FROM clients c JOIN users cse ON cse.id = c.cse_id JOIN users cam ON cam.id = c.cam_id",
    )
    assert len(clients) == report.clients
    for name, territory, region, cse_role, label, cam_role, cam_region in clients:
        assert cse_role == "CSE", name
        assert territory in {part.strip() for part in label.split("+")}, name
        assert cam_role == "CAM", name
        assert cam_region == region, name
    assert {territory for _, territory, *_ in clients} == {"VIC", "NZ", "WA", "SA", "Asia", "Guam"}
    vic_cses = {label for _, territory, _, _, label, *_ in clients if territory == "VIC"}
    assert vic_cses == {"VIC + NZ", "WA + VIC"}
    assert scalar(session, "SELECT min(arr) >= 150000 AND max(arr) <= 4500000 FROM clients")


def test_opportunities_are_owned_by_their_client_cse(session: Session, report: SeedReport) -> None:
    assert (
        scalar(
            session,
            "SELECT count(*) FROM pipeline_opportunities o JOIN clients c ON c.id = o.client_id"
            " WHERE o.owner_id IS DISTINCT FROM c.cse_id",
        )
        == 0
    )
    assert scalar(session, "SELECT count(DISTINCT client_id) FROM pipeline_opportunities") == (
        report.clients
    )


def test_opportunities_are_plausible(session: Session, report: SeedReport) -> None:
    assert scalar(
        session,
        "SELECT bool_and(tcv >= acv AND fiscal_year BETWEEN 2026 AND 2027"
        " AND fiscal_year = extract(year FROM close_date)"
        " AND quarter = extract(quarter FROM close_date)"
        " AND external_id ~ '^OPP-[0-9]{4}$'"
        " AND (stage = 'closed_won') = (probability = 100)"
        " AND (stage = 'closed_lost') = (probability = 0)"
        " AND (stage IN ('closed_won', 'closed_lost')) = (close_date < :today)"
        " AND rats_and_mice = (acv < 50000)"
        " AND burc_match = (burc_source_sheet IS NOT NULL))"
        " FROM pipeline_opportunities",
        today=TODAY,
    )
    # Probability rises with the stage.
    by_stage = dict(
        rows(session, "SELECT stage, avg(probability) FROM pipeline_opportunities GROUP BY stage")
    )
    order = ["prospect", "qualify", "develop", "propose", "negotiate"]
    averages = [by_stage[stage] for stage in order if stage in by_stage]
    assert averages == sorted(averages)
    assert (
        10 <= scalar(session, "SELECT count(*) FROM pipeline_opportunities WHERE focus_deal") <= 14
    )
    assert scalar(session, "SELECT count(*) FROM pipeline_opportunities WHERE rats_and_mice") >= 3
    match_share = scalar(session, "SELECT avg(burc_match::int) FROM pipeline_opportunities")
    assert 0.65 <= match_share <= 0.75
    sheets = {
        row[0] for row in rows(session, "SELECT burc_source_sheet FROM pipeline_opportunities")
    }
    assert {"FY26 Committed", "FY26 Pipeline"} <= sheets


def test_focus_deals_mix_strong_and_weak_qualification(
    session: Session, report: SeedReport
) -> None:
    totals = [
        row[0]
        for row in rows(
            session,
            "SELECT m.total_score FROM meddpicc_scores m"
            " JOIN pipeline_opportunities o ON o.id = m.opportunity_id WHERE o.focus_deal",
        )
    ]
    assert max(totals) >= 30
    assert min(totals) <= 16


def test_the_portfolio_tells_a_story(session: Session, report: SeedReport) -> None:
    bands = dict(
        rows(
            session,
            "SELECT CASE WHEN health_score >= 70 THEN 'healthy' WHEN health_score >= 50"
            " THEN 'at_risk' ELSE 'critical' END, count(*) FROM clients GROUP BY 1",
        )
    )
    assert bands["critical"] >= 3
    assert bands["at_risk"] >= 5
    assert bands["healthy"] > bands["at_risk"] + bands["critical"]
    assert scalar(session, "SELECT health_score FROM clients WHERE name = 'WA Health'") < 70
    barwon = rows(
        session,
        "SELECT h.health_score, h.nps FROM client_health_history h"
        " JOIN clients c ON c.id = h.client_id WHERE c.name = 'Barwon Health' ORDER BY recorded_on",
    )
    assert barwon[-1].health_score >= 70
    assert barwon[-1].nps > barwon[0].nps
    renewals_soon = scalar(
        session,
        "SELECT count(*) FROM clients WHERE renewal_date BETWEEN :today AND :today + 90",
        today=TODAY,
    )
    assert renewals_soon >= 3


def test_critical_clients_decline_with_breaches_and_open_p1s(
    session: Session, report: SeedReport
) -> None:
    critical = rows(
        session,
        "SELECT c.name,"
        " (SELECT array_agg(h.health_score ORDER BY h.recorded_on) FROM client_health_history h"
        "   WHERE h.client_id = c.id) AS health,"
        " (SELECT array_agg(h.nps ORDER BY h.recorded_on) FROM client_health_history h"
        "   WHERE h.client_id = c.id) AS nps,"
        " (SELECT s.p1_open FROM client_support_history s WHERE s.client_id = c.id"
        "   ORDER BY s.month DESC LIMIT 1) AS p1_open,"
        " (SELECT sum(s.sla_breaches) FROM client_support_history s"
        "   WHERE s.client_id = c.id) AS breaches"
        " FROM clients c WHERE c.health_score < 50",
    )
    for row in critical:
        assert row.health[-1] < row.health[0], row.name
        assert row.nps[-1] < row.nps[0], row.name
        assert row.p1_open >= 1, row.name
        assert row.breaches > 0, row.name


def test_current_values_match_the_latest_history(session: Session, report: SeedReport) -> None:
    mismatches = scalar(
        session,
        "SELECT count(*) FROM clients c"
        " JOIN LATERAL (SELECT * FROM client_health_history h WHERE h.client_id = c.id"
        "   ORDER BY h.recorded_on DESC LIMIT 1) h ON true"
        " JOIN LATERAL (SELECT * FROM client_support_history s WHERE s.client_id = c.id"
        "   ORDER BY s.month DESC LIMIT 1) s ON true"
        " WHERE (c.health_score, c.nps, c.arr, c.support_sla_pct)"
        "   IS DISTINCT FROM (h.health_score, h.nps, h.arr, s.sla_met_pct)",
    )
    assert mismatches == 0


def test_readiness_covers_upcoming_meetings(session: Session, report: SeedReport) -> None:
    meetings = rows(
        session,
        "SELECT meeting_at, checklist, value_wedge, power_position, pain_articulation,"
        " proof_points, old_brain, owner_id FROM conversation_readiness",
    )
    start = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    for meeting_at, checklist, *scores, owner_id in meetings:
        assert start < meeting_at < start + timedelta(days=31)
        assert set(checklist) == CHECKLIST_KEYS
        assert all(isinstance(value, bool) for value in checklist.values())
        assert all(1 <= score <= 5 for score in scores)
        assert owner_id is not None
    # Every at-risk and critical client has a meeting coming up.
    assert (
        scalar(
            session,
            "SELECT count(*) FROM clients c WHERE c.health_score < 70 AND NOT EXISTS"
            " (SELECT 1 FROM conversation_readiness r WHERE r.client_id = c.id)",
        )
        == 0
    )

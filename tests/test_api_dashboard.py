"""The dashboard's read views through the real app: risk, portfolio, targets and who sees what.

Figures are checked against the database read directly (and against the agent's tools where
they state the same numbers), not against the views' own code.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from core.models import BANDS, CseCamTarget
from core.settings import Settings
from ingest.demo_data import ANU, JOHN, LAURA, TRACEY
from planning import calculations, directory
from planning import portfolio_repository as repo
from planning.permissions import visible_clients
from risk.assessment import assess
from risk.bands import rank
from tests.agent_harness import TODAY, client, person
from tests.api_harness import MANAGER, auth, problem_of
from tools.context import ToolContext
from tools.registry import read_tools

OTHER_MANAGER = "grace.tan@example.com"  # Asia+Guam
ADMIN = "sam.whitford@example.com"


def get(api: TestClient, settings: Settings, email: str, path: str, **params: Any) -> Any:
    """The JSON of a 200 GET as ``email``."""
    response = api.get(path, params=params, headers=auth(settings, email))
    assert response.status_code == 200, response.text
    return response.json()


def visible_ids(
    sessions: sessionmaker[Session], email: str, territory: str | None = None
) -> set[str]:
    """Ids of the clients ``email`` may see, straight from the permission policy."""
    with sessions() as session:
        return {str(c.id) for c in visible_clients(session, person(sessions, email), territory)}


# --- churn risk ----------------------------------------------------------------------------


def test_a_clients_risk_comes_with_its_reasons(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = client(committed_factory, "Barwon Health")
    with committed_factory() as session:
        [expected] = assess(session, [barwon], TODAY)

    body = get(api, settings, TRACEY, f"/clients/{barwon.id}/risk")

    assert body["client_id"] == str(barwon.id) and body["client"] == "Barwon Health"
    assert body["status"] == "scored" and body["band"] == expected.band
    assert body["score"] == expected.score and body["scored_on"] == TODAY.isoformat()
    assert body["model"] == expected.model and body["next_action"] == expected.action
    assert [r["detail"] for r in body["reasons"]] == [r["text"] for r in expected.reasons]
    assert body["reasons"] and set(body["reasons"][0]) == {
        "factor", "label", "detail", "contribution", "direction",
    }  # fmt: skip
    assert body["biggest_drag"]["detail"] == expected.raising[0]["text"]


def test_a_client_without_enough_data_says_what_is_missing(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    with transaction(committed_factory) as session:
        new = directory.add_client(
            session,
            {"name": "New Hospital", "territory": "VIC", "region": "Australia+NZ",
             "cse_email": TRACEY},
        )  # fmt: skip
        new_id = new.id

    body = get(api, settings, TRACEY, f"/clients/{new_id}/risk")

    assert body["status"] == "not_enough_data"
    assert body["band"] is None and body["score"] is None and body["biggest_drag"] is None
    assert "not enough data" in body["missing"]
    listed = get(api, settings, TRACEY, "/portfolio")
    [item] = [c for c in listed["clients"] if c["client_id"] == str(new_id)]
    assert item["risk_band"] is None and item["health_band"] is None and not item["at_risk"]
    assert listed["clients"][-1] == item  # unscored last
    assert listed["totals"]["health"]["unknown"] == 1


def test_clients_outside_reach_unknown_or_malformed_are_refused(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = client(committed_factory, "Barwon Health")  # VIC, Tracey's

    refused = problem_of(api.get(f"/clients/{barwon.id}/risk", headers=auth(settings, LAURA)), 403)
    assert refused["type"].endswith("permission_denied") and "Barwon Health" in refused["detail"]
    assert "band" not in refused and "reasons" not in refused

    unknown = api.get(f"/clients/{uuid.uuid4()}/risk", headers=auth(settings, TRACEY))
    assert problem_of(unknown, 404)["type"].endswith("not_found")
    malformed = api.get("/clients/barwon/risk", headers=auth(settings, TRACEY))
    assert problem_of(malformed, 422)["errors"][0]["path"] == "path.client_id"
    problem_of(api.get(f"/clients/{barwon.id}/risk"), 401)
    problem_of(api.get("/risk", params={"band": "dire"}, headers=auth(settings, TRACEY)), 422)


def test_the_risk_list_is_the_callers_clients_riskiest_first(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    region = get(api, settings, MANAGER, "/risk")
    assert {i["client_id"] for i in region["items"]} == visible_ids(committed_factory, MANAGER)
    assert region["matched"] == len(region["items"]) == 24  # the Australia+NZ region
    ranks = [(rank(i["band"]), i["score"] or 0) for i in region["items"]]
    assert ranks == sorted(ranks, reverse=True)
    assert all(i["reasons"] for i in region["items"])

    high = get(api, settings, MANAGER, "/risk", band="high")
    assert high["items"] and all(i["band"] == "high" for i in high["items"])
    assert high["matched"] == sum(i["band"] == "high" for i in region["items"])
    top = get(api, settings, MANAGER, "/risk", limit=3)
    assert top["items"] == region["items"][:3] and top["matched"] == 24

    nz = get(api, settings, MANAGER, "/risk", territory="NZ")
    assert {i["client_id"] for i in nz["items"]} == visible_ids(committed_factory, MANAGER, "NZ")
    assert {i["territory"] for i in nz["items"]} == {"NZ"}

    tracey = get(api, settings, TRACEY, "/risk")
    assert {i["client_id"] for i in tracey["items"]} == visible_ids(committed_factory, TRACEY)
    assert "Western Health" not in {i["client"] for i in tracey["items"]}  # John's
    assert get(api, settings, OTHER_MANAGER, "/risk", territory="VIC")["items"] == []


# --- portfolio -----------------------------------------------------------------------------


def test_portfolio_totals_are_the_sum_of_the_callers_visible_clients(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    for email in (TRACEY, MANAGER, ANU, OTHER_MANAGER):
        body = get(api, settings, email, "/portfolio")
        items, totals = body["clients"], body["totals"]
        with committed_factory() as session:
            visible = visible_clients(session, person(committed_factory, email))
            pipeline = {
                str(c.id): repo.open_pipeline_total(session, client_id=c.id) for c in visible
            }
        assert {i["client_id"] for i in items} == {str(c.id) for c in visible}, email
        assert totals["clients"] == len(items) == len(visible)
        assert isinstance(totals["arr"], str)  # money is a decimal string
        arr = sum((c.arr for c in visible), Decimal(0))
        assert Decimal(totals["arr"]) == sum(Decimal(i["arr"]) for i in items) == arr
        assert totals["at_risk"] == sum(i["at_risk"] for i in items)
        assert sum(totals["health"].values()) == len(items)
        for item in items:
            assert Decimal(item["open_pipeline"]) == pipeline[item["client_id"]]
        assert Decimal(totals["open_pipeline"]) == sum(pipeline.values())

    region = get(api, settings, MANAGER, "/portfolio")
    flagged = [i for i in region["clients"] if i["at_risk"]]
    assert flagged  # the demo region has clients at risk
    for item in flagged:
        assert item["risk_band"] in ("high", "critical") or item["health_band"] == "critical"


def test_a_portfolio_item_carries_the_clients_figures(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    barwon = client(committed_factory, "Barwon Health")
    with committed_factory() as session:
        support = repo.latest_support(session, barwon.id)
    assert support is not None

    body = get(api, settings, TRACEY, "/portfolio", territory="VIC")

    assert body["territory"] == "VIC" and {i["territory"] for i in body["clients"]} == {"VIC"}
    [item] = [i for i in body["clients"] if i["name"] == "Barwon Health"]
    assert Decimal(item["arr"]) == barwon.arr and item["nps"] == barwon.nps
    assert item["health_score"] == barwon.health_score
    assert item["health_band"] == calculations.health_band(barwon.health_score)
    assert item["segment"] == barwon.segment and item["region"] == barwon.region
    assert item["cse"] == "Tracey Bland" and item["cam"] == "Anu Pradhan"
    assert barwon.renewal_date is not None
    assert item["days_to_renewal"] == (barwon.renewal_date - TODAY).days
    assert item["latest_support"]["p1_open"] == support.p1_open
    assert item["latest_support"]["month"] == support.month.isoformat()
    assert item["risk_band"] in BANDS


# --- targets -------------------------------------------------------------------------------


def test_targets_and_coverage_match_the_stored_rows_and_the_tool(
    api: TestClient, settings: Settings, committed_factory: sessionmaker[Session]
) -> None:
    tracey = person(committed_factory, TRACEY)
    with committed_factory() as session:
        rows = session.scalars(
            select(CseCamTarget)
            .where(CseCamTarget.user_id == tracey.id, CseCamTarget.fiscal_year == TODAY.year)
            .order_by(CseCamTarget.quarter)
        ).all()
        pipeline = repo.open_pipeline_total(session, owner_id=tracey.id)
    assert len(rows) == 4

    body = get(api, settings, TRACEY, "/targets")

    assert body["owner"]["email"] == TRACEY and body["fiscal_year"] == TODAY.year
    for row, quarter in zip(rows, body["quarters"], strict=True):
        assert quarter["quarter"] == row.quarter
        for measure in ("weighted_acv", "acv_net_cogs", "total_acv", "tcv"):
            target, actual = getattr(row, f"{measure}_target"), getattr(row, f"{measure}_actual")
            assert Decimal(quarter[measure]["target"]) == target
            assert Decimal(quarter[measure]["actual"]) == actual
            assert Decimal(quarter[measure]["gap"]) == target - actual
    target = sum((r.weighted_acv_target for r in rows), Decimal(0))
    actual = sum((r.weighted_acv_actual for r in rows), Decimal(0))
    coverage = calculations.coverage(pipeline, target, actual)
    assert coverage is not None
    assert Decimal(body["year"]["weighted_acv"]["target"]) == target
    assert Decimal(body["open_weighted_pipeline"]) == pipeline
    assert Decimal(body["remaining_weighted_acv"]) == target - actual
    assert Decimal(body["coverage"]) == coverage

    tools = read_tools(ToolContext(tracey, committed_factory, TODAY))
    said = next(t for t in tools if t.name == "targets_and_coverage").invoke({})
    assert f"coverage {body['coverage']}x" in said  # the agent says the same number

    by_manager = get(api, settings, MANAGER, "/targets", owner=TRACEY.upper())
    assert by_manager == body
    later = get(api, settings, ADMIN, "/targets", owner=TRACEY, fiscal_year=2031)
    assert later["quarters"] == [] and later["year"] is None and later["coverage"] is None


def test_targets_of_others_are_refused_and_unknown_owners_not_found(
    api: TestClient, settings: Settings
) -> None:
    for email, owner in ((TRACEY, JOHN), (ANU, TRACEY), (OTHER_MANAGER, TRACEY)):
        response = api.get("/targets", params={"owner": owner}, headers=auth(settings, email))
        assert problem_of(response, 403)["type"].endswith("permission_denied"), (email, owner)
        assert "quarters" not in response.json()
    unknown = api.get(
        "/targets", params={"owner": "nobody@example.com"}, headers=auth(settings, MANAGER)
    )
    assert problem_of(unknown, 404)["type"].endswith("not_found")
    bad_year = api.get("/targets", params={"fiscal_year": "next"}, headers=auth(settings, TRACEY))
    problem_of(bad_year, 422)


def test_the_views_are_described_in_openapi(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    for path in ("/clients/{client_id}/risk", "/risk", "/portfolio", "/targets"):
        assert "dashboard" in schema["paths"][path]["get"]["tags"]
    fields = schema["components"]["schemas"]["TargetsView"]["properties"]
    assert "decimal string" in fields["open_weighted_pipeline"]["description"]
    assert schema["components"]["schemas"]["ClientRiskView"]["properties"]["status"]["description"]

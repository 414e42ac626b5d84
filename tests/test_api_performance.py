"""Performance and gap analysis through the real app on the demo portfolio: shapes, each
caller's default view, drill-down keys that work, and who may see what."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core.settings import Settings
from ingest.demo_data import ANU, JOHN, TRACEY
from tests.api_harness import MANAGER, auth, problem_of

OTHER_MANAGER = "grace.tan@example.com"  # Asia+Guam
ADMIN = "sam.whitford@example.com"
PERFORMANCE_KEYS = {
    "level", "key", "label", "fiscal_year", "as_of", "targets", "people", "pipeline",
    "pipeline_acv", "open_deals", "remaining_weighted_acv", "coverage", "burc_aligned_pct",
    "portfolio", "focus_deals", "readiness", "children",
}  # fmt: skip


def get(api: TestClient, settings: Settings, email: str, path: str, **params: Any) -> Any:
    """The JSON of a 200 GET as ``email``."""
    response = api.get(path, params=params, headers=auth(settings, email))
    assert response.status_code == 200, response.text
    return response.json()


def status(api: TestClient, settings: Settings, email: str, path: str, **params: Any) -> Any:
    """The response of a GET as ``email``."""
    return api.get(path, params=params, headers=auth(settings, email))


def test_a_cse_gets_their_own_figures_and_drills_into_their_clients(
    api: TestClient, settings: Settings
) -> None:
    body = get(api, settings, TRACEY, "/performance")

    assert set(body) == PERFORMANCE_KEYS
    assert (body["level"], body["key"], body["label"]) == ("owner", TRACEY, "Tracey Bland (CSE)")
    assert body["fiscal_year"] == 2026 and body["as_of"] == "2026-11-20"
    assert len(body["targets"]["quarters"]) == 4
    assert set(body["targets"]["year"]) == {"weighted_acv", "acv_net_cogs", "total_acv", "tcv"}
    assert set(body["portfolio"]["health"]) == {"healthy", "at_risk", "critical", "unknown"}
    assert body["readiness"]["window_days"] == 30
    # The figures are those of the dashboard's targets view for the same person.
    targets = get(api, settings, TRACEY, "/targets")
    assert body["targets"]["year"] == targets["year"]

    children = body["children"]
    assert children and {c["level"] for c in children} == {"client"}
    assert body["portfolio"]["clients"] == len(children)
    for child in children:
        client = get(api, settings, TRACEY, "/performance", level="client", key=child["key"])
        assert (client["label"], client["targets"], client["children"]) == (
            child["label"], None, [],
        )  # fmt: skip
        assert client["pipeline"] == child["pipeline"]


def test_a_manager_drills_from_region_to_territory_to_owner(
    api: TestClient, settings: Settings
) -> None:
    region = get(api, settings, MANAGER, "/performance")
    assert (region["level"], region["key"]) == ("region", "Australia+NZ")
    assert [c["key"] for c in region["children"]] == ["NZ", "SA", "VIC", "WA"]

    vic = get(api, settings, MANAGER, "/performance", level="territory", key="VIC")
    assert (
        vic["targets"]["year"]["weighted_acv"]["target"]
        == (region["children"][2]["weighted_acv"]["target"])
    )
    owners = {c["key"]: c for c in vic["children"]}
    assert set(owners) == {ANU, JOHN, TRACEY}
    john = get(api, settings, MANAGER, "/performance", level="owner", key=JOHN)
    assert john["label"] == "John Salisbury (CSE)"
    first_client = john["children"][0]["key"]
    assert get(api, settings, MANAGER, "/performance", level="client", key=first_client)

    listed = get(api, settings, MANAGER, "/performance", level="territory")
    assert listed["level"] == "territory" and listed["fiscal_year"] == 2026
    assert [t["key"] for t in listed["items"]] == ["NZ", "SA", "VIC", "WA"]


def test_an_admin_gets_the_regions_and_every_business_unit(
    api: TestClient, settings: Settings
) -> None:
    regions = get(api, settings, ADMIN, "/performance")
    assert [r["key"] for r in regions["items"]] == ["Asia+Guam", "Australia+NZ"]
    units = get(api, settings, ADMIN, "/performance", level="business_unit", fiscal_year=2026)
    assert [u["key"] for u in units["items"]] == ["Enterprise", "Growth", "Mid-Market"]
    assert all(set(u) == PERFORMANCE_KEYS for u in units["items"])
    assert {c["level"] for u in units["items"] for c in u["children"]} == {"owner"}


def test_what_is_out_of_reach_is_403_and_what_is_unknown_404(
    api: TestClient, settings: Settings
) -> None:
    for email, params in (
        (TRACEY, {"level": "region", "key": "Asia+Guam"}),
        (TRACEY, {"level": "owner", "key": JOHN}),
        (ANU, {"level": "region", "key": "Australia+NZ"}),
        (MANAGER, {"level": "region", "key": "Asia+Guam"}),
        (OTHER_MANAGER, {"level": "owner", "key": TRACEY}),
        (OTHER_MANAGER, {"level": "client", "key": "Barwon Health"}),
    ):
        problem_of(status(api, settings, email, "/performance", **params), 403)
    for params in (
        {"level": "region", "key": "Atlantis"},
        {"level": "owner", "key": "nobody@example.com"},
        {"level": "client", "key": "No Such Hospital"},
    ):
        problem_of(status(api, settings, ADMIN, "/performance", **params), 404)
    problem_of(status(api, settings, ADMIN, "/performance", level="planet"), 422)
    assert get(api, settings, TRACEY, "/performance", level="region") == {
        "level": "region", "fiscal_year": 2026, "as_of": "2026-11-20", "items": [],
    }  # fmt: skip


def test_the_gap_analysis_of_the_caller_or_of_someone_they_may_see(
    api: TestClient, settings: Settings
) -> None:
    gap = get(api, settings, TRACEY, "/performance/gap")
    assert gap["owner"]["email"] == TRACEY and gap["fiscal_year"] == 2026
    assert gap["remaining"] == gap["weighted_acv"]["gap"]
    assert gap["recommendations"] and gap["summary"].startswith("Tracey Bland has $")
    for rec in gap["recommendations"]:
        assert set(rec) == {"kind", "title", "expected_value", "figures", "evidence"}
        assert rec["evidence"] and set(rec["evidence"][0]) == {"source", "id", "fact"}
    values = [float(r["expected_value"]) for r in gap["recommendations"]]
    assert values == sorted(values, reverse=True)
    assert gap["worded_summary"] is None and gap["worded_by"] is None

    worded = get(api, settings, TRACEY, "/performance/gap", worded="true")
    assert (worded["worded_summary"], worded["worded_by"]) == (gap["summary"], "template")

    john = get(api, settings, MANAGER, "/performance/gap", owner=JOHN, fiscal_year=2026)
    assert john["owner"]["name"] == "John Salisbury"
    problem_of(status(api, settings, TRACEY, "/performance/gap", owner=JOHN), 403)
    problem_of(status(api, settings, ADMIN, "/performance/gap", owner="x@example.com"), 404)

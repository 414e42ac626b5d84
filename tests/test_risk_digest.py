"""Risk digests: the period's changes for an owner or a region, as Markdown, Block Kit and a
chart."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.models import Client, User
from risk.digest import compose_digest
from risk.digest_render import DRAFT_INTERVENTION_ACTION, chart_png, to_blocks, to_markdown
from risk.scoring import score_portfolio
from tests.factories import make_client, make_user
from tests.risk_history import add_readings, add_support

END = date(2026, 11, 16)
START = END - timedelta(days=7)


def owned(session: Session, owner: User, name: str, renewal_in: int) -> Client:
    client = make_client(session, name)
    client.cam_id = owner.id
    client.region = "Victoria"
    client.renewal_date = END + timedelta(days=renewal_in)
    return client


def portfolio(session: Session) -> tuple[User, dict[str, Client]]:
    """Three clients of one CAM, scored at the start and the end of the week."""
    owner = make_user(session, "Anu Pradhan", role="CAM")
    slipping = owned(session, owner, "Barwon Health", 200)
    steady = owned(session, owner, "Alfred Health", 300)
    renewing = owned(session, owner, "Monash Health", 40)
    for client in (slipping, steady):
        add_readings(session, client, [(date(2026, 7, 1), 82, 50), (date(2026, 10, 1), 80, 48)])
    add_readings(session, renewing, [(date(2026, 7, 1), 66, 25), (date(2026, 10, 1), 62, 20)])
    other = make_client(session, "Someone Else's Health")
    add_readings(session, other, [(date(2026, 10, 1), 30, -40)])
    ids = [slipping.id, steady.id, renewing.id, other.id]
    score_portfolio(session, as_of=START, client_ids=ids)
    # During the week Barwon's health collapses and support goes wrong.
    add_readings(session, slipping, [(END - timedelta(days=2), 45, -5)])
    add_support(session, slipping, END, tickets=14, breaches=4, p1=2)
    score_portfolio(session, as_of=END, client_ids=ids)
    return owner, {"slipping": slipping, "steady": steady, "renewing": renewing}


def test_digest_lists_the_periods_changes_not_a_dump(session: Session) -> None:
    owner, _ = portfolio(session)
    digest = compose_digest(session, owner, period_start=START, period_end=END)
    assert digest.clients == 3  # only the owner's clients
    kinds = {item.client_name: item.kind for item in digest.items}
    assert kinds == {"Barwon Health": "new_high_risk", "Monash Health": "renewal_at_risk"}
    barwon = digest.section("new_high_risk")[0]
    assert barwon.previous_band == "low" and barwon.band in {"high", "critical"}
    assert barwon.reasons[0] == "Health score is 45"
    assert "Health score fell from 82 to 45 since July" in barwon.reasons
    assert barwon.action
    assert digest.band_counts == {barwon.band: 1, "low": 1, "medium": 1}
    assert "scorecard" in digest.model


def test_digest_renders_as_markdown_blocks_and_a_chart(session: Session) -> None:
    owner, clients = portfolio(session)
    digest = compose_digest(session, owner, period_start=START, period_end=END)

    markdown = to_markdown(digest)
    assert "## New high-risk clients" in markdown
    assert "**Barwon Health**" in markdown
    assert "## Renewals within 90 days at risk" in markdown
    assert "Alfred Health" not in markdown.split("Portfolio:")[0]

    blocks = to_blocks(digest)
    assert blocks[0]["type"] == "header"
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert [b["action_id"] for b in buttons] == [DRAFT_INTERVENTION_ACTION] * 2
    assert json.loads(buttons[0]["value"])["client_id"] == str(clients["slipping"].id)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")

    png = chart_png(digest)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_region_digest_for_managers_covers_the_region(session: Session) -> None:
    portfolio(session)
    manager = make_user(session, "Regional Manager", role="manager")
    digest = compose_digest(
        session, manager, period_start=START, period_end=END, scope="region", region="Victoria"
    )
    assert digest.clients == 3
    assert {i.client_name for i in digest.items} == {"Barwon Health", "Monash Health"}
    assert "region Victoria" in digest.subject


def test_a_quiet_week_says_so(session: Session) -> None:
    owner = make_user(session, "Calm Owner", role="CAM")
    client = owned(session, owner, "Calm Health", 300)
    add_readings(session, client, [(date(2026, 7, 1), 85, 60), (date(2026, 10, 1), 86, 61)])
    score_portfolio(session, as_of=START, client_ids=[client.id])
    score_portfolio(session, as_of=END, client_ids=[client.id])
    digest = compose_digest(session, owner, period_start=START, period_end=END)
    assert digest.is_empty
    assert "No client became high-risk" in to_markdown(digest)

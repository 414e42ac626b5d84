"""Stakeholders kept from meeting to meeting: merging, evidence, changes, and the plan proposal."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFoundError, ValidationError, VersionConflictError
from core.identity import Actor
from core.models import Client, Stakeholder
from ingest.stakeholders import plan_section
from ingest.stakeholders.service import list_stakeholders, set_status, stakeholder_changes
from ingest.transcripts.formats import parse_transcript, read_transcript
from ingest.transcripts.service import IngestReport, TranscriptIngestor
from planning.service import PlanService
from tests.factories import make_client, make_user

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"


def ingest_text(
    session: Session, ingestor: TranscriptIngestor, client: Client, text: str, held_on: date
) -> IngestReport:
    parsed = parse_transcript(text.encode(), filename="meeting.txt")
    return ingestor.ingest(session, parsed, client=client.name, held_on=held_on)


def ingest_file(
    session: Session, ingestor: TranscriptIngestor, name: str, client: str
) -> IngestReport:
    return ingestor.ingest(session, read_transcript(DEMO / name), client=client, source_name=name)


def people(session: Session, client: Client) -> dict[str, dict[str, object]]:
    return {v.name: v.as_json() for v in list_stakeholders(session, client.id)}


def test_the_same_person_across_meetings_is_one_stakeholder(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    make_user(session, "Tracey Bland")
    barwon = make_client(session, "Barwon Health")
    june = ingest_file(session, ingestor, "barwon-health_2026-06-03.txt", "Barwon Health")
    october = ingest_file(session, ingestor, "barwon-health_2026-10-14.vtt", "Barwon Health")
    assert "Rachel Bowen" in june.stakeholders.new
    assert "Rachel Bowen" in october.stakeholders.seen  # "Dr Rachel Bowen" in October's labels
    found = people(session, barwon)
    rachel = found["Rachel Bowen"]
    assert rachel["meetings"] == 2
    assert (rachel["first_seen"], rachel["last_seen"]) == ("2026-06-03", "2026-10-14")
    assert rachel["title"] == "Chief Medical Information Officer"
    assert {e["meeting"][-11:-1] for e in rachel["evidence"]} == {"2026-06-03", "2026-10-14"}  # type: ignore[attr-defined, index]
    keys = session.scalars(select(Stakeholder.name_key).where(Stakeholder.client_id == barwon.id))
    assert len(list(keys)) == len(found)


def test_mentioned_people_and_staff_are_told_apart(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    tracey = make_user(session, "Tracey Bland")
    barwon = make_client(session, "Barwon Health")
    ingest_file(session, ingestor, "barwon-health_2026-10-14.vtt", "Barwon Health")
    found = people(session, barwon)
    mark = found["Mark Tan"]
    assert mark["title"] == "Chief Financial Officer"
    assert mark["side"] == "customer" and mark["organisation"] == "Barwon Health"
    assert mark["meddpicc_role"] == "economic_buyer"
    assert mark["talk_share"] == 0  # mentioned, never spoke
    assert any("signs off" in e["quote"] for e in mark["evidence"])  # type: ignore[attr-defined]
    staff = session.scalars(select(Stakeholder).where(Stakeholder.name == "Tracey Bland")).one()
    assert staff.side == "internal" and staff.user_id == tracey.id
    assert found["Tracey Bland"]["meddpicc_role"] is None
    new = {c.name for c in stakeholder_changes(session, barwon.id, date(2026, 10, 20))}
    assert "Mark Tan" in new and "Tracey Bland" not in new  # our own staff are no change
    shares = [float(p["talk_share"]) for p in found.values()]  # type: ignore[arg-type]
    assert sum(shares) == pytest.approx(1.0, abs=0.01)


def test_a_new_title_is_a_change_and_the_latest_title_wins(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    client = make_client(session)
    ingest_text(
        session, ingestor, client,
        "Sam Ortiz: Hello, I'm Sam Ortiz, Director of ICT here.\nOlive Grant: Welcome, Sam.\n",
        date(2026, 5, 1),
    )  # fmt: skip
    later = ingest_text(
        session, ingestor, client,
        "Sam Ortiz: Since July I'm the Chief Information Officer, so this lands with me.\n"
        "Olive Grant: Congratulations on the new role.\n",
        date(2026, 9, 1),
    )  # fmt: skip
    [change] = later.stakeholders.title_changes
    assert (change.name, change.before) == ("Sam Ortiz", "Director of ICT")
    assert change.after == "Chief Information Officer"
    assert people(session, client)["Sam Ortiz"]["title"] == "Chief Information Officer"
    kinds = {(c.kind, c.name) for c in stakeholder_changes(session, client.id, date(2026, 9, 10))}
    assert ("title_changed", "Sam Ortiz") in kinds


def test_a_champion_who_goes_quiet_is_flagged_after_90_days(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    client = make_client(session)
    met = date(2026, 6, 1)
    ingest_text(
        session, ingestor, client,
        "Nina Park: I'm Nina Park, Head of Clinical Systems. I'm a big supporter of this and "
        "I'll push it internally with the board.\nOlive Grant: Thank you, Nina.\n",
        met,
    )  # fmt: skip
    assert people(session, client)["Nina Park"]["meddpicc_role"] == "champion"
    soon = stakeholder_changes(session, client.id, met + timedelta(days=60))
    assert not any(c.kind == "champion_quiet" for c in soon)
    late = stakeholder_changes(session, client.id, met + timedelta(days=120))
    [quiet] = [c for c in late if c.kind == "champion_quiet"]
    assert quiet.name == "Nina Park" and "120 days" in quiet.detail
    new = stakeholder_changes(session, client.id, met + timedelta(days=10))
    assert ("new", "Nina Park") in {(c.kind, c.name) for c in new}


def test_suggestions_can_be_dismissed_and_unknown_ids_are_refused(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    client = make_client(session)
    ingest_text(session, ingestor, client, "Ada Byrne: I'm Ada Byrne, the CFO.\n", date(2026, 5, 1))
    [ada] = list_stakeholders(session, client.id)
    set_status(session, ada.id, "dismissed")
    assert list_stakeholders(session, client.id) == []
    assert [v.name for v in list_stakeholders(session, client.id, include_dismissed=True)] == [
        "Ada Byrne"
    ]
    with pytest.raises(NotFoundError, match="No stakeholder with id"):
        set_status(session, client.id, "accepted")


def test_detected_people_reach_a_plan_only_through_an_approved_section_write(
    session: Session, ingestor: TranscriptIngestor
) -> None:
    owner = make_user(session, "Anu Pradhan", role="CAM")
    make_user(session, "Tracey Bland")
    barwon = make_client(session, "Barwon Health")
    ingest_file(session, ingestor, "barwon-health_2026-10-14.vtt", "Barwon Health")
    actor = Actor(name=owner.name, user_id=owner.id, role="CAM")
    plans = PlanService(session)
    plan = plans.create_plan(
        {"plan_type": "account", "fiscal_year": 2026, "primary_owner": owner.name,
         "client_id": str(barwon.id), "owner_id": str(owner.id)},
        actor,
    )  # fmt: skip
    plans.write_section(
        plan.id, "stakeholders",
        [{"id": "s1", "name": "Dr Rachel Bowen", "role": "other", "relationship": "strong",
          "notes": "Met at the QBR"}],
        expected_version=plan.version, actor=actor,
    )  # fmt: skip

    proposal = plan_section.propose(session, plan.id)
    assert plans.get_section(plan.id, "stakeholders").data == proposal.before  # nothing written
    after = {item["name"]: item for item in proposal.after}
    assert "Tracey Bland" not in after and "Anu Pradhan" not in after  # our own staff
    rachel = after["Dr Rachel Bowen"]  # matched to the existing item, not duplicated
    assert (rachel["id"], rachel["relationship"], rachel["notes"]) == (
        "s1",
        "strong",
        "Met at the QBR",
    )
    assert rachel["title"] == "Chief Medical Information Officer"
    assert after["Mark Tan"]["role"] == "economic_buyer"
    assert proposal.changes and all(c["path"].startswith("[") for c in proposal.changes)

    written = plan_section.apply(session, proposal, actor)
    assert written.version == proposal.version + 1
    assert {i["name"] for i in plans.get_section(plan.id, "stakeholders").data} == set(after)
    statuses = set(
        session.scalars(select(Stakeholder.status).where(Stakeholder.side != "internal"))
    )
    assert statuses == {"accepted"}
    with pytest.raises(VersionConflictError):
        plan_section.apply(session, proposal, actor)  # a stale proposal is refused


def test_territory_plans_get_no_relationship_proposal(session: Session) -> None:
    owner = make_user(session, "Tracey Bland")
    actor = Actor(name=owner.name, user_id=owner.id, role="CSE")
    plan = PlanService(session).create_plan(
        {"plan_type": "territory", "fiscal_year": 2026, "primary_owner": owner.name,
         "territory": "VIC"},
        actor,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="this plan has no client"):
        plan_section.propose(session, plan.id)

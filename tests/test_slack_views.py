"""What the Slack app says: mrkdwn conversion, block limits, the ``/chasen`` command's read-only
answers on the demo portfolio, and the App Home view."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from agent.runner import PendingDecision
from core.database import transaction
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.models import Meeting
from ingest.stakeholders.service import record_stakeholders
from ingest.transcripts.formats import read_transcript
from planning import portfolio_views as views
from risk.bands import rank
from slack_app.blocks import (
    MAX_TEXT,
    answer_message,
    error_message,
    escape,
    sections,
    to_mrkdwn,
    unknown_user_message,
    working_message,
)
from slack_app.commands import (
    SlashCommand,
    answer_command,
    draft_request,
    help_message,
    parse_command,
)
from slack_app.home import home_view
from slack_app.messages import Message
from tests.agent_harness import TODAY, account_plan, client, person, seed

TRACEY = "tracey.bland@example.com"  # CSE, VIC + NZ
ANU = "anu.pradhan@example.com"  # CAM, Australia+NZ
TRANSCRIPTS = Path(__file__).resolve().parents[1] / "ingest" / "demo_transcripts"


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text of the blocks, in order."""
    found: list[str] = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):  # context lines, or buttons' labels
            text = element["text"]
            found.append(text if isinstance(text, str) else text["text"])
    return found


def joined(message: Message) -> str:
    return "\n".join(texts(message.blocks))


@pytest.fixture
def demo(committed_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    seed(committed_factory)
    return committed_factory


# --- mrkdwn -------------------------------------------------------------------------------


def test_markdown_formatting_becomes_mrkdwn() -> None:
    markdown = (
        "# Plan **review**\n\nSome **bold**, __also bold__, *italic* and ~~old~~.\n- one\n* two"
    )
    assert to_mrkdwn(markdown) == (
        "*Plan review*\n\nSome *bold*, *also bold*, _italic_ and ~old~.\n• one\n• two"
    )


def test_links_become_slack_links_and_only_web_ones() -> None:
    assert (
        to_mrkdwn("[the plan](https://x.test/p?a=1&b=2)")
        == "<https://x.test/p?a=1&amp;b=2|the plan>"
    )
    assert "<" not in to_mrkdwn("[click](javascript:alert)")


def test_control_characters_are_escaped_and_code_is_left_unformatted() -> None:
    out = to_mrkdwn("A & B <@U123> > C `x **y** <z>`\n```python\nif a < b: **c**\n```")
    assert out.startswith("A &amp; B &lt;@U123&gt; &gt; C `x **y** &lt;z&gt;`")
    assert out.endswith("```\nif a &lt; b: **c**\n```")  # language tag dropped, no bold
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_quotes_stay_quotes() -> None:
    assert to_mrkdwn("> said & done") == "> said &amp; done"


def test_long_text_is_split_at_paragraphs_within_the_section_limit() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(30)]
    blocks = sections("\n\n".join(paragraphs))
    chunks = texts(blocks)
    assert len(chunks) > 1 and all(0 < len(c) <= MAX_TEXT for c in chunks)
    assert all(c.startswith("Paragraph") for c in chunks)  # cut between paragraphs
    assert sum(c.count("Paragraph") for c in chunks) == 30


def test_a_split_code_block_is_closed_and_reopened() -> None:
    code = "```\n" + "\n".join(f"line {n} " + "x" * 60 for n in range(120)) + "\n```"
    chunks = texts(sections(code))
    assert len(chunks) > 1 and all(len(c) <= MAX_TEXT for c in chunks)
    assert all(c.startswith("```") and c.endswith("```") for c in chunks)


def test_one_endless_line_is_split_at_spaces() -> None:
    chunks = texts(sections("word " * 2000))
    assert all(len(c) <= MAX_TEXT and c.endswith("word") for c in chunks)


def test_a_very_long_answer_is_cut_to_fifty_blocks_and_says_so() -> None:
    markdown = "\n\n".join(f"**Part {n}** " + "text " * 500 for n in range(80))
    message = answer_message(markdown, context="ChaSen · offline answer", notices=["Model down"])
    assert len(message.blocks) == 50
    *_, cut, notice, context = message.blocks
    assert "rest of this answer was cut" in cut["text"]["text"]
    assert texts([notice, context]) == ["⚠️ Model down", "ChaSen · offline answer"]
    assert message.text.startswith("Part 0 text") and len(message.text) <= 201


def test_a_short_answer_has_a_plain_fallback_and_a_default_context() -> None:
    message = answer_message("## Done\n\nSaved **Barwon** & *co*.", notices=["<b>odd</b>"])
    assert message.text == "Done Saved Barwon &amp; co."
    assert texts(message.blocks) == [
        "*Done*\n\nSaved *Barwon* &amp; _co_.",
        "⚠️ &lt;b&gt;odd&lt;/b&gt;",
        "ChaSen",
    ]


def test_status_error_and_unknown_user_messages() -> None:
    working = working_message()
    assert working.blocks[0]["type"] == "context" and "⏳" in joined(working)
    assert joined(error_message("Can't see <WA Health>")) == "⚠️ Can't see &lt;WA Health&gt;"
    unknown = unknown_user_message("kim@example.com")
    said = joined(unknown)
    assert "kim@example.com" in said and "linked to a ChaSen user" in said
    assert "chasen users add" in said and "--slack-user-id" in said
    assert "Traceback" not in said and "Error" not in said
    assert "()" not in joined(unknown_user_message(None))


# --- the command ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verb", "argument"),
    [
        ("draft Barwon Health", "draft", "Barwon Health"),
        ("  RISK  ", "risk", ""),
        ("risk   wa health ", "risk", "wa health"),
        ("stakeholders Barwon Health", "stakeholders", "Barwon Health"),
        ("plan Barwon Health", "plan", "Barwon Health"),
        ("", "help", ""),
        ("help", "help", ""),
    ],
)
def test_commands_are_parsed(text: str, verb: str, argument: str) -> None:
    assert parse_command(text) == SlashCommand(verb, argument)  # type: ignore[arg-type]


def test_bad_commands_say_what_to_type() -> None:
    with pytest.raises(ValidationError) as unknown:
        parse_command("forecast Barwon")
    assert all(v in str(unknown.value) for v in ("draft", "risk", "stakeholders", "plan", "help"))
    for verb in ("draft", "stakeholders", "plan"):
        with pytest.raises(ValidationError, match=f"/chasen {verb}` needs"):
            parse_command(f"{verb}  ")


def test_help_shows_every_verb_with_an_example() -> None:
    said = joined(help_message())
    for verb in ("draft", "risk", "stakeholders", "plan", "help"):
        assert f"`/chasen {verb}" in said


def test_draft_picks_a_territory_or_a_client(demo: sessionmaker[Session]) -> None:
    tracey, anu = person(demo, TRACEY), person(demo, ANU)
    with demo() as session:
        assert draft_request(session, tracey, "vic") == {
            "plan_type": "territory",
            "territory": "VIC",
        }
        assert draft_request(session, tracey, "vic + nz")["territory"] == "VIC + NZ"
        assert draft_request(session, tracey, "barwon health") == {"client": "Barwon Health"}
        assert draft_request(session, anu, "WA Health") == {"client": "WA Health"}
        with pytest.raises(PermissionDeniedError):
            draft_request(session, tracey, "SingHealth")
        with pytest.raises(NotFoundError):
            draft_request(session, tracey, "Nowhere Hospital")
        with pytest.raises(ValidationError, match="Territory plans belong to a CSE"):
            draft_request(session, anu, "VIC")


def test_risk_lists_only_visible_clients_riskiest_first(demo: sessionmaker[Session]) -> None:
    tracey = person(demo, TRACEY)
    with demo() as session:
        message = answer_command(session, tracey, parse_command("risk"), TODAY)
        expected = views.risk_list(session, tracey, TODAY).items
    said = joined(message)
    assert {r.client for r in expected} == {
        "Barwon Health", "Eastern Health", "Austin Health", "Northern Health", "Grampians Health",
        "Te Whatu Ora Waikato", "Te Whatu Ora Waitaha Canterbury", "Te Whatu Ora Capital Coast",
        "Te Whatu Ora Te Toka Tumai Auckland",
    }  # fmt: skip
    assert "SingHealth" not in said and "WA Health" not in said
    positions = sorted((said.index(f"*{r.client}*"), rank(r.band)) for r in expected)
    ranks = [band for _, band in positions]
    assert ranks == sorted(ranks, reverse=True)
    high = sum(1 for r in expected if r.band in ("high", "critical"))
    assert f"{high} at high or critical risk" in said
    riskiest = expected[0]
    assert riskiest.reasons and riskiest.reasons[0].detail in said.replace("&amp;", "&")


def test_risk_of_one_client_gives_every_reason_and_the_next_step(
    demo: sessionmaker[Session],
) -> None:
    tracey = person(demo, TRACEY)
    with demo() as session:
        message = answer_command(session, tracey, parse_command("risk eastern health"), TODAY)
        view = views.client_risk(session, tracey, client(demo, "Eastern Health").id, TODAY)
    said = joined(message).replace("&amp;", "&")
    assert said.startswith(f"{'🔴🟠🟡🟢'[3 - rank(view.band)]} *Eastern Health* (VIC)")
    assert all(r.detail in said for r in view.reasons)
    assert view.next_action and f"*Next step:* {view.next_action}" in said


def test_risk_of_a_client_out_of_reach_is_refused(demo: sessionmaker[Session]) -> None:
    tracey = person(demo, TRACEY)
    with demo() as session, pytest.raises(PermissionDeniedError, match="cannot see SingHealth"):
        answer_command(session, tracey, parse_command("risk SingHealth"), TODAY)
    with demo() as session, pytest.raises(NotFoundError):
        answer_command(session, tracey, parse_command("plan Nowhere Hospital"), TODAY)


def test_plan_without_plans_suggests_a_draft(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        message = answer_command(
            session, person(demo, TRACEY), parse_command("plan barwon health"), TODAY
        )
    assert "No plan for *Barwon Health*" in joined(message)
    assert "`/chasen draft Barwon Health`" in joined(message)


def test_plan_shows_status_completion_and_steps(demo: sessionmaker[Session]) -> None:
    tracey = person(demo, TRACEY)
    plan = account_plan(demo, tracey, "Barwon Health")
    with demo() as session:
        message = answer_command(session, tracey, parse_command("plan Barwon Health"), TODAY)
    said = joined(message)
    assert f"*account plan FY{TODAY.year}* · draft · {plan.completion_percentage}% complete" in said
    assert "✅ Context" in said and "⬜ Review" in said
    assert f"version {plan.version}" in said and "owner Tracey Bland" in said
    assert f"PDF: account FY{TODAY.year}" in said  # the button that sends it as a PDF


def test_stakeholders_before_any_meeting(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        message = answer_command(
            session, person(demo, TRACEY), parse_command("stakeholders Barwon Health"), TODAY
        )
    assert "None detected yet" in joined(message)


def test_stakeholders_found_in_a_meeting_leave_our_staff_out(
    demo: sessionmaker[Session],
) -> None:
    transcript = read_transcript(TRANSCRIPTS / "barwon-health_2026-10-14.vtt")
    with transaction(demo) as session:
        barwon = client(demo, "Barwon Health")
        meeting = Meeting(
            client_id=barwon.id, title="QBR", held_on=date(2026, 10, 14), source_format="vtt",
            content_hash=uuid.uuid4().hex, utterance_count=len(transcript.utterances),
            word_count=100,
        )  # fmt: skip
        session.add(meeting)
        session.flush()
        record_stakeholders(session, session.merge(barwon), meeting, transcript.utterances)
    with demo() as session:
        message = answer_command(
            session, person(demo, TRACEY), parse_command("stakeholders barwon health"), TODAY
        )
    said = joined(message)
    assert "*Mark Tan*, Chief Financial Officer, Barwon Health" in said
    assert "MEDDPICC: economic buyer" in said and "last seen 2026-10-14" in said
    assert "*Tracey Bland*" not in said  # our own staff
    assert "*Recent changes*" in said and "🆕 Mark Tan" in said


# --- App Home ------------------------------------------------------------------------------


def decision(description: str) -> PendingDecision:
    return PendingDecision(
        uuid.uuid4(), "thread-1", "interrupt-1", "chat", "section_change",
        "propose_section_change", {}, description, None,
    )  # fmt: skip


def part(view: dict[str, Any], title: str) -> list[str]:
    """The texts of one part of the home view, up to the next divider."""
    blocks = view["blocks"]
    start = next(i for i, b in enumerate(blocks) if texts([b]) == [f"*{title}*"])
    end = next((i for i in range(start, len(blocks)) if blocks[i]["type"] == "divider"), None)
    return texts(blocks[start + 1 : end])


def test_home_shows_plans_decisions_and_at_risk_clients(demo: sessionmaker[Session]) -> None:
    tracey = person(demo, TRACEY)
    account_plan(demo, tracey, "Eastern Health")
    pending = [decision("Add the risk 'renewal slipping' to Eastern Health\nmore detail")]
    with demo() as session:
        view = home_view(session, tracey, TODAY, pending)
        portfolio = views.portfolio(session, tracey, TODAY).clients
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert view["blocks"][0]["text"]["text"] == "ChaSen for Tracey Bland"
    assert "Friday 20 November 2026" in texts(view["blocks"][:2])[1]
    [plan] = part(view, "Your plans")
    assert plan.startswith("*Eastern Health* · account plan FY2026 · you are owner")
    assert re.search(r"`[▓░]{10}` \d+% · draft", plan)
    [waiting] = part(view, "Waiting for your decision")
    assert waiting.startswith("*Add the risk 'renewal slipping' to Eastern Health*\nsection change")
    assert "more detail" not in waiting and "buttons" in waiting
    at_risk = part(view, "Your at-risk clients")
    expected = [c.name for c in portfolio if c.at_risk]
    assert expected and len(at_risk) == len(expected)
    assert all(f"*{name}*" in line for name, line in zip(expected, at_risk, strict=True))
    assert all(len(t) <= MAX_TEXT for t in texts(view["blocks"]))
    json.dumps(view)  # plain JSON, as Slack's views.publish takes it


def test_home_caps_long_lists_and_says_when_nothing_waits(demo: sessionmaker[Session]) -> None:
    tracey = person(demo, TRACEY)
    with demo() as session:
        crowded = home_view(session, tracey, TODAY, [decision(f"Change {n}") for n in range(15)])
        quiet = home_view(session, tracey, TODAY, [])
    waiting = part(crowded, "Waiting for your decision")
    assert len(waiting) == 11 and waiting[-1] == "…and 5 more"
    assert part(quiet, "Waiting for your decision") == ["Nothing waiting."]
    assert part(quiet, "Your plans")[0].startswith("No plans yet")

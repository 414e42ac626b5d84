"""Slack rendering of pending decisions (Block Kit) and the Edit modal, without a database."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from agent.runner import PendingDecision
from planning.diff import json_diff
from planning.proposals import Proposal
from planning.sections import validate_section
from slack_app.approval_blocks import (
    ACCEPT,
    EDIT,
    REJECT,
    decided_message,
    proposal_message,
    readable_changes,
)
from slack_app.edit_modal import EDIT_CALLBACK, edit_view, editable
from slack_app.edit_values import FormErrors, edited_args
from slack_app.messages import Message

PLUS, MINUS = "\N{HEAVY PLUS SIGN}", "\N{HEAVY MINUS SIGN}"
PLAN_ID = uuid.UUID("3f2b1c9e-0000-4000-8000-000000000001")
LABEL = "the FY2026 account plan for Barwon Health"
EXISTING = {"id": "act1", "title": "Renewal review", "owner": "Nikki Wei", "due_date": "2026-09-01"}
NEW = {"id": "act2", "title": "Call the CIO", "owner": "Tracey Bland", "due_date": "2026-12-01"}


def decision(kind: str, args: dict[str, Any], description: str = "") -> PendingDecision:
    approval = uuid.uuid4()
    return PendingDecision(
        approval_id=approval,
        thread_id="thread-1",
        interrupt_id="int-1",
        graph="plan_draft" if kind == "plan_draft" else "chat",
        kind=kind,
        action="apply_plan_draft" if kind == "plan_draft" else "update_plan_section",
        args={**args, "approval_id": str(approval)},
        description=description,
        plan_id=PLAN_ID,
    )


def section_change(section: str, before: Any, after: Any, summary: str = "") -> PendingDecision:
    before = validate_section(section, before) if before is not None else None
    after = validate_section(section, after)
    proposal = Proposal(
        kind="section_change",
        plan_id=PLAN_ID,
        plan_label=LABEL,
        expected_version=7,
        section=section,
        before=before,
        after=after,
        changes=json_diff(before, after),
        summary=summary or f"Change in the {section} section of {LABEL}: add [id=x]: None -> 'y'",
    )
    return decision("section_change", proposal.model_dump(mode="json"))


def add_action() -> PendingDecision:
    return section_change("actions", [EXISTING], [EXISTING, NEW])


def status_change() -> PendingDecision:
    move = {"action": "submit", "before": "draft", "summary": f"Submit {LABEL} (now draft)"}
    proposal = Proposal(
        kind="status_change", plan_id=PLAN_ID, plan_label=LABEL, expected_version=7, **move
    )
    return decision("status_change", proposal.model_dump(mode="json"))


def plan_draft(risks: list[dict[str, Any]] | None = None) -> PendingDecision:
    sections = {
        "actions": validate_section("actions", [NEW]),
        "risks": validate_section("risks", risks or [{"id": "r1", "title": "Budget cut"}]),
        "value": {"executive_summary": "Grow the account", "outcomes": []},
    }
    changes = {"actions": 1, "risks": 4, "value": 1, "snapshot": 0}
    args = {"plan_id": str(PLAN_ID), "plan_type": "account", "fiscal_year": 2026}
    args |= {"sections": sections, "changes": changes, "sources": [], "offline": True}
    description = "**Account plan offline draft (no language model), FY2026**\nChanges: ..."
    return decision("plan_draft", args, description)


def all_text(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def actions_block(message: Message) -> dict[str, Any]:
    return next(b for b in message.blocks if b["type"] == "actions")


def form_values(view: dict[str, Any], **changed: str | None) -> dict[str, Any]:
    """Slack's view.state.values for ``view`` as submitted, with some inputs changed."""
    values = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            name = block["block_id"].split(":", 1)[-1]
            text = changed.get(name, block["element"].get("initial_value"))
            values[block["block_id"]] = {"value": {"type": "plain_text_input", "value": text}}
    return values


def test_proposal_buttons_carry_the_approval_id() -> None:
    pending = add_action()
    message = proposal_message(pending)
    actions = actions_block(message)
    assert actions["block_id"] == f"approval:{pending.approval_id}"
    buttons = {b["action_id"]: b for b in actions["elements"]}
    assert list(buttons) == [ACCEPT, EDIT, REJECT]
    assert {b["value"] for b in buttons.values()} == {str(pending.approval_id)}
    assert buttons[ACCEPT]["style"] == "primary"
    assert buttons[REJECT]["style"] == "danger" and "confirm" in buttons[REJECT]
    assert "Barwon Health" in message.text and "\n" not in message.text
    assert "version 7" in all_text(message)


def test_status_change_has_no_edit_button() -> None:
    pending = status_change()
    assert not editable(pending)
    ids = [b["action_id"] for b in actions_block(proposal_message(pending))["elements"]]
    assert ids == [ACCEPT, REJECT]
    assert readable_changes(pending) == ["Status: draft → in review (submit)"]


def test_change_lines_are_human() -> None:
    risk = {"id": "r1", "title": "Budget cut", "likelihood": "low", "description": "x" * 400}
    changed = {**risk, "likelihood": "high", "description": "Board froze spend"}
    lines = readable_changes(section_change("risks", [risk], [changed]))
    assert len(lines) == 1 and lines[0].startswith("✏️ Risk “Budget cut”: ")
    assert "likelihood “low” → “high”" in lines[0] and "…" in lines[0]
    added = readable_changes(add_action())
    assert added == [f"{PLUS} Added action “Call the CIO” (owner Tracey Bland, due 2026-12-01)"]
    person = {"id": "s1", "name": "Jane Doe"}
    removed = readable_changes(section_change("stakeholders", [person], []))
    assert removed == [f"{MINUS} Removed stakeholder “Jane Doe”"]
    summary = readable_changes(
        section_change("value", {"executive_summary": "old"}, {"executive_summary": None})
    )
    assert summary == ["✏️ executive summary: “old” → (empty)"]
    message = proposal_message(add_action())
    assert "[id=" not in all_text(message) and "[id=" not in message.text


def test_first_fill_of_an_empty_section_is_shown_per_item() -> None:
    lines = readable_changes(section_change("actions", None, [NEW]))
    assert lines == [f"{PLUS} Added action “Call the CIO” (owner Tracey Bland, due 2026-12-01)"]
    outcome = {"id": "o1", "title": "Cut wait times"}
    value = section_change("value", None, {"executive_summary": "Grow", "outcomes": [outcome]})
    assert readable_changes(value)[-1] == f"{PLUS} Added outcome “Cut wait times”"


def block_texts(message: Message) -> list[str]:
    texts = []
    for block in message.blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return texts


def test_huge_change_lists_keep_slack_limits() -> None:
    many = [{**NEW, "id": f"a{i}", "title": f"Task {i} " + "y" * 1900} for i in range(400)]
    pending = section_change("actions", [], many, summary="<&>" * 3000)
    lines = readable_changes(pending)
    assert len(lines) == 13 and lines[-1] == "…and 388 more changes"
    assert len(readable_changes(pending, limit=1000)) == 400
    message = proposal_message(pending)
    assert len(message.blocks) <= 50
    assert all(len(t) <= 3000 for t in block_texts(message))
    assert not any(t.endswith(("&…", "&a…", "&am…", "&l…", "&lt…")) for t in block_texts(message))


def test_decided_message_names_the_decider() -> None:
    when = datetime(2026, 11, 21, 10, 2, tzinfo=UTC)
    message = decided_message(
        add_action(), status="edited", decided_by="Tracey Bland", decided_at=when, outcome="Done"
    )
    assert not [b for b in message.blocks if b["type"] == "actions"]
    text = all_text(message)
    assert "Accepted with edits by Tracey Bland · 2026-11-21 10:02 UTC" in text
    assert "Call the CIO" in text and "Done" in text
    failed = decided_message(
        status_change(), status="failed", decided_by="Anu", decided_at=when, outcome="Stale"
    )
    assert "⚠️ Not applied by Anu" in all_text(failed)


def test_user_text_is_escaped() -> None:
    evil = {**NEW, "title": "<script>alert(1)</script> & co"}
    message = proposal_message(section_change("actions", [], [evil], summary="Add <b>"))
    text = all_text(message)
    assert "<script>" not in text and "&lt;script&gt;" in text and "&amp; co" in text
    assert "<b>" not in message.text


def test_edit_view_prefills_the_proposed_item() -> None:
    view = edit_view(add_action(), "meta")
    assert view["type"] == "modal" and view["callback_id"] == EDIT_CALLBACK
    assert view["private_metadata"] == "meta" and len(view["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert "field:id" not in inputs
    assert inputs["field:title"]["element"]["initial_value"] == "Call the CIO"
    assert inputs["field:title"]["optional"] is False
    assert inputs["field:due_date"]["label"]["text"] == "Due date"
    assert inputs["field:due_date"]["element"]["initial_value"] == "2026-12-01"
    assert inputs["field:due_date"]["optional"] is True
    assert "initial_value" not in inputs["field:client_name"]["element"]
    assert all(b["element"]["action_id"] == "value" for b in inputs.values())


def test_edited_args_round_trip_and_conversion() -> None:
    pending = add_action()
    view = edit_view(pending, "m")
    assert edited_args(pending, form_values(view)) == {"after": pending.args["after"]}
    changed = edited_args(
        pending, form_values(view, priority="low", due_date="2027-01-15", client_name="")
    )
    item = changed["after"][1]
    assert item["id"] == "act2" and changed["after"][0] == pending.args["after"][0]
    assert (item["priority"], item["due_date"], item["client_name"]) == ("low", "2027-01-15", None)


def test_bad_values_are_keyed_to_their_block() -> None:
    pending = add_action()
    view = edit_view(pending, "m")
    with pytest.raises(FormErrors) as caught:
        edited_args(pending, form_values(view, due_date="next week", priority="urgent"))
    assert set(caught.value.errors) == {"field:due_date", "field:priority"}
    assert caught.value.code == "invalid_form"
    assert all(len(m) <= 150 for m in caught.value.errors.values())
    with pytest.raises(FormErrors) as caught:
        edited_args(pending, form_values(view, title=" "))
    assert caught.value.errors == {"field:title": "is required"}
    deal = {"id": "o1", "name": "EMR renewal", "acv": 1000, "probability": 30}
    opportunity = section_change("opportunities", [deal], [{**deal, "probability": 60}])
    view = edit_view(opportunity, "m")
    with pytest.raises(FormErrors) as caught:
        edited_args(opportunity, form_values(view, acv="lots"))
    assert caught.value.errors == {"field:acv": "must be a number"}
    changed = edited_args(opportunity, form_values(view, acv="2,500", focus_deal="yes"))
    assert changed["after"][0]["acv"] == 2500 and changed["after"][0]["weighted_acv"] == 1500
    assert changed["after"][0]["focus_deal"] is True


def test_json_fallback_for_a_removal() -> None:
    pending = section_change("actions", [EXISTING, NEW], [EXISTING])
    assert editable(pending)
    view = edit_view(pending, "m")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["json"]
    assert json.loads(inputs[0]["element"]["initial_value"]) == pending.args["after"]
    assert edited_args(pending, form_values(view)) == {"after": pending.args["after"]}
    with pytest.raises(FormErrors) as caught:
        edited_args(pending, {"json": {"value": {"type": "plain_text_input", "value": "[{"}}})
    assert "not valid JSON" in caught.value.errors["json"]


def test_object_section_fields() -> None:
    pending = section_change("snapshot", {"nps": 10}, {"nps": 30, "segment": "Health"})
    view = edit_view(pending, "m")
    ids = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert {"field:nps", "field:segment", "field:health_distribution"} <= ids
    after = edited_args(pending, form_values(view, nps="45", open_p1s="2"))["after"]
    assert (after["nps"], after["open_p1s"], after["segment"]) == (45, 2, "Health")
    with pytest.raises(FormErrors) as caught:
        edited_args(pending, form_values(view, nps="500"))
    assert list(caught.value.errors) == ["field:nps"]


def test_plan_draft_lines_and_edit() -> None:
    pending = plan_draft()
    lines = readable_changes(pending)
    assert lines == ["• Actions: 1 change", "• Risks: 4 changes", "• Value: 1 change"]
    message = proposal_message(pending)
    text = all_text(message)
    assert "Account plan offline draft" in text and "**" not in text
    assert "6 changes across 3 sections" in text and "offline" in text
    assert editable(pending)
    view = edit_view(pending, "m")
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["section:actions", "section:risks", "section:value"]
    edited = edited_args(pending, form_values(view))
    assert edited == {"sections": pending.args["sections"]}
    bad = form_values(view, risks='[{"id": "r1"}]')
    with pytest.raises(FormErrors) as caught:
        edited_args(pending, bad)
    assert list(caught.value.errors) == ["section:risks"]


def test_plan_draft_keeps_too_large_sections() -> None:
    risks = [{"id": f"r{i}", "title": "z" * 500} for i in range(10)]
    view = edit_view(plan_draft(risks), "m")
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert "section:risks" not in ids and "section:actions" in ids
    assert "Risks" in json.dumps(view["blocks"][-1])

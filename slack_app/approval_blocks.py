"""ChaSen's pending decisions as Slack messages: what would change, and Accept / Edit / Reject.

Changes are shown as sentences people read ("Added action “Call the CIO” (owner ..., due ...)"),
never as JSON paths. Slack's limits (3000 characters per text, 50 blocks per message) are kept
by cutting long lists short and saying how many changes were left out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from agent.runner import PendingDecision
from slack_app.blocks import MAX_BLOCKS, MAX_TEXT, context_block, escape, section_block, shorten
from slack_app.edit_modal import editable, find_item, plan_label, proposed_changes
from slack_app.messages import Message

ACCEPT = "approval_accept"
EDIT = "approval_edit"
REJECT = "approval_reject"

_ADDED = "\N{HEAVY PLUS SIGN}"
_REMOVED = "\N{HEAVY MINUS SIGN}"
_ITEM_PATH = re.compile(r"^(?P<prefix>[A-Za-z_][\w.]*)?\[id=(?P<id>[^\]]+)\](?:\.(?P<field>.+))?$")
_NOUNS = {
    "portfolio": "client",
    "stakeholders": "stakeholder",
    "opportunities": "opportunity",
    "risks": "risk",
    "actions": "action",
    "outcomes": "outcome",
}
# Which fields of a new item say most about it, and how to word them.
_DETAILS = (
    ("owner", "owner {}"),
    ("due_date", "due {}"),
    ("title", "{}"),
    ("organisation", "{}"),
    ("role", "{}"),
    ("client_name", "{}"),
    ("severity", "{} severity"),
    ("stage", "stage {}"),
    ("acv", "ACV {}"),
)
_TARGET_STATUS = {"submit": "in_review", "request_changes": "draft", "approve": "approved"}
_DECIDED = {
    "accepted": ("✅", "Accepted"),
    "edited": ("✏️", "Accepted with edits"),
    "rejected": ("❌", "Rejected"),
    "responded": ("💬", "Answered"),
    "ignored": ("⏭️", "Dismissed"),
    "failed": ("⚠️", "Not applied"),
}


def proposal_message(decision: PendingDecision) -> Message:
    """The message asking a person to accept, edit or reject ``decision``."""
    value = str(decision.approval_id)
    buttons = [_button("Accept", ACCEPT, value, "primary")]
    if editable(decision):
        buttons.append(_button("Edit", EDIT, value))
    reject = _button("Reject", REJECT, value, "danger")
    reject["confirm"] = {
        "title": _plain("Reject this change?"),
        "text": _plain("ChaSen will not make this change. You can ask it for another one."),
        "confirm": _plain("Reject"),
        "deny": _plain("Keep it"),
        "style": "danger",
    }
    buttons.append(reject)
    actions = {"type": "actions", "block_id": f"approval:{value}", "elements": buttons}
    head = [section_block(f"*{escape(shorten(summary(decision), 2000))}*")]
    tail = [context_block(escape(_facts(decision))), actions]
    changes = _change_blocks(readable_changes(decision), MAX_BLOCKS - len(head) - len(tail))
    return Message(
        text=escape(_one_line(f"ChaSen proposes: {summary(decision)}", 300)),
        blocks=[*head, *changes, *tail],
    )


def decided_message(
    decision: PendingDecision,
    *,
    status: str,
    decided_by: str,
    decided_at: datetime,
    outcome: str,
) -> Message:
    """The proposal as it reads once decided: who decided, when, and what happened.

    A naive ``decided_at`` is taken as UTC.
    """
    emoji, verb = _DECIDED.get(status, ("•", status.replace("_", " ").capitalize()))
    if decided_at.tzinfo is not None:
        decided_at = decided_at.astimezone(UTC)
    when = decided_at.strftime("%Y-%m-%d %H:%M UTC")
    head = [section_block(f"*{escape(shorten(summary(decision), 2000))}*")]
    tail = [context_block(f"{emoji} {verb} by {escape(decided_by)} · {when}")]
    if outcome.strip():
        tail.append(section_block(escape(shorten(outcome.strip(), MAX_TEXT - 100))))
    changes = _change_blocks(readable_changes(decision), MAX_BLOCKS - len(head) - len(tail))
    return Message(
        text=escape(_one_line(f"{verb} by {decided_by}: {summary(decision)}", 300)),
        blocks=[*head, *changes, *tail],
    )


def readable_changes(decision: PendingDecision, limit: int = 12) -> list[str]:
    """What the decision would change, one sentence per line (plain text, not escaped)."""
    args = decision.args
    if decision.kind == "status_change":
        before = str(args.get("before") or "unknown")
        move = str(args.get("action") or "")
        after = _TARGET_STATUS.get(move, "?")
        lines = [f"Status: {_words(before)} → {_words(after)} ({_words(move)})"]
    elif decision.kind == "plan_draft":
        counts = args.get("changes") or {}
        lines = [
            f"• {_words(name).capitalize()}: {_count(int(n), 'change')}"
            for name, n in counts.items()
            if n
        ]
    elif decision.kind == "section_change":
        lines = _section_lines(args)
    else:
        lines = []
    if len(lines) > limit:
        lines = [*lines[:limit], f"…and {_count(len(lines) - limit, 'more change')}"]
    return lines


def summary(decision: PendingDecision) -> str:
    """The one-line gist of a decision."""
    if decision.kind == "plan_draft":
        first = next((ln for ln in decision.description.splitlines() if ln.strip()), "")
        return first.replace("**", "").strip() or "Plan draft for review"
    text = str(decision.args.get("summary") or decision.description or "Change for review")
    # A section change's summary ends with its changes in raw form; the lines below say them
    # properly.
    return re.split(r": (?=(?:add|remove|replace) )", text, maxsplit=1)[0]


def _facts(decision: PendingDecision) -> str:
    args = decision.args
    label = plan_label(decision)
    facts = [label[:1].upper() + label[1:]]
    if decision.kind == "plan_draft":
        counts = {n: int(c) for n, c in (args.get("changes") or {}).items() if c}
        facts.append(
            f"{_count(sum(counts.values()), 'change')} across {_count(len(counts), 'section')}"
        )
        facts.append(
            "narrative written offline (templated, no language model)"
            if args.get("offline")
            else "narrative written by the language model"
        )
    else:
        if args.get("section"):
            facts.append(f"{args['section']} section")
        if args.get("expected_version") is not None:
            facts.append(f"plan version {args['expected_version']}")
    return shorten(" · ".join(facts), MAX_TEXT - 200)


def _section_lines(args: dict[str, Any]) -> list[str]:
    section = str(args.get("section") or "")
    # A line, or the key of an item whose field edits are gathered into one line.
    entries: list[str | tuple[str, str]] = []
    heads: dict[tuple[str, str], str] = {}
    edits: dict[tuple[str, str], list[str]] = {}
    for change in proposed_changes(args):
        path = str(change.get("path", ""))
        op, before, after = change.get("op"), change.get("before"), change.get("after")
        match = _ITEM_PATH.match(path)
        if match is None:
            where = f"the whole {section} section" if path == "(section)" else _words(path)
            entries.append(f"✏️ {where}: {_show(before)} → {_show(after)}")
            continue
        prefix, item_id, field = match["prefix"] or "", match["id"], match["field"]
        noun = _NOUNS.get(prefix or section, "item")
        if field is None and op == "add":
            entries.append(f"{_ADDED} Added {noun} {_name(after, item_id)}{_details(after)}")
        elif field is None and op == "remove":
            entries.append(f"{_REMOVED} Removed {noun} {_name(before, item_id)}")
        else:
            key = (prefix, item_id)
            if key not in heads:
                item = find_item(args.get("after"), prefix, item_id) or find_item(
                    args.get("before"), prefix, item_id
                )
                heads[key] = f"✏️ {noun.capitalize()} {_name(item, item_id)}"
                edits[key] = []
                entries.append(key)
            what = _words(field) if field else "whole item"
            edits[key].append(f"{what} {_show(before)} → {_show(after)}")
    return [
        e if isinstance(e, str) else f"{heads[e]}: {shorten('; '.join(edits[e]), 1500)}"
        for e in entries
    ]


def _name(item: Any, item_id: str) -> str:
    if isinstance(item, dict):
        name = item.get("title") or item.get("name") or item.get("id") or item_id
    else:
        name = item_id
    return f"“{shorten(_one_line(str(name), 150), 150)}”"


def _details(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    named = "title" if item.get("title") else "name"
    found = [
        form.format(_plain_value(item[key]))
        for key, form in _DETAILS
        if key != named and item.get(key) not in (None, "", "other")
    ]
    return f" ({', '.join(found[:3])})" if found else ""


def _show(value: Any) -> str:
    """A value in a change line: numbers bare, text quoted and cut, items by name."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool | int | float):
        return _plain_value(value)
    if isinstance(value, str):
        return f"“{shorten(_one_line(value), 150)}”"
    if isinstance(value, dict):
        name = value.get("title") or value.get("name")
        if name:
            return f"“{shorten(_one_line(str(name)), 150)}”"
        shown = ", ".join(f"{_words(str(k))} {_plain_value(v)}" for k, v in value.items())
        return shorten(_one_line(shown), 150)
    if isinstance(value, list):
        return _count(len(value), "item")
    return shorten(_one_line(str(value)), 150)


def _plain_value(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return _count(len(value), "item") if isinstance(value, list) else "…"
    return shorten(_one_line(str(value).replace("_", " ")), 150)


def _change_blocks(lines: list[str], room: int) -> list[dict[str, Any]]:
    """The lines as mrkdwn sections of at most 3000 characters, in at most ``room`` blocks."""
    texts: list[str] = []
    current = ""
    for line in (escape(shorten(ln, 1500)) for ln in lines):
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    if len(texts) > room:
        texts = [*texts[: room - 1], "…and more changes than a message can show"]
    return [section_block(t) for t in texts]


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(text),
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _words(name: str) -> str:
    return name.replace("_", " ").replace(".", " ")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _one_line(text: str, limit: int | None = None) -> str:
    flat = " ".join(text.split())
    return shorten(flat, limit) if limit else flat

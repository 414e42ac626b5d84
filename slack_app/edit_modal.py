"""The Slack modal in which a person edits what ChaSen proposed before it is written.

One list item (or an object section's fields) becomes one input per field, pre-filled with the
proposed values and hinted with the field's type from the section's schema; anything else is
edited as JSON. Reading a submitted modal back is in :mod:`slack_app.edit_values`.
"""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, RootModel

from agent.runner import PendingDecision
from core.errors import ValidationError
from planning.diff import json_diff
from planning.sections import SECTION_MODELS

EDIT_CALLBACK = "approval_edit_modal"
MAX_TEXT = 3000
"""Slack's limit on an input's initial value, a mrkdwn text and private_metadata."""

_ITEM_PATH = re.compile(r"^(?P<prefix>[A-Za-z_][\w.]*)?\[id=(?P<id>[^\]]+)\](?P<rest>.*)$")
# Recomputed on every validation, so an input for them would only mislead.
_DERIVED = frozenset({"weighted_acv", "meddpicc_total", "meddpicc_grade", "coverage"})
_LONG_FIELDS = frozenset({"description", "notes", "summary", "executive_summary", "mitigation"})
REQUIRED_FIELDS = frozenset({"title", "name"})
_ACRONYMS = {"acv": "ACV", "tcv": "TCV", "arr": "ARR", "nps": "NPS", "sla": "SLA", "fy": "FY"}


@dataclass(frozen=True)
class EditForm:
    """What the modal edits: one item, an object's fields, the whole section, or a draft."""

    mode: Literal["item", "object", "json", "draft"]
    section: str = ""
    prefix: str = ""  # the list's key inside an object section ("" for list sections)
    item_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # too long for Slack: kept as proposed


def plan_label(decision: PendingDecision) -> str:
    """The plan a decision is about, as a phrase ("the FY2026 account plan for ...")."""
    args = decision.args
    if decision.kind == "plan_draft":
        new = "" if args.get("plan_id") else " (new plan)"
        return f"the FY{args.get('fiscal_year')} {args.get('plan_type')} plan{new}"
    return str(args.get("plan_label") or "the plan")


def proposed_changes(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The diff of a section change, with what fills an empty section or list shown per item."""
    return _expanded(args.get("changes") or [])


def _expanded(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for change in changes:
        path, before, after = str(change.get("path", "")), change.get("before"), change.get("after")
        whole = path == "(section)" and isinstance(after, list | dict)
        # json_diff matches items by id only when both sides are lists; an empty side is None.
        if not before and (whole or (_id_keyed(after) and not path.endswith("]"))):
            base = "" if path == "(section)" else path
            empty: Any = [] if isinstance(after, list) else {}
            inner = [c for c in json_diff(empty, after, base) if c["before"] != c["after"]]
            found += _expanded(inner) if inner != [change] else inner
        else:
            found.append(change)
    return found


def _id_keyed(value: Any) -> bool:
    return (
        bool(value)
        and isinstance(value, list)
        and all(isinstance(i, dict) and "id" in i for i in value)
    )


def editable(decision: PendingDecision) -> bool:
    """True when the decision can be edited in Slack (an Edit button makes sense)."""
    if decision.kind == "section_change":
        form = edit_form(decision)
        return form.mode != "json" or _fits(decision.args.get("after"))
    if decision.kind == "plan_draft":
        return bool(edit_form(decision).fields)
    return False


def edit_view(decision: PendingDecision, metadata: str) -> dict[str, Any]:
    """The modal view that edits ``decision``, pre-filled with what ChaSen proposed."""
    if len(metadata) > MAX_TEXT:
        raise ValidationError("private_metadata is longer than Slack allows (3000 characters)")
    if not editable(decision) and decision.kind != "section_change":
        raise ValidationError("this decision cannot be edited; accept or reject it")
    form = edit_form(decision)
    label = plan_label(decision)
    blocks: list[dict[str, Any]] = []
    if form.mode == "draft":
        blocks.append(_note(f"Editing ChaSen's draft of {label}. Each section is JSON."))
        for name, data in form.fields.items():
            blocks.append(_input(f"section:{name}", _human(name), _json_text(data), True, True))
        if form.kept:
            kept = ", ".join(_human(n) for n in form.kept)
            blocks.append(_note(f"Too large to edit here, kept as proposed: {kept}."))
    elif form.mode == "json":
        after = decision.args.get("after")
        if not _fits(after):
            raise ValidationError(
                f"the {form.section} section is too large to edit in Slack; "
                "edit it in the planning dashboard"
            )
        blocks.append(_note(f"Editing the {form.section} section of {label} as JSON."))
        blocks.append(_input("json", _human(form.section), _json_text(after), True, True))
    else:
        blocks.append(_note(_what(form, decision.args.get("after"), label)))
        for name, value in form.fields.items():
            required = form.mode == "item" and name in REQUIRED_FIELDS
            multiline = (
                isinstance(value, dict | list)
                or name in _LONG_FIELDS
                or (isinstance(value, str) and len(value) > 80)
            )
            hint = _hint(field_annotation(form, name), value)
            blocks.append(
                _input(f"field:{name}", _human(name), _text_of(value), multiline, required, hint)
            )
        if form.kept:
            kept = ", ".join(_human(n) for n in form.kept)
            blocks.append(_note(f"Too long to edit here, kept as proposed: {kept}."))
    title = "Edit ChaSen's draft" if form.mode == "draft" else "Edit ChaSen's change"
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": metadata,
        "title": _plain(title),
        "submit": _plain("Apply"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def edit_form(decision: PendingDecision) -> EditForm:
    args = decision.args
    if decision.kind == "plan_draft":
        sections = args.get("sections") or {}
        changed = [n for n, count in (args.get("changes") or {}).items() if count and n in sections]
        fits = {n: sections[n] for n in changed if _fits(sections[n])}
        return EditForm("draft", fields=fits, kept=[n for n in changed if n not in fits])
    section = str(args.get("section") or "")
    after = args.get("after")
    target = _single_item(proposed_changes(args))
    if target is not None:
        prefix, item_id = target
        items, index = locate_item(after, prefix, item_id)
        if items is not None and index is not None:
            return _split(EditForm("item", section, prefix, item_id), items[index])
    if isinstance(after, dict):
        return _split(EditForm("object", section), after)
    return EditForm("json", section)


def _split(form: EditForm, values: dict[str, Any]) -> EditForm:
    """Keep the fields that fit in an input; the rest stay as proposed."""
    for name, value in values.items():
        if name == "id" or name in _DERIVED:
            continue
        text = _text_of(value)
        if text is not None and len(text) > MAX_TEXT:
            form.kept.append(name)
        else:
            form.fields[name] = value
    return form


def _single_item(changes: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(list key, item id) when every change is inside one list item."""
    targets = set()
    for change in changes:
        match = _ITEM_PATH.match(str(change.get("path", "")))
        if match is None:
            return None
        targets.add((match["prefix"] or "", match["id"]))
    return targets.pop() if len(targets) == 1 else None


def locate_item(
    container: Any, prefix: str, item_id: str | None
) -> tuple[list[Any] | None, int | None]:
    """The list holding the item, and the item's index in it."""
    node = container
    for key in prefix.split(".") if prefix else []:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return None, None
    for index, item in enumerate(node):
        if isinstance(item, dict) and item.get("id") == item_id:
            return node, index
    return node, None


def find_item(container: Any, prefix: str, item_id: str | None) -> dict[str, Any] | None:
    """The item with ``item_id`` in the list at ``prefix`` of ``container``, if it is there."""
    items, index = locate_item(container, prefix, item_id)
    return items[index] if items is not None and index is not None else None


def value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict | list):
        return "json"
    return "text"


def annotation_kind(annotation: Any) -> str:
    """The input kind of a schema field: bool, int, number, text, json (or "" if unknown)."""
    base = _unwrap(annotation)
    if base is None:
        return ""
    if get_origin(base) is Literal:
        return "text"
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base in (float, Decimal):
        return "number"
    if get_origin(base) in (list, dict) or (isinstance(base, type) and issubclass(base, BaseModel)):
        return "json"
    return "text"


def _unwrap(annotation: Any) -> Any:
    """The field's type without Optional and Annotated."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return None
            annotation = rest[0]
        else:
            return annotation


def field_annotation(form: EditForm, name: str) -> Any:
    """The schema's annotation of field ``name`` of the form's item or object."""
    model: Any = SECTION_MODELS.get(form.section)
    path = [p for p in form.prefix.split(".") if p] if form.mode == "item" else []
    if form.mode == "item" and model is not None and issubclass(model, RootModel):
        path = ["root"]
    for key in path:
        fields = (
            model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else {}
        )
        info = fields.get(key)
        inner = _unwrap(info.annotation) if info is not None else None
        model = get_args(inner)[0] if get_origin(inner) is list else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    info = model.model_fields.get(name)
    return info.annotation if info is not None else None


def _hint(annotation: Any, value: Any) -> str | None:
    base = _unwrap(annotation)
    if get_origin(base) is Literal:
        return "One of: " + ", ".join(str(a) for a in get_args(base))
    kind = value_kind(value) if value is not None else annotation_kind(annotation)
    if kind == "bool":
        return "yes or no"
    if kind == "json":
        return "JSON"
    if getattr(base, "__name__", "") == "date":
        return "A date: YYYY-MM-DD"
    return None


def _what(form: EditForm, after: Any, label: str) -> str:
    if form.mode == "object":
        return f"Editing the {form.section} section of {label}."
    item = find_item(after, form.prefix, form.item_id) or {}
    name = item.get("title") or item.get("name") or form.item_id
    where = f"{form.section} section" + (f" ({_human(form.prefix).lower()})" if form.prefix else "")
    return f"Editing “{name}” in the {where} of {label}. Empty inputs clear a field."


def _text_of(value: Any) -> str | None:
    """A proposed value as an input's text (None: no initial value)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return _json_text(value)
    return str(value)


def _json_text(value: Any) -> str:
    pretty = json.dumps(value, indent=1, ensure_ascii=False)
    return pretty if len(pretty) <= MAX_TEXT else json.dumps(value, ensure_ascii=False)


def _fits(value: Any) -> bool:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) <= MAX_TEXT


def _input(
    block_id: str,
    label: str,
    initial: str | None,
    multiline: bool,
    required: bool,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial is not None:
        element["initial_value"] = initial
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": not required,
        "label": _plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = _plain(hint[:2000])
    return block


def _note(text: str) -> dict[str, Any]:
    # plain_text: names from the plan need no mrkdwn escaping here.
    return {"type": "context", "elements": [{"type": "plain_text", "text": text[:MAX_TEXT]}]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _human(name: str) -> str:
    """A field or section name for people: ``due_date`` -> "Due date"."""
    words = [_ACRONYMS.get(w, w) for w in re.split(r"[_.]+", name) if w]
    text = " ".join(words)
    return (text[:1].upper() + text[1:])[:2000] or name

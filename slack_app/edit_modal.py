"""The Slack modal in which a person edits what ChaSen proposed before it is written.

One list item (or an object section's fields) becomes one input per field, pre-filled with the
proposed values; anything else is edited as JSON. Submitted text is turned back into the
proposed types and checked against the section's schema, each problem shown under its field.
"""

from __future__ import annotations

import copy
import json
import re
import types
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, RootModel

from agent.runner import PendingDecision
from core.errors import ValidationError
from planning.diff import json_diff
from planning.sections import SECTION_MODELS, validate_section

EDIT_CALLBACK = "approval_edit_modal"
MAX_TEXT = 3000
"""Slack's limit on an input's initial value, a mrkdwn text and private_metadata."""

_ITEM_PATH = re.compile(r"^(?P<prefix>[A-Za-z_][\w.]*)?\[id=(?P<id>[^\]]+)\](?P<rest>.*)$")
# Recomputed on every validation, so an input for them would only mislead.
_DERIVED = frozenset({"weighted_acv", "meddpicc_total", "meddpicc_grade", "coverage"})
_LONG_FIELDS = frozenset({"description", "notes", "summary", "executive_summary", "mitigation"})
_REQUIRED = frozenset({"title", "name"})
_ACRONYMS = {"acv": "ACV", "tcv": "TCV", "arr": "ARR", "nps": "NPS", "sla": "SLA", "fy": "FY"}


class FormErrors(ValidationError):  # noqa: N818 (named by its callers)
    """Problems with a submitted modal: ``errors`` maps each input's block_id to a message."""

    code = "invalid_form"

    def __init__(self, errors: dict[str, str]) -> None:
        summary = "; ".join(f"{block}: {message}" for block, message in errors.items())
        problems = [{"path": block, "message": message} for block, message in errors.items()]
        super().__init__(f"The edit has problems: {summary}", errors=problems)
        self.errors = errors


class _InputError(Exception):
    """One input's text that cannot become its field's value."""


@dataclass(frozen=True)
class _Form:
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
        form = _form(decision)
        return form.mode != "json" or _fits(decision.args.get("after"))
    if decision.kind == "plan_draft":
        return bool(_form(decision).fields)
    return False


def edit_view(decision: PendingDecision, metadata: str) -> dict[str, Any]:
    """The modal view that edits ``decision``, pre-filled with what ChaSen proposed."""
    if len(metadata) > MAX_TEXT:
        raise ValidationError("private_metadata is longer than Slack allows (3000 characters)")
    if not editable(decision) and decision.kind != "section_change":
        raise ValidationError("this decision cannot be edited; accept or reject it")
    form = _form(decision)
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
            required = form.mode == "item" and name in _REQUIRED
            multiline = (
                isinstance(value, dict | list)
                or name in _LONG_FIELDS
                or (isinstance(value, str) and len(value) > 80)
            )
            hint = _hint(_annotation(form, name), value)
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


def edited_args(decision: PendingDecision, values: dict[str, Any]) -> dict[str, Any]:
    """The edit's args from a submitted modal's ``view.state.values``; FormErrors if invalid.

    A section change gives ``{"after": section}``; a plan draft ``{"sections": {name: data}}``.
    """
    form = _form(decision)
    if form.mode == "draft":
        return {"sections": _edited_sections(form, values)}
    if form.mode == "json":
        try:
            after = _json(_submitted(values, "json")[1])
        except _InputError as exc:
            raise FormErrors({"json": str(exc)}) from None
        return {"after": _validated(form, after, {"json"}, None)}
    edits: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, proposed in form.fields.items():
        block = f"field:{name}"
        present, text = _submitted(values, block)
        if not present:
            continue
        if form.mode == "item" and name in _REQUIRED and not (text or "").strip():
            errors[block] = "is required"
            continue
        try:
            edits[name] = _convert(text, proposed, _annotation(form, name))
        except _InputError as exc:
            errors[block] = str(exc)
    if errors:
        raise FormErrors(errors)
    after = copy.deepcopy(decision.args.get("after"))
    index = None
    if form.mode == "item":
        items, index = _locate(after, form.prefix, form.item_id)
        assert items is not None and index is not None
        # Edited in place: the item keeps its id and its position in the list.
        items[index] = {**items[index], **edits, "id": form.item_id}
    else:
        after = {**(after or {}), **edits}
    blocks = {f"field:{name}" for name in form.fields}
    return {"after": _validated(form, after, blocks, index)}


def _edited_sections(form: _Form, values: dict[str, Any]) -> dict[str, Any]:
    """Each draft section in the form, parsed and validated."""
    sections: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in form.fields:
        block = f"section:{name}"
        present, text = _submitted(values, block)
        if not present:
            continue
        try:
            sections[name] = validate_section(name, _json(text))
        except _InputError as exc:
            errors[block] = str(exc)
        except ValidationError as exc:
            errors[block] = _clip("; ".join(_problems(exc)))
    if errors:
        raise FormErrors(errors)
    return sections


def _form(decision: PendingDecision) -> _Form:
    args = decision.args
    if decision.kind == "plan_draft":
        sections = args.get("sections") or {}
        changed = [n for n, count in (args.get("changes") or {}).items() if count and n in sections]
        fits = {n: sections[n] for n in changed if _fits(sections[n])}
        return _Form("draft", fields=fits, kept=[n for n in changed if n not in fits])
    section = str(args.get("section") or "")
    after = args.get("after")
    target = _single_item(proposed_changes(args))
    if target is not None:
        prefix, item_id = target
        items, index = _locate(after, prefix, item_id)
        if items is not None and index is not None:
            return _split(_Form("item", section, prefix, item_id), items[index])
    if isinstance(after, dict):
        return _split(_Form("object", section), after)
    return _Form("json", section)


def _split(form: _Form, values: dict[str, Any]) -> _Form:
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


def _locate(
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


def _validated(form: _Form, after: Any, blocks: set[str], index: int | None) -> Any:
    """``after`` checked by the section's schema; each problem under its field's input."""
    try:
        return validate_section(form.section, after)
    except ValidationError as exc:
        problems = exc.details.get("errors") or [{"path": "(root)", "message": exc.message}]
    # A problem no input owns (a whole-section rule) is shown under the first input.
    first = f"field:{next(iter(form.fields))}" if form.mode != "json" and form.fields else "json"
    anchor = [*(form.prefix.split(".") if form.prefix else []), str(index)]
    errors: dict[str, list[str]] = {}
    for problem in problems:
        parts = str(problem.get("path", "")).split(".")
        message = str(problem.get("message", "is not valid")).removeprefix("Value error, ")
        if form.mode == "item" and parts[: len(anchor)] == anchor and len(parts) > len(anchor):
            parts = parts[len(anchor) :]
        elif form.mode != "object":
            parts = ["(root)", *parts]
        block = f"field:{parts[0]}"
        if block not in blocks:
            block = first
            parts = ["(root)", *parts]
        where = ".".join(p for p in parts[1:] if p != "(root)")
        errors.setdefault(block, []).append(f"{where}: {message}" if where else message)
    raise FormErrors({block: _clip("; ".join(msgs)) for block, msgs in errors.items()})


def _problems(exc: ValidationError) -> list[str]:
    problems = exc.details.get("errors") or [{"path": "(root)", "message": exc.message}]
    return [
        f"{p['path']}: {p['message']}" if p.get("path") not in (None, "(root)") else p["message"]
        for p in problems
    ]


def _convert(text: str | None, proposed: Any, annotation: Any) -> Any:
    """The submitted text as the proposed value's type (or the field's, for an empty one)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    kind = _kind_of_value(proposed) if proposed is not None else _kind(annotation)
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("yes", "true", "y"):
            return True
        if lowered in ("no", "false", "n"):
            return False
        raise _InputError("must be yes or no")
    if kind in ("int", "number"):
        return _number(text, whole=kind == "int")
    if kind == "json":
        return _json(text)
    if kind == "text":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _number(text: str, *, whole: bool) -> int | float:
    cleaned = text.replace(",", "").replace(" ", "").removeprefix("$").removesuffix("%")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _InputError("must be a number") from None
    if not value.is_finite():
        raise _InputError("must be a number")
    if whole:
        if value != value.to_integral_value():
            raise _InputError("must be a whole number")
        return int(value)
    return float(value)


def _json(text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _InputError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


def _kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict | list):
        return "json"
    return "text"


def _kind(annotation: Any) -> str:
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


def _annotation(form: _Form, name: str) -> Any:
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
    kind = _kind_of_value(value) if value is not None else _kind(annotation)
    if kind == "bool":
        return "yes or no"
    if kind == "json":
        return "JSON"
    if getattr(base, "__name__", "") == "date":
        return "A date: YYYY-MM-DD"
    return None


def _what(form: _Form, after: Any, label: str) -> str:
    if form.mode == "object":
        return f"Editing the {form.section} section of {label}."
    items, index = _locate(after, form.prefix, form.item_id)
    item = items[index] if items is not None and index is not None else {}
    name = item.get("title") or item.get("name") or form.item_id
    where = f"{form.section} section" + (f" ({_human(form.prefix).lower()})" if form.prefix else "")
    return f"Editing “{name}” in the {where} of {label}. Empty inputs clear a field."


def _submitted(values: dict[str, Any], block: str) -> tuple[bool, str | None]:
    """Whether the block was in the submitted form, and its text."""
    entry = values.get(block)
    if not isinstance(entry, dict) or not entry:
        return False, None
    action = entry.get("value")
    if not isinstance(action, dict):
        action = next(iter(entry.values()))
    value = action.get("value") if isinstance(action, dict) else None
    return True, value if isinstance(value, str) else None


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


def _clip(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Reading a submitted edit modal back into the args of an edit.

Each input's text is turned back into the proposed value's type (or the schema field's, for an
empty one) and the result checked against the section's schema; every problem is mapped to the
input it belongs under, as :class:`FormErrors`.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from agent.runner import PendingDecision
from core.errors import ValidationError
from planning.sections import validate_section
from slack_app.blocks import shorten
from slack_app.edit_modal import (
    REQUIRED_FIELDS,
    EditForm,
    annotation_kind,
    edit_form,
    field_annotation,
    locate_item,
    value_kind,
)


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


def edited_args(decision: PendingDecision, values: dict[str, Any]) -> dict[str, Any]:
    """The edit's args from a submitted modal's ``view.state.values``; FormErrors if invalid.

    A section change gives ``{"after": section}``; a plan draft ``{"sections": {name: data}}``.
    """
    form = edit_form(decision)
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
        if form.mode == "item" and name in REQUIRED_FIELDS and not (text or "").strip():
            errors[block] = "is required"
            continue
        try:
            edits[name] = _convert(text, proposed, field_annotation(form, name))
        except _InputError as exc:
            errors[block] = str(exc)
    if errors:
        raise FormErrors(errors)
    after = copy.deepcopy(decision.args.get("after"))
    index = None
    if form.mode == "item":
        items, index = locate_item(after, form.prefix, form.item_id)
        assert items is not None and index is not None
        # Edited in place: the item keeps its id and its position in the list.
        items[index] = {**items[index], **edits, "id": form.item_id}
    else:
        after = {**(after or {}), **edits}
    blocks = {f"field:{name}" for name in form.fields}
    return {"after": _validated(form, after, blocks, index)}


def _edited_sections(form: EditForm, values: dict[str, Any]) -> dict[str, Any]:
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
            errors[block] = shorten("; ".join(_problems(exc)), 150)
    if errors:
        raise FormErrors(errors)
    return sections


def _validated(form: EditForm, after: Any, blocks: set[str], index: int | None) -> Any:
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
    raise FormErrors({block: shorten("; ".join(msgs), 150) for block, msgs in errors.items()})


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
    kind = value_kind(proposed) if proposed is not None else annotation_kind(annotation)
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

"""A readable diff of JSON section data for the activity log: one change per path."""

from __future__ import annotations

from typing import Any


def json_diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Changes from ``before`` to ``after``: ``{"path", "op", "before", "after"}`` each.

    Lists of objects with an ``id`` are matched by id, so reordering is not a change and an
    edit to one item is reported at ``[id=...]``; other lists compare by position.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(before.keys() | after.keys()):
            sub = f"{path}.{key}" if path else key
            changes += _pair(before.get(key), after.get(key), sub, key in before, key in after)
        return changes
    if _id_keyed(before) and _id_keyed(after):
        old = {item["id"]: item for item in before}
        new = {item["id"]: item for item in after}
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}[id={key}]"
            changes += _pair(old.get(key), new.get(key), sub, key in old, key in new)
        return changes
    if before == after:
        return []
    return [{"path": path or "(section)", "op": "replace", "before": before, "after": after}]


def _pair(old: Any, new: Any, path: str, had: bool, has: bool) -> list[dict[str, Any]]:
    if had and not has:
        return [{"path": path, "op": "remove", "before": old, "after": None}]
    if has and not had:
        return [{"path": path, "op": "add", "before": None, "after": new}]
    return json_diff(old, new, path)


def _id_keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value)

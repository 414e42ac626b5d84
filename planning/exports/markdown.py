"""A plan's outline (:mod:`planning.exports.outline`) as Markdown."""

from __future__ import annotations

import re
from datetime import date

from planning.exports.outline import (
    NOT_FILLED,
    Block,
    Empty,
    Facts,
    Heading,
    Prose,
    plan_outline,
)
from planning.records import PlanRecord

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def escape(value: str) -> str:
    """User text made literal in Markdown (pipes too, so it can sit in a table cell)."""
    return _SPECIAL.sub(r"\\\1", value)


def plan_markdown(plan: PlanRecord, *, generated: date | None = None) -> str:
    """The whole plan as Markdown: title, owner, status, version, completion, then the five
    steps with every section (tables for lists; "Not filled in yet" for empty ones)."""
    return outline_markdown(plan_outline(plan, generated or date.today()))


def outline_markdown(blocks: list[Block]) -> str:
    """An outline as Markdown, ending with one newline."""
    parts = [_markdown_block(block) for block in blocks]
    return "\n\n".join(parts).rstrip() + "\n"


def _markdown_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {escape(block.text)}"
    if isinstance(block, Facts):
        return "\n".join(f"- **{escape(k)}:** {escape(v)}" for k, v in block.items)
    if isinstance(block, Prose):
        return "\n\n".join(_paragraph(p) for p in block.paragraphs())
    if isinstance(block, Empty):
        return f"_{escape(block.text)}_"
    if not block.rows:
        return f"_{NOT_FILLED}_"
    lines = [
        _row(block.columns),
        "|" + "|".join(" --- " for _ in block.columns) + "|",
        *(_row(r) for r in block.rows),
    ]
    return "\n".join(lines)


def _paragraph(value: str) -> str:
    line = escape(" ".join(value.split()))
    # A paragraph starting like a list item ("- ", "+ ", "1. ") stays a paragraph.
    line = re.sub(r"^(\d+)([.)])", r"\1\\\2", line)
    return "\\" + line if line[:1] in ("-", "+") else line


def _row(cells: tuple[str, ...]) -> str:
    # A newline in a cell separates heading and detail: a line break inside the cell.
    rendered = ("<br>".join(escape(line) for line in cell.split("\n")) for cell in cells)
    return "| " + " | ".join(rendered) + " |"

"""A plan as a PDF: the outline the Markdown export renders, laid out on A4 pages."""

from __future__ import annotations

import re
from datetime import date

from planning.exports import pdf
from planning.exports.outline import (
    NOT_FILLED,
    Block,
    Empty,
    Facts,
    Heading,
    Prose,
    Table,
    plan_outline,
    plan_title,
)
from planning.records import PlanRecord

# A cell that is a figure (money, percent, ratio, count) or a dash: right-aligned.
_FIGURE = re.compile(r"^(-|[-$]?[\d,.]+(%|x)?)$")
_HEADING_STYLES = {1: "title", 2: "h2", 3: "h3", 4: "h4"}


def plan_pdf(plan: PlanRecord, *, generated: date | None = None) -> bytes:
    """The whole plan as an A4 PDF: the plan's title in every page's header, the page number
    and the day it was generated in the footer, the five steps with every section."""
    day = generated or date.today()
    blocks = plan_outline(plan, day)
    story = []
    for block, after in zip(blocks, [*blocks[1:], None], strict=True):
        flowables = _flowables(block)
        if isinstance(block, Facts) and isinstance(after, Table):
            # A section's figures stay on the page of the table they sum up.
            flowables[-1].keepWithNext = True
        story += flowables
    return pdf.build(story, title=plan_title(plan), generated=day, subject="Strategic plan")


def _flowables(block: Block) -> list[pdf.Flowable]:
    if isinstance(block, Heading):
        return [pdf.para(block.text, _HEADING_STYLES.get(block.level, "h4"))]
    if isinstance(block, Facts):
        return [pdf.facts(block.items)]
    if isinstance(block, Prose):
        return [pdf.para(" ".join(p.split())) for p in block.paragraphs()]
    if isinstance(block, Empty):
        return [pdf.para(block.text, "muted")]
    if not block.rows:
        return [pdf.para(NOT_FILLED, "muted")]
    return [
        pdf.table(
            block.columns,
            block.rows,
            block.widths,
            bold_first_column=True,
            numeric=_figure_columns(block),
        )
    ]


def _figure_columns(block: Table) -> list[int]:
    """Columns whose every cell is a figure: aligned right so digits line up."""
    return [
        i
        for i in range(len(block.columns))
        if any(row[i] != "-" for row in block.rows)
        and all(_FIGURE.match(row[i]) for row in block.rows)
    ]

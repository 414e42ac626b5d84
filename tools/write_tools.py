"""The tools that propose changes. They write nothing: each returns a proposal (its artifact)
that the graph puts before a person, and only an accepted proposal is applied."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from core.errors import ChaSenError
from planning import proposals
from planning.proposals import Operation, StatusAction
from tools.context import ToolContext
from tools.results import error_text, invalid_arguments

WRITE_TOOL_NAMES = ("propose_section_change", "propose_status_change")


class SectionChangeArgs(BaseModel):
    """Arguments of propose_section_change."""

    plan_id: str = Field(description="The plan's id (from find_plans or read_plan).")
    section: str = Field(
        description="portfolio, snapshot, targets, stakeholders, opportunities, risks, "
        "actions or value."
    )
    operation: Operation = Field(
        description="add_item / update_item / remove_item for list sections; set_fields for "
        "snapshot, targets or value; replace to give the whole section."
    )
    item: dict[str, Any] | None = Field(
        default=None,
        description="add_item: the new item; update_item: only the fields to change. An "
        "action needs title, owner and due_date (YYYY-MM-DD).",
    )
    item_id: str | None = Field(
        default=None, description="The id of the item to update or remove (read_section)."
    )
    data: Any = Field(default=None, description="set_fields: the fields; replace: the section.")


class StatusChangeArgs(BaseModel):
    """Arguments of propose_status_change."""

    plan_id: str = Field(description="The plan's id.")
    action: StatusAction = Field(
        description="submit (for review), request_changes or approve (managers only)."
    )


def write_tools(ctx: ToolContext) -> list[BaseTool]:
    """The proposing tools, acting for ``ctx.person``."""

    def propose_section_change(
        plan_id: str,
        section: str,
        operation: Operation,
        item: dict[str, Any] | None = None,
        item_id: str | None = None,
        data: Any = None,
    ) -> tuple[str, dict[str, Any] | None]:
        try:
            with ctx.reading() as session:
                proposal = proposals.propose_section_change(
                    session, ctx.person, plan_id, section, operation,
                    item=item, item_id=item_id, data=data,
                )  # fmt: skip
        except ChaSenError as error:
            return error_text(error), None
        return _proposed(proposal)

    def propose_status_change(
        plan_id: str, action: StatusAction
    ) -> tuple[str, dict[str, Any] | None]:
        try:
            with ctx.reading() as session:
                proposal = proposals.propose_status_change(session, ctx.person, plan_id, action)
        except ChaSenError as error:
            return error_text(error), None
        return _proposed(proposal)

    return [
        StructuredTool.from_function(
            func=propose_section_change,
            name="propose_section_change",
            description="Propose a change to one section of a plan (add, change or remove an "
            "item, or set fields). Nothing is written until a person accepts it.",
            args_schema=SectionChangeArgs,
            response_format="content_and_artifact",
            handle_validation_error=lambda e: invalid_arguments("propose_section_change", e),
        ),
        StructuredTool.from_function(
            func=propose_status_change,
            name="propose_status_change",
            description="Propose a plan workflow move: submit for review, request changes, or "
            "approve. A person decides; nobody approves their own plan.",
            args_schema=StatusChangeArgs,
            response_format="content_and_artifact",
            handle_validation_error=lambda e: invalid_arguments("propose_status_change", e),
        ),
    ]


def _proposed(proposal: proposals.Proposal) -> tuple[str, dict[str, Any]]:
    text = f"Proposed, waiting for a person's approval: {proposal.summary}"
    return text, proposal.model_dump(mode="json")

"""The agent's read tools, bound to the person they act for.

Each tool is a plain function ``(ctx, **arguments) -> str`` with a pydantic argument model; its
docstring is the description the model reads, so it says when to use the tool. Binding closes
over the :class:`ToolContext`, so the model can never choose whose permissions a tool uses.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel

from tools import meeting_tools, performance_tools, plan_tools, portfolio_tools
from tools.context import ToolContext
from tools.results import invalid_arguments

ToolFunction = Callable[..., str]


@dataclass(frozen=True)
class ReadTool:
    """A read tool before binding: its function (named as the tool) and argument model."""

    func: ToolFunction
    args: type[BaseModel]

    @property
    def name(self) -> str:
        """The tool's name: its function's."""
        return self.func.__name__

    @property
    def description(self) -> str:
        """What the model is told about the tool: its function's docstring, unwrapped."""
        return " ".join((inspect.getdoc(self.func) or self.name).split())


READ_TOOLS: tuple[ReadTool, ...] = (
    ReadTool(plan_tools.read_plan, plan_tools.ReadPlanArgs),
    ReadTool(plan_tools.read_section, plan_tools.ReadSectionArgs),
    ReadTool(plan_tools.read_comments, plan_tools.ReadCommentsArgs),
    ReadTool(plan_tools.find_plans, plan_tools.FindPlansArgs),
    ReadTool(portfolio_tools.portfolio, portfolio_tools.PortfolioArgs),
    ReadTool(portfolio_tools.client_snapshot, portfolio_tools.ClientArgs),
    ReadTool(portfolio_tools.targets_and_coverage, portfolio_tools.TargetsArgs),
    ReadTool(portfolio_tools.opportunities, portfolio_tools.OpportunitiesArgs),
    ReadTool(meeting_tools.search_transcripts, meeting_tools.SearchTranscriptsArgs),
    ReadTool(meeting_tools.list_stakeholders, meeting_tools.StakeholdersArgs),
    ReadTool(portfolio_tools.churn_risk, portfolio_tools.ChurnRiskArgs),
    ReadTool(portfolio_tools.suggest_actions, portfolio_tools.ClientArgs),
    ReadTool(performance_tools.performance_summary, performance_tools.PerformanceArgs),
    ReadTool(performance_tools.gap_to_target, performance_tools.GapArgs),
)

READ_TOOL_NAMES: tuple[str, ...] = tuple(tool.name for tool in READ_TOOLS)


def read_tools(ctx: ToolContext) -> list[BaseTool]:
    """Every read tool, acting with ``ctx.person``'s permissions."""
    return [bind(tool, ctx) for tool in READ_TOOLS]


def bind(tool: ReadTool, ctx: ToolContext) -> BaseTool:
    """``tool`` as a LangChain tool over ``ctx``; arguments that fail validation come back as
    an error result, as domain errors do, instead of failing the run."""

    def call(**arguments: Any) -> str:
        return tool.func(ctx, **arguments)

    return StructuredTool.from_function(
        func=call,
        name=tool.name,
        description=tool.description,
        args_schema=tool.args,
        handle_validation_error=lambda error: invalid_arguments(tool.name, error),
    )

"""``chasen plans``: list plans and show one."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from cli.options import JsonFlag
from cli.output import print_json, print_table
from cli.render import print_plan
from cli.session import unit_of_work
from planning.plan_repository import PlanFilters
from planning.service import PlanService

app = typer.Typer(help="Strategic account and territory plans.", no_args_is_help=True)


@app.command("list")
def list_plans(
    plan_type: Annotated[
        str | None, typer.Option("--type", help="territory, account, hybrid.")
    ] = None,
    fiscal_year: Annotated[int | None, typer.Option(help="e.g. 2026.")] = None,
    status: Annotated[
        str | None, typer.Option(help="draft, in_review, approved, archived.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Primary owner's name.")] = None,
    territory: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List plans, most recently updated first."""
    filters = PlanFilters(
        plan_type=plan_type,
        fiscal_year=fiscal_year,
        status=status,
        owner=owner,
        territory=territory,
    )
    with unit_of_work() as session:
        plans = PlanService(session).list_plans(filters, limit)
    if as_json:
        print_json([p.model_dump(mode="json") for p in plans])
        return
    print_table(
        "Plans",
        ["id", "type", "FY", "owner", "territory / client", "status", "done", "v"],
        [
            [
                p.id,
                p.plan_type,
                p.fiscal_year,
                p.primary_owner,
                p.client_name or p.territory,
                p.status,
                f"{p.completion_percentage}%",
                p.version,
            ]
            for p in plans
        ],
    )


@app.command()
def show(
    plan_id: Annotated[uuid.UUID, typer.Argument(help="The plan's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one plan with its sections."""
    with unit_of_work() as session:
        plan = PlanService(session).get_plan(plan_id)
    if as_json:
        print_json(plan.model_dump(mode="json"))
    else:
        print_plan(plan)

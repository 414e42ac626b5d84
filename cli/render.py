"""A readable summary of a plan in the terminal (rich)."""

from __future__ import annotations

from typing import Any

from rich.panel import Panel

from cli.output import console, money, print_table
from planning.completion import STEPS
from planning.records import PlanRecord


def print_plan(plan: PlanRecord) -> None:
    """Header, progress, snapshot, targets, opportunities, risks and actions of a plan."""
    subject = plan.client_name or plan.territory
    done = plan.steps_completed or {}
    steps = " ".join(
        f"[green]✔ {name}[/green]" if done.get(name) else f"[dim]○ {name}[/dim]"
        for name, _ in STEPS
    )
    console.print(
        Panel(
            f"[bold]{(plan.plan_type or 'plan').title()} plan: {subject}[/bold]  "
            f"FY{plan.fiscal_year}\n"
            f"owner {plan.primary_owner} ({plan.primary_owner_role or '-'})  status {plan.status}  "
            f"version {plan.version}  id {plan.id}\n"
            f"{plan.completion_percentage}% complete  {steps}",
            expand=False,
        )
    )
    _snapshot(plan.sections.get("snapshot") or {})
    _targets(plan.sections.get("targets") or {})
    _opportunities(plan.sections.get("opportunities") or [])
    _portfolio(plan.sections.get("portfolio") or [])


def _snapshot(snapshot: dict[str, Any]) -> None:
    if not snapshot:
        return
    bands = snapshot.get("health_distribution") or {}
    print_table(
        "Health snapshot",
        ["ARR", "health", "NPS", "SLA %", "open P1s", "clients", "healthy / at risk / critical"],
        [
            [
                money(snapshot.get("arr")),
                snapshot.get("health_score"),
                snapshot.get("nps"),
                snapshot.get("support_sla_pct"),
                snapshot.get("open_p1s"),
                snapshot.get("client_count"),
                f"{bands.get('healthy', 0)} / {bands.get('at_risk', 0)} / "
                f"{bands.get('critical', 0)}",
            ]
        ],
    )


def _targets(targets: dict[str, Any]) -> None:
    if not targets.get("quarters") and not targets.get("pipeline_weighted_acv"):
        return
    coverage = targets.get("coverage")
    title = (
        f"FY{targets.get('fiscal_year')} targets - open weighted pipeline "
        f"{money(targets.get('pipeline_weighted_acv'))}, coverage "
        f"{'-' if coverage is None else f'{coverage:.2f}x'}"
    )
    if not targets.get("quarters"):
        console.print(title)
        return
    rows = [
        [
            f"Q{q['quarter']}",
            money(q["weighted_acv_target"]),
            money(q["weighted_acv_actual"]),
            money(q["tcv_target"]),
            money(q["tcv_actual"]),
        ]
        for q in targets.get("quarters", [])
    ]
    print_table(
        title,
        ["quarter", "weighted ACV target", "actual", "TCV target", "actual"],
        rows,
    )


def _opportunities(opportunities: list[dict[str, Any]]) -> None:
    if not opportunities:
        return
    print_table(
        "Opportunities",
        ["name", "stage", "ACV", "weighted", "MEDDPICC", "focus"],
        [
            [
                o["name"],
                o["stage"],
                money(o["acv"]),
                money(o["weighted_acv"]),
                f"{o['meddpicc_grade']} ({o['meddpicc_total']}/40)"
                if o.get("meddpicc_grade")
                else None,
                "★" if o.get("focus_deal") else "",
            ]
            for o in opportunities[:10]
        ],
    )


def _portfolio(portfolio: list[dict[str, Any]]) -> None:
    if len(portfolio) < 2:
        return
    print_table(
        "Portfolio",
        ["client", "territory", "ARR", "health", "NPS", "renewal"],
        [
            [
                c["name"],
                c.get("territory"),
                money(c.get("arr")),
                c.get("health_score"),
                c.get("nps"),
                c.get("renewal_date"),
            ]
            for c in portfolio
        ],
    )

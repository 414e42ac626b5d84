"""Section data built from the portfolio: what "fill from data" puts in a new plan.

Item ids derive from the source rows' ids, so filling a plan twice from unchanged data writes
nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.identity import Actor
from core.models import Client, CseCamTarget, MeddpiccScore, PipelineOpportunity, User
from planning import directory
from planning import portfolio_repository as repo
from planning.calculations import health_band
from planning.records import PlanRecord
from planning.service import PlanService

TOP_OPPORTUNITIES = 15


def account_sections(
    session: Session, client: Client, fiscal_year: int, today: date
) -> dict[str, Any]:
    """Portfolio, snapshot, targets and opportunities of an account plan for ``client``."""
    support = repo.latest_support(session, client.id)
    snapshot: dict[str, Any] = {
        "as_of": today.isoformat(),
        "arr": client.arr,
        "health_score": client.health_score,
        "nps": client.nps,
        "segment": client.segment,
        "support_sla_pct": client.support_sla_pct,
        "open_p1s": support.p1_open if support else None,
        "renewal_date": client.renewal_date,
        "client_count": 1,
        "health_distribution": _distribution([client]),
    }
    return {
        "portfolio": [_portfolio_item(client)],
        "snapshot": snapshot,
        "targets": {
            "fiscal_year": fiscal_year,
            "quarters": [],
            "pipeline_weighted_acv": repo.open_pipeline_total(session, client_id=client.id),
        },
        "opportunities": [
            _opportunity_item(*row) for row in repo.open_opportunities(session, client_id=client.id)
        ],
    }


def territory_sections(
    session: Session, owner: User, fiscal_year: int, today: date
) -> dict[str, Any]:
    """Portfolio, snapshot, targets and top opportunities of a CSE's territory plan."""
    clients = repo.clients_of_cse(session, owner.id)
    supports = [repo.latest_support(session, c.id) for c in clients]
    snapshot: dict[str, Any] = {
        "as_of": today.isoformat(),
        "arr": sum((c.arr for c in clients), Decimal(0)),
        "health_score": _mean([c.health_score for c in clients]),
        "nps": _mean([c.nps for c in clients]),
        "open_p1s": sum(s.p1_open for s in supports if s is not None),
        "client_count": len(clients),
        "health_distribution": _distribution(clients),
    }
    opportunities = repo.open_opportunities(session, owner_id=owner.id)[:TOP_OPPORTUNITIES]
    return {
        "portfolio": [_portfolio_item(c) for c in clients],
        "snapshot": snapshot,
        "targets": {
            "fiscal_year": fiscal_year,
            "quarters": [_quarter(t) for t in repo.targets_of(session, owner.id, fiscal_year)],
            "pipeline_weighted_acv": repo.open_pipeline_total(session, owner_id=owner.id),
        },
        "opportunities": [_opportunity_item(*row) for row in opportunities],
    }


def _portfolio_item(client: Client) -> dict[str, Any]:
    return {
        "id": client.id.hex[:12],
        "client_id": str(client.id),
        "name": client.name,
        "territory": client.territory,
        "segment": client.segment,
        "arr": client.arr,
        "health_score": client.health_score,
        "nps": client.nps,
        "renewal_date": client.renewal_date,
    }


def _opportunity_item(
    opp: PipelineOpportunity, client: Client, meddpicc: MeddpiccScore | None
) -> dict[str, Any]:
    return {
        "id": opp.id.hex[:12],
        "opportunity_id": str(opp.id),
        "name": opp.name,
        "client_name": client.name,
        "stage": opp.stage,
        "probability": opp.probability,
        "acv": opp.acv,
        "tcv": opp.tcv,
        "close_date": opp.close_date,
        "focus_deal": opp.focus_deal,
        "meddpicc": meddpicc.scores() if meddpicc else None,
    }


def _quarter(target: CseCamTarget) -> dict[str, Any]:
    return {
        "quarter": target.quarter,
        "weighted_acv_target": target.weighted_acv_target,
        "weighted_acv_actual": target.weighted_acv_actual,
        "total_acv_target": target.total_acv_target,
        "total_acv_actual": target.total_acv_actual,
        "tcv_target": target.tcv_target,
        "tcv_actual": target.tcv_actual,
    }


def _distribution(clients: Sequence[Client]) -> dict[str, int]:
    counts = {"healthy": 0, "at_risk": 0, "critical": 0, "unknown": 0}
    for client in clients:
        counts[health_band(client.health_score) or "unknown"] += 1
    return counts


def _mean(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return int((Decimal(sum(known)) / len(known)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fill_from_portfolio(
    session: Session, plan_id: uuid.UUID, actor: Actor, today: date
) -> PlanRecord:
    """Write the data sections of a plan from the portfolio, through the plan service.

    Account plans take their client's figures; territory plans their owner's (a CSE) clients,
    targets and pipeline.
    """
    service = PlanService(session)
    plan = service.get_plan(plan_id)
    if plan.client_id is not None:
        client = directory.get_client(session, plan.client_id)
        sections = account_sections(session, client, plan.fiscal_year, today)
    else:
        owner = session.get(User, plan.owner_id) if plan.owner_id else None
        if owner is None:
            raise ValidationError(
                f"Plan {plan_id} has no owner user, so there is no portfolio to fill it from"
            )
        sections = territory_sections(session, owner, plan.fiscal_year, today)
    return service.write_sections(plan_id, sections, expected_version=plan.version, actor=actor)

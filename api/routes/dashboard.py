"""The dashboard's read views: churn risk with reasons, the portfolio, targets and coverage.

Each view shows only what the caller may see (``planning.permissions``); the numbers are those
the agent's tools give, from the same domain functions (``planning.portfolio_views``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ChaSenDep, PersonDep, SessionDep
from core.models import Band
from planning import portfolio_views as views
from planning.portfolio_views import ClientRiskView, PortfolioView, RiskList, TargetsView

router = APIRouter(tags=["dashboard"])


def today_of(chasen: ChaSenDep) -> date:
    """The day views are as of: the runner's fixed day (tests, demos), else today."""
    return chasen.today or date.today()


TodayDep = Annotated[date, Depends(today_of)]
Territory = Annotated[
    str | None, Query(description="Only clients of this territory (VIC, NZ, WA, SA, Asia, Guam).")
]


@router.get("/clients/{client_id}/risk", response_model=ClientRiskView)
def client_risk(
    client_id: uuid.UUID, person: PersonDep, session: SessionDep, today: TodayDep
) -> ClientRiskView:
    """One client's churn risk with the reasons behind it; 403 outside the caller's reach."""
    return views.client_risk(session, person, client_id, today)


@router.get("/risk", response_model=RiskList)
def risk(
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    territory: Territory = None,
    band: Annotated[Band | None, Query(description="Only clients in this band.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=500, description="At most this many.")] = None,
) -> RiskList:
    """Churn risk of the clients the caller sees, riskiest first (unscored last)."""
    return views.risk_list(session, person, today, territory=territory, band=band, limit=limit)


@router.get("/portfolio", response_model=PortfolioView)
def portfolio(
    person: PersonDep, session: SessionDep, today: TodayDep, territory: Territory = None
) -> PortfolioView:
    """The clients the caller sees, riskiest first, with ARR, health, NPS, support, renewal,
    churn-risk band and open pipeline, under their totals."""
    return views.portfolio(session, person, today, territory)


@router.get("/targets", response_model=TargetsView)
def targets(
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    fiscal_year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Fiscal (calendar) year; default this.")
    ] = None,
    owner: Annotated[
        str | None, Query(description="E-mail of the person whose targets; default the caller.")
    ] = None,
) -> TargetsView:
    """Targets against actuals per quarter and for the year, open weighted pipeline and its
    coverage of what remains. CSEs and CAMs see their own, managers their region's."""
    return views.targets(session, person, owner, fiscal_year or today.year)

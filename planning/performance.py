"""Portfolio performance by region, business unit, territory, owner and client, with drill-down.

Levels: **region -> territory -> owner (CSE or CAM) -> client**, and **business_unit** (the
client's ``segment``: Enterprise, Mid-Market, Growth) beside region. A unit holds the clients
with that region, territory or segment; an owner's clients are those they are the CSE of (a
CSE) or the CAM of (a CAM).

Rules, chosen so that every figure can be computed by hand:

- **Targets belong to people.** An owner's targets are their own. At region, business unit and
  territory level, each CSE's and CAM's targets (and actuals) are split across the units by
  the share of their clients (a count) in each unit, to the cent: a CSE with 3 clients, 2 of
  them in VIC, brings 2/3 of each target and actual to VIC. Both roles are counted, each person
  once, the same way at every level, so a region equals the sum of its territories and the
  units of a level add up to the people's totals. A CSE or CAM without clients counts in full
  in their own region (and in no territory or business unit). Clients have no targets.
- **Pipeline** is the weighted ACV of open deals closing in the fiscal year (``fiscal_year``
  of the deal, as in the ``cse_performance_summary`` view): the deals an owner owns, or the
  deals on a unit's or client's clients. Coverage is that pipeline over the weighted-ACV target
  still to close (:func:`planning.calculations.coverage`; None when nothing remains).
- **BURC alignment** is by value: the share of that open weighted pipeline whose deals are
  matched to the BURC workbook (``burc_match``), in percent; None without pipeline. (The
  ``pipeline_by_cse`` view counts deals instead; value says more about what is committed.)
- **Readiness** covers meetings from today's start (UTC) through the 30 days after; a meeting
  is *ready* when its overall readiness is at least 4.00 and every item of its checklist is
  done (an empty checklist is not done). An owner's meetings are those they own.
- **At risk** in the drill-down rows counts clients whose health is below 70 (the at_risk and
  critical bands of :func:`planning.calculations.health_band`); churn risk is in the risk views.

Visibility follows :mod:`planning.permissions`: an owner when the person may see their targets
(:func:`check_targets`: themselves, a manager's region, an admin everyone); a client when they
may see it; a region, business unit or territory when they may see every client in it and the
targets of every person counted in it. Drill-down rows a person may not see are left out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core.errors import NotFoundError, PermissionDeniedError
from core.identity import Person
from planning import directory
from planning import performance_repository as repo
from planning.draft_data import money
from planning.performance_records import (
    ChildSummary,
    Contributor,
    DimensionScore,
    FocusDeal,
    Level,
    MeetingReadiness,
    Performance,
    PortfolioFigures,
    ReadinessFigures,
    TargetFigures,
)
from planning.performance_view import READINESS_WINDOW_DAYS, Access, View, weakest_dimensions

__all__ = [
    "ChildSummary",
    "Contributor",
    "DimensionScore",
    "FocusDeal",
    "Level",
    "MeetingReadiness",
    "Performance",
    "PortfolioFigures",
    "ReadinessFigures",
    "TargetFigures",
    "headline_figures",
    "natural_scope",
    "performance",
    "rollup",
    "unit_named",
    "weakest_dimensions",
]


# --- public API ------------------------------------------------------------------------------


def performance(
    session: Session, person: Person, level: Level, key: str, fiscal_year: int, today: date
) -> Performance:
    """One unit's performance: NotFoundError for an unknown key, PermissionDeniedError when
    ``person`` may not see it."""
    scope, owner = _scope(session, level, key)
    snap = repo.snapshot(session, fiscal_year, _window(today), scope, owner)
    view = View(snap, Access(session, person), fiscal_year, today)
    if level == "owner":
        key = view.snap.people[str(owner)].email
    if level == "client":
        key = view.snap.clients[0].id if view.snap.clients else key
    unit = view.unit(level, key)
    if unit is None:
        raise NotFoundError(f"no {level.replace('_', ' ')} {key!r}", level=level, key=key)
    if not view.visible(unit):
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot see {level.replace('_', ' ')} {unit.label}: "
            "it holds clients or targets outside their reach",
            level=level,
            key=key,
        )
    return view.performance(unit)


def headline_figures(unit: Performance) -> list[str]:
    """The unit's headline as short phrases: the year's weighted ACV against target with the
    gap, pipeline, coverage, and the health of its clients."""
    measure = unit.targets.year.weighted_acv if unit.targets else None
    coverage = f"{unit.coverage:.2f}x" if unit.coverage is not None else "n/a"
    health = unit.portfolio.health
    target = (
        f"weighted ACV {money(measure.actual)} of {money(measure.target)} "
        f"(gap {money(measure.gap)})"
        if measure
        else "no targets (targets are people's)"
    )
    return [
        target,
        f"pipeline {money(unit.pipeline)}",
        f"coverage {coverage}",
        f"{unit.portfolio.clients} clients: {health.healthy} healthy, {health.at_risk} at risk, "
        f"{health.critical} critical",
    ]


def natural_scope(person: Person, level: Level | None, key: str | None) -> tuple[Level, str | None]:
    """The level and key asked for, defaulting to the person's own: their owner figures for a
    CSE or CAM, their region for a manager, the list of regions for an admin."""
    if level is not None:
        return level, key
    if person.role in ("CSE", "CAM"):
        return "owner", key or person.email
    if person.role == "manager":
        return "region", key or person.region
    return "region", key


def unit_named(session: Session, name: str) -> tuple[Level, str]:
    """The unit a name typed by a person means: an e-mail is an owner; a territory, region or
    business unit (segment) in any case is that; anything else a client's name."""
    if "@" in name:
        return "owner", name.strip()
    for level in ("territory", "region", "business_unit"):
        found = repo.grouping_named(session, level, name)
        if found is not None:
            return level, found
    return "client", name.strip()


def rollup(
    session: Session, person: Person, level: Level, fiscal_year: int, today: date
) -> list[Performance]:
    """Every unit of ``level`` that ``person`` may see, by key (owners and clients by name)."""
    snap = repo.snapshot(session, fiscal_year, _window(today))
    view = View(snap, Access(session, person), fiscal_year, today)
    units = (view.unit(level, key) for key in view.keys(level))
    return [view.performance(u) for u in units if u is not None and view.visible(u)]


# --- units -----------------------------------------------------------------------------------


def _window(today: date) -> tuple[datetime, datetime]:
    start = datetime.combine(today, time.min, tzinfo=UTC)
    return start, start + timedelta(days=READINESS_WINDOW_DAYS + 1)


def _scope(
    session: Session, level: Level, key: str
) -> tuple[ColumnElement[bool], uuid.UUID | None]:
    """The clients a single unit's read needs (and the owner, at owner level)."""
    if level == "owner":
        user = directory.find_user_by_email(session, key)
        if user is None or user.role not in repo.OWNER_ROLES:
            raise NotFoundError(f"no CSE or CAM with e-mail {key}", email=key)
        return repo.owned_by(user), user.id
    if level == "client":
        return repo.with_id(directory.find_client(session, key).id), None
    return repo.in_grouping(level, key), None

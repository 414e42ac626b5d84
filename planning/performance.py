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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core.errors import NotFoundError, PermissionDeniedError
from core.identity import Person
from core.models import User
from planning import calculations, directory
from planning import performance_repository as repo
from planning.calculations import CENT
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
from planning.performance_repository import ClientRow, Id, PersonRow, Snapshot, TargetRow
from planning.permissions import check_targets, client_filter
from planning.portfolio_views import MEASURES, HealthCounts, Measure, Measures, QuarterTargets

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

READINESS_WINDOW_DAYS = 30
READY_FROM = Decimal("4.00")
LEAST_READY = 3
WEAKEST_AT_MOST = 3
ZERO = Decimal("0.00")
T = TypeVar("T")
K = TypeVar("K")


# --- public API ------------------------------------------------------------------------------


def performance(
    session: Session, person: Person, level: Level, key: str, fiscal_year: int, today: date
) -> Performance:
    """One unit's performance: NotFoundError for an unknown key, PermissionDeniedError when
    ``person`` may not see it."""
    scope, owner = _scope(session, level, key)
    snap = repo.snapshot(session, fiscal_year, _window(today), scope, owner)
    view = _View(snap, _Access(session, person), fiscal_year, today)
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
    view = _View(snap, _Access(session, person), fiscal_year, today)
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


@dataclass
class _Unit:
    level: Level
    key: str
    label: str
    clients: Sequence[ClientRow]
    shares: dict[Id, int]
    """Counted people and how many of their clients are in the unit (0: counted whole)."""
    cells: Sequence[repo.PipelineCell]
    focus: Sequence[repo.FocusDealRow]
    meetings: Sequence[repo.MeetingRow]


class _Access:
    """What the person may see, from :mod:`planning.permissions`."""

    def __init__(self, session: Session, person: Person) -> None:
        self.person = person
        self.clients = (
            None
            if person.role == "admin"
            else repo.visible_client_ids(session, client_filter(person))
        )
        self._people: dict[Id, bool] = {}

    def client(self, client_id: Id) -> bool:
        return self.clients is None or client_id in self.clients

    def targets_of(self, someone: PersonRow) -> bool:
        if someone.id not in self._people:
            owner = User(
                id=uuid.UUID(someone.id),
                name=someone.name,
                email=someone.email,
                role=someone.role,
                region=someone.region,
            )
            try:
                check_targets(self.person, owner)
                self._people[someone.id] = True
            except PermissionDeniedError:
                self._people[someone.id] = False
        return self._people[someone.id]


class _View:
    """The snapshot indexed by unit, with the access and the year it is read for."""

    def __init__(self, snap: Snapshot, access: _Access, fiscal_year: int, today: date) -> None:
        self.snap, self.access, self.fiscal_year, self.today = snap, access, fiscal_year, today
        self.by_level: dict[str, dict[str, list[ClientRow]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.of_person: dict[Id, list[ClientRow]] = defaultdict(list)
        self.counted: dict[Id, tuple[Id, ...]] = {}
        self.client_by_id = {c.id: c for c in snap.clients}
        self.person_by_email = {p.email: p for p in snap.people.values()}
        for c in snap.clients:
            self.by_level["region"][c.region].append(c)
            self.by_level["territory"][c.territory].append(c)
            if c.segment is not None:
                self.by_level["business_unit"][c.segment].append(c)
            self.counted[c.id] = owners = self._owners(c)
            for owner in owners:
                self.of_person[owner].append(c)
        self.cells_of_client = _group(snap.pipeline, lambda r: r.client_id)
        self.cells_of_owner = _group(snap.pipeline, lambda r: r.owner_id)
        self.focus_of_client = _group(snap.focus_deals, lambda r: r.client_id)
        self.focus_of_owner = _group(snap.focus_deals, lambda r: r.owner_id)
        self.meetings_of_client = _group(snap.meetings, lambda r: r.client_id)
        self.meetings_of_owner = _group(snap.meetings, lambda r: r.owner_id)
        # CSEs and CAMs without clients: counted whole in their region.
        idle = (p for p in snap.people.values() if not snap.client_counts.get(p.id))
        self.idle_of_region = _group(idle, lambda p: p.region)

    def _owners(self, c: ClientRow) -> tuple[Id, ...]:
        people = self.snap.people
        cse = (c.cse_id,) if c.cse_id in people and people[c.cse_id].role == "CSE" else ()
        cam = (c.cam_id,) if c.cam_id in people and people[c.cam_id].role == "CAM" else ()
        return (*cse, *cam)

    def keys(self, level: Level) -> list[str]:
        """Every key of the level: regions, territories, segments by name; owners by e-mail and
        clients by id, both in name order."""
        if level == "owner":
            people = sorted(self.snap.people.values(), key=lambda p: (p.name, p.email))
            return [p.email for p in people]
        if level == "client":
            return [c.id for c in sorted(self.snap.clients, key=lambda c: c.name)]
        keys = set(self.by_level[level])
        if level == "region":
            keys |= {region for region in self.idle_of_region if region}
        return sorted(keys)

    def unit(self, level: Level, key: str) -> _Unit | None:
        """The unit with this key, or None when there is none."""
        if level == "owner":
            found = self.person_by_email.get(key)
            return self._owner_unit(found) if found else None
        if level == "client":
            client = self.client_by_id.get(key)
            return self._client_unit(client) if client else None
        clients = self.by_level[level].get(key, [])
        idle = self.idle_of_region.get(key, ()) if level == "region" else ()
        if not clients and not idle:
            return None
        unit = self._aggregate(level, key, clients)
        unit.shares.update(dict.fromkeys((p.id for p in idle), 0))
        return unit

    def _aggregate(self, level: Level, key: str, clients: Sequence[ClientRow]) -> _Unit:
        shares = Counter(owner for c in clients for owner in self.counted[c.id])
        return _Unit(
            level, key, key, clients, dict(shares),
            cells=[r for c in clients for r in self.cells_of_client.get(c.id, ())],
            focus=[r for c in clients for r in self.focus_of_client.get(c.id, ())],
            meetings=[r for c in clients for r in self.meetings_of_client.get(c.id, ())],
        )  # fmt: skip

    def _owner_unit(self, p: PersonRow) -> _Unit:
        clients = self.of_person.get(p.id, [])
        return _Unit(
            "owner", p.email, f"{p.name} ({p.role})", clients,
            {p.id: self.snap.client_counts.get(p.id, 0)},
            cells=self.cells_of_owner.get(p.id, ()),
            focus=self.focus_of_owner.get(p.id, ()),
            meetings=self.meetings_of_owner.get(p.id, ()),
        )  # fmt: skip

    def _client_unit(self, c: ClientRow) -> _Unit:
        return _Unit(
            "client", c.id, c.name, [c], {},
            cells=self.cells_of_client.get(c.id, ()),
            focus=self.focus_of_client.get(c.id, ()),
            meetings=self.meetings_of_client.get(c.id, ()),
        )  # fmt: skip

    def visible(self, unit: _Unit) -> bool:
        """Whether the person may see the unit (see the module's rules)."""
        if unit.level == "owner":
            return self.access.targets_of(self.snap.people[next(iter(unit.shares))])
        if not all(self.access.client(c.id) for c in unit.clients):
            return False
        return all(self.access.targets_of(self.snap.people[p]) for p in unit.shares)

    # --- figures ---

    def performance(self, unit: _Unit) -> Performance:
        """The unit's figures."""
        targets = None if unit.level == "client" else self._targets(unit.shares)
        pipeline = sum((r.weighted_acv for r in unit.cells), ZERO)
        burc = sum((r.burc_weighted_acv for r in unit.cells), ZERO)
        year = targets.year.weighted_acv if targets else None
        return Performance(
            level=unit.level,
            key=unit.key,
            label=unit.label,
            fiscal_year=self.fiscal_year,
            as_of=self.today,
            targets=targets,
            people=self._contributors(unit.shares),
            pipeline=pipeline,
            pipeline_acv=sum((r.acv for r in unit.cells), ZERO),
            open_deals=sum(r.deals for r in unit.cells),
            remaining_weighted_acv=max(year.gap, ZERO) if year else None,
            coverage=calculations.coverage(pipeline, year.target, year.actual) if year else None,
            burc_aligned_pct=(100 * burc / pipeline).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if pipeline
            else None,
            portfolio=PortfolioFigures(
                clients=len(unit.clients),
                arr=sum((c.arr for c in unit.clients), ZERO),
                health=HealthCounts.of(c.health_score for c in unit.clients),
            ),
            focus_deals=[self._focus_deal(r) for r in unit.focus],
            readiness=self._readiness(unit.meetings),
            children=self._children(unit),
        )

    def _share(self, person_id: Id, n: int) -> tuple[int, int]:
        total = self.snap.client_counts.get(person_id, 0)
        return (1, 1) if n == 0 or total == 0 else (n, total)

    def _apportioned(self, shares: dict[Id, int]) -> Iterator[tuple[TargetRow, int, int]]:
        """Each counted person's target rows with the share (part of whole) counted."""
        for person_id, n in shares.items():
            part, whole = self._share(person_id, n)
            for row in self.snap.targets.get(person_id, []):
                yield row, part, whole

    def _targets(self, shares: dict[Id, int]) -> TargetFigures:
        sums = {q: {m: [ZERO, ZERO] for m in MEASURES} for q in range(1, 5)}
        for row, part, whole in self._apportioned(shares):
            for measure, (target, actual) in row.values.items():
                cell = sums[row.quarter][measure]
                cell[0] += _part(target, part, whole)
                cell[1] += _part(actual, part, whole)
        quarters = [
            QuarterTargets(quarter=q, **{m: _measure(*pair) for m, pair in by.items()})
            for q, by in sums.items()
        ]
        year = {
            m: _measure(
                sum((getattr(q, m).target for q in quarters), ZERO),
                sum((getattr(q, m).actual for q in quarters), ZERO),
            )
            for m in MEASURES
        }
        return TargetFigures(quarters=quarters, year=Measures(**year))

    def _weighted_year(self, shares: dict[Id, int]) -> Measure:
        """The year's weighted-ACV measure of :meth:`_targets` alone (drill-down rows are many)."""
        target = actual = ZERO
        for row, part, whole in self._apportioned(shares):
            quarter_target, quarter_actual = row.values["weighted_acv"]
            target += _part(quarter_target, part, whole)
            actual += _part(quarter_actual, part, whole)
        return _measure(target, actual)

    def _contributors(self, shares: dict[Id, int]) -> list[Contributor]:
        rows = []
        for person_id, n in shares.items():
            p = self.snap.people[person_id]
            part, whole = self._share(person_id, n)
            rows.append(
                Contributor(
                    email=p.email,
                    name=p.name,
                    role=p.role,
                    clients_in_unit=n,
                    clients_total=self.snap.client_counts.get(person_id, 0),
                    share=(Decimal(part) / whole).quantize(Decimal("0.0001"), ROUND_HALF_UP),
                )
            )
        return sorted(rows, key=lambda c: (c.role, c.name))

    def _focus_deal(self, row: repo.FocusDealRow) -> FocusDeal:
        owner = self.snap.people.get(row.owner_id) if row.owner_id else None
        total = sum(row.scores.values()) if row.scores is not None else None
        return FocusDeal(
            opportunity_id=row.id,
            name=row.name,
            client_id=row.client_id,
            client=row.client,
            owner=owner.name if owner else None,
            stage=row.stage,
            probability=row.probability,
            acv=row.acv,
            weighted_acv=row.weighted_acv,
            close_date=row.close_date,
            meddpicc_total=total,
            grade=calculations.meddpicc_grade(total) if total is not None else None,
            weakest=weakest_dimensions(row.scores or {}),
        )

    def _readiness(self, meetings: Sequence[repo.MeetingRow]) -> ReadinessFigures:
        rows = [self._meeting(m) for m in meetings]
        average = sum((r.overall for r in rows), ZERO) / len(rows) if rows else None
        least = sorted(rows, key=lambda r: (r.overall, r.meeting_at, r.title))[:LEAST_READY]
        return ReadinessFigures(
            window_days=READINESS_WINDOW_DAYS,
            meetings=len(rows),
            ready=sum(r.ready for r in rows),
            average=average.quantize(CENT, ROUND_HALF_UP) if average is not None else None,
            least_ready=least,
        )

    def _meeting(self, m: repo.MeetingRow) -> MeetingReadiness:
        owner = self.snap.people.get(m.owner_id) if m.owner_id else None
        done, items = m.checklist_done, m.checklist_items
        return MeetingReadiness(
            readiness_id=m.id,
            title=m.title,
            client=m.client,
            owner=owner.name if owner else None,
            meeting_at=m.meeting_at,
            overall=m.overall,
            checklist_done=done,
            checklist_items=items,
            ready=m.overall >= READY_FROM and items > 0 and done == items,
        )

    def _children(self, unit: _Unit) -> list[ChildSummary]:
        if unit.level == "region":
            by_territory = _group(unit.clients, lambda c: c.territory)
            territories = (self._aggregate("territory", t, cs) for t, cs in by_territory.items())
            return [
                self._summary(u)
                for u in sorted(territories, key=lambda u: u.key)
                if self.visible(u)
            ]
        if unit.level in ("territory", "business_unit"):
            people = sorted(
                (self.snap.people[p] for p in unit.shares), key=lambda p: (p.name, p.email)
            )
            clients_of: dict[Id, list[ClientRow]] = defaultdict(list)
            for c in unit.clients:
                for owner in self.counted[c.id]:
                    clients_of[owner].append(c)
            cells_of = _group(unit.cells, lambda r: r.owner_id)
            return [
                self._owner_within(p, clients_of[p.id], cells_of.get(p.id, ()))
                for p in people
                if self.access.targets_of(p)
            ]
        if unit.level == "owner":
            clients = sorted(unit.clients, key=lambda c: c.name)
            return [self._client_summary(c) for c in clients if self.access.client(c.id)]
        return []

    def _owner_within(
        self, p: PersonRow, clients: list[ClientRow], cells: Sequence[repo.PipelineCell]
    ) -> ChildSummary:
        """An owner's part of a territory or business unit: their share of targets (by their
        ``clients`` in it), the ``cells`` of the deals they own on its clients."""
        unit = _Unit(
            "owner", p.email, f"{p.name} ({p.role})", clients, {p.id: len(clients)}, cells, [], []
        )
        return self._summary(unit)

    def _client_summary(self, c: ClientRow) -> ChildSummary:
        # Owners have hundreds of clients: no unit, no targets, one band.
        band = calculations.health_band(c.health_score)
        return ChildSummary(
            level="client",
            key=c.id,
            label=c.name,
            weighted_acv=None,
            pipeline=sum((r.weighted_acv for r in self.cells_of_client.get(c.id, ())), ZERO),
            coverage=None,
            clients=1,
            clients_at_risk=int(band in ("at_risk", "critical")),
        )

    def _summary(self, unit: _Unit) -> ChildSummary:
        pipeline = sum((r.weighted_acv for r in unit.cells), ZERO)
        measure = self._weighted_year(unit.shares)
        health = HealthCounts.of(c.health_score for c in unit.clients)
        return ChildSummary(
            level=unit.level,
            key=unit.key,
            label=unit.label,
            weighted_acv=measure,
            pipeline=pipeline,
            coverage=calculations.coverage(pipeline, measure.target, measure.actual),
            clients=len(unit.clients),
            clients_at_risk=health.at_risk + health.critical,
        )


# --- helpers ---------------------------------------------------------------------------------


def weakest_dimensions(scores: dict[str, int]) -> list[DimensionScore]:
    """The MEDDPICC dimensions at the lowest score (ties in MEDDPICC order, at most three);
    none when every dimension scores 5 or there are no scores."""
    if not scores or min(scores.values()) >= calculations.MEDDPICC_MAX_PER_DIMENSION:
        return []
    low = min(scores.values())
    names = [name for name, score in scores.items() if score == low][:WEAKEST_AT_MOST]
    return [DimensionScore(dimension=name, score=low) for name in names]


def _part(value: Decimal, part: int, whole: int) -> Decimal:
    if part == whole:
        return value
    return (value * part / whole).quantize(CENT, ROUND_HALF_UP)


def _measure(target: Decimal, actual: Decimal) -> Measure:
    return Measure(target=target, actual=actual, gap=target - actual)


def _group(rows: Iterable[T], key: Callable[[T], K]) -> dict[K, tuple[T, ...]]:
    groups: dict[K, list[T]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {k: tuple(v) for k, v in groups.items()}

"""The performance figures of one unit, computed from a snapshot of the portfolio.

:class:`View` indexes a :class:`~planning.performance_repository.Snapshot` by unit (region,
business unit, territory, owner, client), knows what the asking person may see
(:class:`Access`), and turns a :class:`Unit` into its :class:`Performance` record. The rules
(targets apportioned by client share, pipeline of the fiscal year, readiness, BURC alignment)
are those of :mod:`planning.performance`, which reads the snapshot and calls it.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from core.errors import PermissionDeniedError
from core.identity import Person
from core.models import User
from planning import calculations
from planning import performance_repository as repo
from planning.calculations import CENT
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

READINESS_WINDOW_DAYS = 30
READY_FROM = Decimal("4.00")
LEAST_READY = 3
WEAKEST_AT_MOST = 3
ZERO = Decimal("0.00")
T = TypeVar("T")
K = TypeVar("K")


@dataclass
class Unit:
    """One unit's clients, counted people, deals, focus deals and meetings."""

    level: Level
    key: str
    label: str
    clients: Sequence[ClientRow]
    shares: dict[Id, int]
    """Counted people and how many of their clients are in the unit (0: counted whole)."""
    cells: Sequence[repo.PipelineCell]
    focus: Sequence[repo.FocusDealRow]
    meetings: Sequence[repo.MeetingRow]


class Access:
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


class View:
    """The snapshot indexed by unit, with the access and the year it is read for."""

    def __init__(self, snap: Snapshot, access: Access, fiscal_year: int, today: date) -> None:
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

    def unit(self, level: Level, key: str) -> Unit | None:
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

    def _aggregate(self, level: Level, key: str, clients: Sequence[ClientRow]) -> Unit:
        shares = Counter(owner for c in clients for owner in self.counted[c.id])
        return Unit(
            level, key, key, clients, dict(shares),
            cells=[r for c in clients for r in self.cells_of_client.get(c.id, ())],
            focus=[r for c in clients for r in self.focus_of_client.get(c.id, ())],
            meetings=[r for c in clients for r in self.meetings_of_client.get(c.id, ())],
        )  # fmt: skip

    def _owner_unit(self, p: PersonRow) -> Unit:
        clients = self.of_person.get(p.id, [])
        return Unit(
            "owner", p.email, f"{p.name} ({p.role})", clients,
            {p.id: self.snap.client_counts.get(p.id, 0)},
            cells=self.cells_of_owner.get(p.id, ()),
            focus=self.focus_of_owner.get(p.id, ()),
            meetings=self.meetings_of_owner.get(p.id, ()),
        )  # fmt: skip

    def _client_unit(self, c: ClientRow) -> Unit:
        return Unit(
            "client", c.id, c.name, [c], {},
            cells=self.cells_of_client.get(c.id, ()),
            focus=self.focus_of_client.get(c.id, ()),
            meetings=self.meetings_of_client.get(c.id, ()),
        )  # fmt: skip

    def visible(self, unit: Unit) -> bool:
        """Whether the person may see the unit (see the module's rules)."""
        if unit.level == "owner":
            return self.access.targets_of(self.snap.people[next(iter(unit.shares))])
        if not all(self.access.client(c.id) for c in unit.clients):
            return False
        return all(self.access.targets_of(self.snap.people[p]) for p in unit.shares)

    # --- figures ---

    def performance(self, unit: Unit) -> Performance:
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

    def _children(self, unit: Unit) -> list[ChildSummary]:
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
        unit = Unit(
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

    def _summary(self, unit: Unit) -> ChildSummary:
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

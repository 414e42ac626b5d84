"""Generate the numbers of the demo portfolio of :mod:`ingest.demo_data`, deterministically.

Pure functions of the constant demo data and the anchor date (``today``): no database here, so
nothing knows about row ids; :mod:`ingest.demo_seed` adds them and writes the rows. Numbers come
from ``random.Random`` streams seeded with :data:`SEED` plus the row's natural key, so the
data is the same on every machine and one client's numbers do not depend on the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from core.models import MEDDPICC_DIMENSIONS, OPEN_STAGES, READINESS_SCORES
from ingest.demo_data import (
    CHECKLIST_ITEMS,
    CLIENTS,
    CSE_MEETINGS,
    DEALS_PER_SEGMENT,
    ESCALATION_MEETING,
    FISCAL_YEAR,
    HEALTHY_MEETING_CLIENTS,
    HEALTHY_MEETINGS,
    PRODUCTS,
    RECOVERY_MEETING,
    RENEWAL_MEETING,
    UTC_OFFSET_HOURS,
    DemoClient,
    DemoTarget,
)
from planning.calculations import HealthBand

SEED = 20_261_120
HISTORY_MONTHS = 12
RENEWAL_SOON_DAYS = 90

# Targets: share of the year per quarter, and each measure as a multiple of total ACV.
QUARTER_WEIGHTS = (0.22, 0.24, 0.25, 0.29)
TARGET_RATIOS = {"weighted_acv": 0.8, "acv_net_cogs": 0.72, "total_acv": 1.0, "tcv": 3.0}

STAGE_WEIGHTS = {
    "prospect": 12,
    "qualify": 18,
    "develop": 20,
    "propose": 17,
    "negotiate": 15,
    "closed_won": 12,
    "closed_lost": 6,
}
STAGE_PROBABILITY = {
    "prospect": 10,
    "qualify": 20,
    "develop": 40,
    "propose": 60,
    "negotiate": 80,
    "closed_won": 100,
    "closed_lost": 0,
}
# Days from the anchor to the close date: later stages close sooner, closed deals closed before.
CLOSE_IN_DAYS = {
    "prospect": (90, 400),
    "qualify": (60, 330),
    "develop": (30, 240),
    "propose": (14, 150),
    "negotiate": (7, 90),
    "closed_won": (-300, -10),
    "closed_lost": (-300, -10),
}
# Typical MEDDPICC score per dimension at each stage: qualification firms up as a deal advances.
STAGE_MATURITY = {
    "prospect": 1.0,
    "qualify": 1.5,
    "develop": 2.5,
    "propose": 3.0,
    "negotiate": 3.5,
    "closed_won": 4.2,
    "closed_lost": 2.0,
}
IN_TARGET_STAGES = frozenset({"develop", "propose", "negotiate", "closed_won"})
COMMITTED_STAGES = frozenset({"negotiate", "closed_won"})
FOCUS_DEALS = 12
BURC_MATCH_SHARE = 0.7
RATS_AND_MICE_ACV = 50_000
SMALL_DEAL_SHARE = 0.15
TERM_YEARS = (1, 3, 3, 5)

# Yearly ARR growth up to the anchor month, by health band (critical clients contract).
ARR_GROWTH: dict[HealthBand, tuple[float, float]] = {
    "healthy": (0.02, 0.09),
    "at_risk": (0.0, 0.02),
    "critical": (-0.05, -0.01),
}
# Share of tickets that breach the SLA a year before and at the anchor month.
BREACH_RATES: dict[HealthBand, tuple[float, float]] = {
    "healthy": (0.05, 0.04),
    "at_risk": (0.05, 0.14),
    "critical": (0.08, 0.30),
}

Row = dict[str, Any]
FocusStrength = Literal["strong", "weak"]


@dataclass(frozen=True)
class Reading:
    """A client's health score, NPS and ARR in one month (a ``client_health_history`` row)."""

    recorded_on: date
    health_score: int
    nps: int
    arr: Decimal


@dataclass(frozen=True)
class SupportMonth:
    """A client's support tickets in one month (a ``client_support_history`` row)."""

    month: date
    tickets_opened: int
    sla_breaches: int
    p1_open: int
    sla_met_pct: Decimal


@dataclass(frozen=True)
class Story:
    """A client's twelve months of health and support; the last month is its current state."""

    readings: list[Reading]
    support: list[SupportMonth]


@dataclass(frozen=True)
class Deal:
    """A pipeline opportunity of a client, with its MEDDPICC scores."""

    client: DemoClient
    name: str
    stage: str
    probability: int
    acv: int
    tcv: int
    close_date: date
    external_id: str = ""
    focus_deal: bool = False
    burc_match: bool = False
    meddpicc: tuple[int, ...] = ()

    @property
    def burc_source_sheet(self) -> str | None:
        """The BURC workbook sheet the deal is matched to, such as ``"FY26 Committed"``."""
        if not self.burc_match:
            return None
        sheet = "Committed" if self.stage in COMMITTED_STAGES else "Pipeline"
        return f"FY{self.close_date.year % 100:02d} {sheet}"


@dataclass(frozen=True)
class Meeting:
    """An upcoming client meeting and how ready its owner is for it."""

    client: DemoClient
    title: str
    meeting_at: datetime
    scores: tuple[int, ...]
    checklist: dict[str, bool]

    @property
    def owner_email(self) -> str:
        """The CSE for renewal and roadmap meetings, the region's CAM for the others."""
        return self.client.cse_email if self.title in CSE_MEETINGS else self.client.cam_email


def _rng(*key: object) -> random.Random:
    """A random stream of its own per key, so that adding data elsewhere changes nothing here."""
    return random.Random(":".join(str(part) for part in (SEED, *key)))


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _round_to(value: float, step: int) -> int:
    return round(value / step) * step


def month_start(anchor: date, months_back: int) -> date:
    """The first day of the month ``months_back`` months before ``anchor``'s month."""
    index = anchor.year * 12 + anchor.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


# --- clients -------------------------------------------------------------------------------


def client_story(client: DemoClient, anchor: date) -> Story:
    """The client's health and support, month by month up to the anchor month."""
    return Story(_health_history(client, anchor), _support_history(client, anchor))


def _health_history(client: DemoClient, anchor: date) -> list[Reading]:
    """Monthly readings drifting towards the client's current values, which the last one equals."""
    rng = _rng("health", client.name)
    growth = rng.uniform(*ARR_GROWTH[client.band])
    readings = []
    for back in reversed(range(HISTORY_MONTHS)):
        share = back / (HISTORY_MONTHS - 1)  # 1 a year back, 0 at the anchor month
        health = client.health - client.health_change * share + (rng.randint(-2, 2) if back else 0)
        nps = client.nps - client.nps_change * share + (rng.randint(-4, 4) if back else 0)
        arr = Decimal(_round_to(client.arr * (1 - growth * share), 1))
        readings.append(
            Reading(month_start(anchor, back), _clamp(health, 0, 100), _clamp(nps, -100, 100), arr)
        )
    return readings


def _support_history(client: DemoClient, anchor: date) -> list[SupportMonth]:
    """Monthly tickets; unhealthy clients breach the SLA more and more and carry open P1s."""
    rng = _rng("support", client.name)
    base = 6 + client.arr / 90_000
    first_rate, last_rate = BREACH_RATES[client.band]
    months = []
    for back in reversed(range(HISTORY_MONTHS)):
        progress = 1 - back / (HISTORY_MONTHS - 1)
        tickets = max(3, round(base * rng.uniform(0.75, 1.25)))
        rate = first_rate + (last_rate - first_rate) * progress
        breaches = min(tickets, round(tickets * rate * rng.uniform(0.7, 1.3)))
        met = (Decimal(100) * (tickets - breaches) / tickets).quantize(Decimal("0.01"))
        p1_open = _p1_open(client.band, back, rng)
        months.append(SupportMonth(month_start(anchor, back), tickets, breaches, p1_open, met))
    return months


def _p1_open(band: HealthBand, months_back: int, rng: random.Random) -> int:
    if band == "critical":
        return rng.randint(1, 3) if months_back < 4 else int(rng.random() < 0.2)
    if band == "at_risk":
        return rng.randint(0, 1) if months_back < 3 else 0
    return int(months_back > 0 and rng.random() < 0.05)


# --- targets -------------------------------------------------------------------------------


def _elapsed_share(quarter: int, anchor: date) -> float:
    """How much of the fiscal quarter lies before the anchor date (0 to 1)."""
    start = date(FISCAL_YEAR, 3 * quarter - 2, 1)
    end = date(FISCAL_YEAR + 1, 1, 1) if quarter == 4 else date(FISCAL_YEAR, 3 * quarter + 1, 1)
    if anchor >= end:
        return 1.0
    return max(0.0, (anchor - start).days / (end - start).days)


def target_quarters(target: DemoTarget, anchor: date) -> list[Row]:
    """The person's four quarters of targets and actuals, as rows without the ``user_id``.

    Each measure's target is the quarter's share (:data:`QUARTER_WEIGHTS`) of a multiple
    (:data:`TARGET_RATIOS`) of the yearly total ACV; actuals follow the person's attainment over
    the part of the quarter that lies before the anchor date.
    """
    rng = _rng("targets", target.email)
    rows = []
    for quarter, weight in enumerate(QUARTER_WEIGHTS, start=1):
        attained = target.attainment * rng.uniform(0.85, 1.15) * _elapsed_share(quarter, anchor)
        row: Row = {"fiscal_year": FISCAL_YEAR, "quarter": quarter}
        for measure, ratio in TARGET_RATIOS.items():
            goal = _round_to(target.annual_total_acv * weight * ratio, 1000)
            actual = _round_to(goal * attained * rng.uniform(0.95, 1.05), 1000)
            row[f"{measure}_target"] = Decimal(goal)
            row[f"{measure}_actual"] = Decimal(actual)
        rows.append(row)
    return rows


# --- pipeline ------------------------------------------------------------------------------


def plan_deals(anchor: date) -> list[Deal]:
    """About sixty deals: 3, 2 or 1 per client by segment, with focus deals and BURC matches."""
    drafts = [deal for client in CLIENTS for deal in _draft_deals(client, anchor)]
    drafts = [replace(d, external_id=f"OPP-{i:04d}") for i, d in enumerate(drafts, start=1)]
    focus = _focus_strengths(drafts)
    matched = _burc_matches(drafts)
    return [
        replace(
            deal,
            focus_deal=deal.external_id in focus,
            burc_match=deal.external_id in matched,
            meddpicc=_meddpicc(deal, focus.get(deal.external_id)),
        )
        for deal in drafts
    ]


def _draft_deals(client: DemoClient, anchor: date) -> list[Deal]:
    rng = _rng("deals", client.name)
    products = rng.sample(PRODUCTS, DEALS_PER_SEGMENT[client.segment])
    return [_draft_deal(client, product, anchor, rng) for product in products]


def _draft_deal(client: DemoClient, product: str, anchor: date, rng: random.Random) -> Deal:
    stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
    probability = STAGE_PROBABILITY[stage]
    if stage in OPEN_STAGES:
        probability += rng.choice((-5, 0, 5))
    if rng.random() < SMALL_DEAL_SHARE:
        acv = rng.randint(12, 45) * 1000
    else:
        acv = max(5000, _round_to(client.arr * rng.uniform(0.05, 0.3), 1000))
    close_date = anchor + timedelta(days=rng.randint(*CLOSE_IN_DAYS[stage]))
    return Deal(
        client=client,
        name=f"{client.name} - {product}",
        stage=stage,
        probability=probability,
        acv=acv,
        tcv=acv * rng.choice(TERM_YEARS),
        close_date=close_date,
    )


def _focus_strengths(deals: list[Deal]) -> dict[str, FocusStrength]:
    """The largest open deals are the focus deals; alternately well and poorly qualified."""
    open_deals = sorted(
        (d for d in deals if d.stage in OPEN_STAGES), key=lambda d: (-d.acv, d.external_id)
    )
    return {
        d.external_id: "strong" if rank % 2 == 0 else "weak"
        for rank, d in enumerate(open_deals[:FOCUS_DEALS])
    }


def _burc_matches(deals: list[Deal]) -> set[str]:
    """About 70% of deals, never a lost one, are matched to the BURC workbook."""
    candidates = [d.external_id for d in deals if d.stage != "closed_lost"]
    wanted = min(len(candidates), round(BURC_MATCH_SHARE * len(deals)))
    return set(_rng("burc").sample(candidates, wanted))


def _meddpicc(deal: Deal, focus: FocusStrength | None) -> tuple[int, ...]:
    rng = _rng("meddpicc", deal.name)
    if focus == "strong":
        return tuple(rng.choice((3, 4, 4, 5, 5)) for _ in MEDDPICC_DIMENSIONS)
    if focus == "weak":
        return tuple(rng.choice((0, 1, 1, 2, 2, 3)) for _ in MEDDPICC_DIMENSIONS)
    centre = STAGE_MATURITY[deal.stage]
    return tuple(_clamp(centre + rng.uniform(-1.5, 1.5), 0, 5) for _ in MEDDPICC_DIMENSIONS)


def meddpicc_notes(scores: tuple[int, ...]) -> str:
    """A one-line summary of MEDDPICC scores: the strongest and the weakest dimension."""
    by_name = dict(zip(MEDDPICC_DIMENSIONS, scores, strict=True))
    best = max(by_name, key=by_name.__getitem__)
    worst = min(by_name, key=by_name.__getitem__)
    return (
        f"Strongest: {best.replace('_', ' ')} ({by_name[best]}/5); "
        f"weakest: {worst.replace('_', ' ')} ({by_name[worst]}/5)."
    )


# --- meetings ------------------------------------------------------------------------------


def plan_meetings(anchor: date) -> list[Meeting]:
    """A meeting for every at-risk and critical client and for a few healthy ones."""
    unhealthy = [c for c in CLIENTS if c.band != "healthy"]
    healthy = [c for c in CLIENTS if c.band == "healthy"]
    chosen = unhealthy + _rng("meetings").sample(healthy, HEALTHY_MEETING_CLIENTS)
    return [_meeting(client, anchor) for client in chosen]


def _meeting(client: DemoClient, anchor: date) -> Meeting:
    rng = _rng("meeting", client.name)
    day = anchor + timedelta(days=rng.randint(1, 30))
    local = timezone(timedelta(hours=UTC_OFFSET_HOURS[client.territory]))
    at = datetime.combine(day, time(rng.choice((9, 10, 11, 13, 14, 15, 16))), tzinfo=local)
    healthy = client.band == "healthy"
    low, high = (3, 5) if healthy else (1, 4)
    ready = 0.75 if healthy else 0.45
    return Meeting(
        client=client,
        title=_meeting_title(client, rng),
        meeting_at=at,
        scores=tuple(rng.randint(low, high) for _ in READINESS_SCORES),
        checklist={item: rng.random() < ready for item in CHECKLIST_ITEMS},
    )


def _meeting_title(client: DemoClient, rng: random.Random) -> str:
    if client.band == "critical":
        return ESCALATION_MEETING
    if client.renewal_in_days <= RENEWAL_SOON_DAYS:
        return RENEWAL_MEETING
    if client.band == "at_risk":
        return RECOVERY_MEETING
    return rng.choice(HEALTHY_MEETINGS)

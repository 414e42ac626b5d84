"""The SQL that reads clients' features as of a date, for many (client, date) pairs at once.

One statement serves both scoring (every client, today) and training (each labelled renewal,
some days before it): the pairs arrive as two arrays, and each feature is a LATERAL lookup on
the history tables' (client, date) indexes that only sees rows dated on or before the pair's
date.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, NamedTuple

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from core.models import OPEN_STAGES, Client
from core.models.meetings import CHAMPION_QUIET_DAYS
from risk.features import ClientFeatures

STALE_DAYS: Final = 120
"""A health or NPS reading older than this (relative to its target date) is treated as unknown."""
HEALTH_TREND_DAYS: Final = 90
NPS_TREND_DAYS: Final = 180
ARR_TREND_DAYS: Final = 365
ENGAGEMENT_DAYS: Final = 90
SPONSOR_CHANGE_DAYS: Final = 180

# Titles that make a customer attendee an executive contact (besides the economic buyer role).
EXECUTIVE_TITLE: Final = (
    r"\m(chief|ceo|cfo|coo|cio|cto|cmo|cmio|cno|president|vp|vice president"
    r"|executive director|managing director|general manager|head of)\M"
)


def _reading(column: str, alias: str, lag_days: int) -> str:
    """The latest non-null ``column`` reading at least ``lag_days`` before the target date."""
    return f"""
    LEFT JOIN LATERAL (
      SELECT h.{column} AS v, h.recorded_on AS at FROM client_health_history h
      WHERE h.client_id = t.client_id AND h.{column} IS NOT NULL
        AND h.recorded_on <= t.d - {lag_days} AND h.recorded_on > t.d - {lag_days + STALE_DAYS}
      ORDER BY h.recorded_on DESC LIMIT 1
    ) {alias} ON true"""


_OPEN_STAGES = ", ".join(f"'{s}'" for s in OPEN_STAGES)

FEATURES_SQL: Final = f"""
WITH t AS (
  SELECT * FROM unnest(CAST(:client_ids AS uuid[]), CAST(:dates AS date[])) AS t(client_id, d)
)
SELECT t.client_id, t.d,
  hn.v AS health_now, hn.at AS health_now_on, ht.v AS health_then, ht.at AS health_then_on,
  nn.v AS nps_now, nn.at AS nps_now_on, nt.v AS nps_then, nt.at AS nps_then_on,
  an.v AS arr_now, an.at AS arr_now_on, at_.v AS arr_then, at_.at AS arr_then_on,
  sp.tickets, sp.breaches, sp.p1, sp.months AS support_months,
  nr.renewal AS next_renewal,
  mt.n90 AS meetings_90d, mt.last AS last_meeting,
  ex.last AS exec_last, ex.name AS exec_name,
  ch.name AS champion_name, ch.last AS champion_last, ch.recent AS champion_recent,
  eb.sponsors, eb.newest AS sponsor_name, eb.newest_first AS sponsor_first, eb.previous AS
    previous_sponsor,
  pl.open_acv, pl.opportunities
FROM t
JOIN clients c ON c.id = t.client_id
{_reading("health_score", "hn", 0)}
{_reading("health_score", "ht", HEALTH_TREND_DAYS)}
{_reading("nps", "nn", 0)}
{_reading("nps", "nt", NPS_TREND_DAYS)}
{_reading("arr", "an", 0)}
{_reading("arr", "at_", ARR_TREND_DAYS)}
LEFT JOIN LATERAL (
  SELECT sum(s.tickets_opened) AS tickets, sum(s.sla_breaches) AS breaches,
         (array_agg(s.p1_open ORDER BY s.month DESC))[1] AS p1, count(*) AS months
  FROM client_support_history s
  WHERE s.client_id = t.client_id AND s.month <= t.d AND s.month > t.d - {ENGAGEMENT_DAYS}
  HAVING count(*) > 0
) sp ON true
LEFT JOIN LATERAL (
  SELECT min(r) AS renewal FROM (
    SELECT c.renewal_date AS r WHERE c.renewal_date >= t.d
    UNION ALL
    SELECT o.renewal_date FROM renewal_outcomes o
    WHERE o.client_id = t.client_id AND o.renewal_date >= t.d
  ) candidates
) nr ON true
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE m.held_on > t.d - {ENGAGEMENT_DAYS}) AS n90,
         max(m.held_on) AS last
  FROM meetings m WHERE m.client_id = t.client_id AND m.held_on <= t.d
  HAVING count(*) > 0
) mt ON true
LEFT JOIN LATERAL (
  SELECT m.held_on AS last, s.name
  FROM meetings m
  JOIN stakeholder_appearances a ON a.meeting_id = m.id
  JOIN stakeholders s ON s.id = a.stakeholder_id
  WHERE m.client_id = t.client_id AND m.held_on <= t.d AND s.side = 'customer'
    AND s.status <> 'dismissed'
    AND (a.meddpicc_role = 'economic_buyer' OR coalesce(a.title, s.title, '') ~* :exec_title)
  ORDER BY m.held_on DESC, s.name LIMIT 1
) ex ON true
LEFT JOIN LATERAL (
  SELECT (array_agg(p.name ORDER BY p.last))[1] AS name, min(p.last) AS last,
         bool_or(p.last > t.d - {CHAMPION_QUIET_DAYS}) AS recent
  FROM (
    SELECT s.name, max(m.held_on) AS last
    FROM stakeholders s
    JOIN stakeholder_appearances a ON a.stakeholder_id = s.id
    JOIN meetings m ON m.id = a.meeting_id
    WHERE s.client_id = t.client_id AND m.held_on <= t.d AND s.status <> 'dismissed'
      AND s.side = 'customer'
    GROUP BY s.id, s.name
    HAVING bool_or(a.meddpicc_role = 'champion')
  ) p
  HAVING count(*) > 0
) ch ON true
LEFT JOIN LATERAL (
  SELECT count(*) AS sponsors, (array_agg(p.name ORDER BY p.first DESC))[1] AS newest,
         max(p.first) AS newest_first, (array_agg(p.name ORDER BY p.first DESC))[2] AS previous
  FROM (
    SELECT s.name, min(m.held_on) AS first
    FROM stakeholders s
    JOIN stakeholder_appearances a ON a.stakeholder_id = s.id
    JOIN meetings m ON m.id = a.meeting_id
    WHERE s.client_id = t.client_id AND m.held_on <= t.d AND s.status <> 'dismissed'
      AND a.meddpicc_role = 'economic_buyer'
    GROUP BY s.id, s.name
  ) p
  HAVING count(*) > 0
) eb ON true
LEFT JOIN LATERAL (
  SELECT coalesce(sum(o.acv) FILTER (
           WHERE o.stage IN ({_OPEN_STAGES}) OR o.close_date > t.d), 0) AS open_acv,
         count(*) AS opportunities
  FROM pipeline_opportunities o WHERE o.client_id = t.client_id
  HAVING count(*) > 0
) pl ON true
ORDER BY t.client_id, t.d
"""


def feature_rows(
    session: Session, targets: Sequence[tuple[uuid.UUID, date]]
) -> list[dict[str, Any]]:
    """The raw facts behind the features of each (client, as-of date) pair."""
    if not targets:
        return []
    params = {
        "client_ids": [str(client_id) for client_id, _ in targets],
        "dates": [d for _, d in targets],
        "exec_title": EXECUTIVE_TITLE,
    }
    return [dict(row) for row in session.execute(text(FEATURES_SQL), params).mappings()]


def all_client_ids(session: Session) -> list[uuid.UUID]:
    """Every client, by name."""
    return list(session.scalars(text("SELECT id FROM clients ORDER BY name")))


def clients_in_scope(
    session: Session, owner_id: uuid.UUID, region: str | None = None
) -> list[Client]:
    """A region's clients, or else an owner's (as CSE or CAM), by name."""
    query = select(Client).order_by(Client.name)
    if region is not None:
        return list(session.scalars(query.where(Client.region == region)))
    return list(
        session.scalars(query.where(or_(Client.cse_id == owner_id, Client.cam_id == owner_id)))
    )


class Renewal(NamedTuple):
    """One labelled renewal."""

    client_id: uuid.UUID
    renewal_date: date
    outcome: str  # 'renewed' or 'churned'


def renewal_outcomes(session: Session) -> list[Renewal]:
    """Every labelled renewal, by client and date."""
    rows = session.execute(
        text(
            "SELECT client_id, renewal_date, outcome FROM renewal_outcomes "
            "ORDER BY client_id, renewal_date"
        )
    )
    return [Renewal(*row) for row in rows]


def to_features(row: dict[str, Any]) -> ClientFeatures:
    """Turn one row of :data:`FEATURES_SQL` into features (missing stays ``None``)."""
    d: date = row["d"]

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    def change(now: Any, then: Any) -> float | None:
        return None if now is None or then is None else float(now) - float(then)

    arr_change = None
    if row["arr_now"] is not None and row["arr_then"]:
        arr_change = round((float(row["arr_now"]) / float(row["arr_then"]) - 1) * 100, 1)
    next_renewal: date | None = row["next_renewal"]
    exec_last: date | None = row["exec_last"]
    champion_quiet = None if row["champion_name"] is None else float(not row["champion_recent"])
    sponsor_changed = None
    if row["sponsors"]:
        recent = (d - row["sponsor_first"]).days <= SPONSOR_CHANGE_DAYS
        sponsor_changed = float(row["sponsors"] > 1 and recent)
    pipeline_ratio = None
    if row["opportunities"] and row["arr_now"]:
        pipeline_ratio = round(float(row["open_acv"]) / float(row["arr_now"]), 3)
    values: dict[str, float | None] = {
        "health_score": number(row["health_now"]),
        "health_change_90d": change(row["health_now"], row["health_then"]),
        "nps": number(row["nps_now"]),
        "nps_change_180d": change(row["nps_now"], row["nps_then"]),
        "support_tickets_90d": number(row["tickets"]),
        "sla_breaches_90d": number(row["breaches"]),
        "open_p1s": number(row["p1"]),
        "days_to_renewal": None if next_renewal is None else float((next_renewal - d).days),
        "arr_change_12m_pct": arr_change,
        "meetings_90d": number(row["meetings_90d"]),
        "days_since_exec_contact": None if exec_last is None else float((d - exec_last).days),
        "champion_quiet": champion_quiet,
        "sponsor_changed": sponsor_changed,
        "open_pipeline_ratio": pipeline_ratio,
    }
    context = {
        key: _plain(value)
        for key in (
            "health_then",
            "health_then_on",
            "nps_then",
            "nps_then_on",
            "arr_now",
            "arr_then",
            "next_renewal",
            "last_meeting",
            "exec_name",
            "champion_name",
            "champion_last",
            "sponsor_name",
            "previous_sponsor",
        )
        if (value := row[key]) is not None
    }
    return ClientFeatures(row["client_id"], d, values, context)


def _plain(value: Any) -> Any:
    """JSON-friendly values: dates as ISO text, Decimal readings as floats."""
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value

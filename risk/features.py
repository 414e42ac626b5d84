"""The features a client's churn risk is judged on, as of a date.

Every feature looks only at what was recorded on or before the as-of date, so a model trained on
past renewals never sees the future. A feature that cannot be known is ``None`` (missing), never
zero: a client with no meetings on record has unknown engagement, not zero engagement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from risk.table import Column


@dataclass(frozen=True)
class Feature:
    """One input of the risk model: its name, what people call it, and its unit."""

    name: str
    label: str
    unit: str = ""


FEATURES: Final[tuple[Feature, ...]] = (
    Feature("health_score", "health score", "points"),
    Feature("health_change_90d", "health score change over 90 days", "points"),
    Feature("nps", "NPS", "points"),
    Feature("nps_change_180d", "NPS change over 180 days", "points"),
    Feature("support_tickets_90d", "support tickets in 90 days", "tickets"),
    Feature("sla_breaches_90d", "SLA breaches in 90 days", "breaches"),
    Feature("open_p1s", "open P1 tickets", "tickets"),
    Feature("days_to_renewal", "days to renewal", "days"),
    Feature("arr_change_12m_pct", "ARR change over 12 months", "%"),
    Feature("meetings_90d", "meetings in 90 days", "meetings"),
    Feature("days_since_exec_contact", "days since executive contact", "days"),
    Feature("champion_quiet", "champion gone quiet", "yes/no"),
    Feature("sponsor_changed", "executive sponsor changed", "yes/no"),
    Feature("open_pipeline_ratio", "open pipeline as a share of ARR", "ratio"),
)
FEATURE_NAMES: Final[tuple[str, ...]] = tuple(f.name for f in FEATURES)
FEATURE_SET: Final = "portfolio/v1"
"""Name and version of this feature list; a stored model is only used with its own feature set."""

# A score needs something to stand on: at least one of health and NPS, and two core signals.
CORE_SIGNALS: Final = (
    "health_score",
    "nps",
    "support_tickets_90d",
    "arr_change_12m_pct",
    "days_to_renewal",
)
MIN_CORE_SIGNALS: Final = 2


def feature_columns(names: tuple[str, ...] = FEATURE_NAMES) -> tuple[Column, ...]:
    """The model's columns for these features (all numeric; missing values stay missing)."""
    return tuple(Column(name, "numeric") for name in names)


@dataclass(frozen=True)
class ClientFeatures:
    """A client's features as of a date, and the facts behind them (for reasons people read)."""

    client_id: uuid.UUID
    as_of: date
    values: dict[str, float | None]
    context: dict[str, Any] = field(default_factory=dict)

    def row(self, names: tuple[str, ...] = FEATURE_NAMES) -> list[float]:
        """The values in model order, NaN for missing."""
        return [float("nan") if self.values[n] is None else float(self.values[n]) for n in names]  # type: ignore[arg-type]

    def missing_data(self) -> str | None:
        """Why the client cannot be scored, or ``None`` when there is enough to go on."""
        present = [name for name in CORE_SIGNALS if self.values.get(name) is not None]
        if self.values.get("health_score") is None and self.values.get("nps") is None:
            return "no recent health score or NPS"
        if len(present) < MIN_CORE_SIGNALS:
            return "only one of health, NPS, support, ARR history and renewal date is on record"
        return None

    def as_json(self) -> dict[str, Any]:
        """The inputs as stored with a prediction."""
        return {"values": self.values, "context": self.context}

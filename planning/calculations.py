"""The planning hub's arithmetic, in one place: MEDDPICC, coverage, weighted ACV, readiness.

The database computes ``weighted_acv``, ``total_score`` and ``overall_readiness`` with the same
formulas (generated columns); tests hold the two in agreement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from core.models import MEDDPICC_DIMENSIONS

MEDDPICC_MAX_PER_DIMENSION = 5
MEDDPICC_MAX_TOTAL = MEDDPICC_MAX_PER_DIMENSION * len(MEDDPICC_DIMENSIONS)
# Lowest share of the maximum MEDDPICC total that earns each grade, best first.
GRADE_THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("A", 0.85),
    ("B", 0.70),
    ("C", 0.55),
    ("D", 0.40),
    ("E", 0.25),
)
HEALTHY_FROM = 70
AT_RISK_FROM = 50

HealthBand = Literal["healthy", "at_risk", "critical"]
CENT = Decimal("0.01")


def meddpicc_total(scores: Mapping[str, int]) -> int:
    """Sum of the eight dimension scores (0-5 each); a missing or unknown key is an error."""
    unknown = set(scores) - set(MEDDPICC_DIMENSIONS)
    missing = set(MEDDPICC_DIMENSIONS) - set(scores)
    if unknown or missing:
        raise ValueError(f"MEDDPICC needs exactly {', '.join(MEDDPICC_DIMENSIONS)}")
    for name, value in scores.items():
        if not 0 <= value <= MEDDPICC_MAX_PER_DIMENSION:
            raise ValueError(f"MEDDPICC {name} must be 0-5, got {value}")
    return sum(scores.values())


def meddpicc_grade(total: int) -> str:
    """Letter grade A-F for a MEDDPICC total out of 40 (A from 85%, F below 25%)."""
    if not 0 <= total <= MEDDPICC_MAX_TOTAL:
        raise ValueError(f"MEDDPICC total must be 0-{MEDDPICC_MAX_TOTAL}, got {total}")
    share = total / MEDDPICC_MAX_TOTAL
    for grade, threshold in GRADE_THRESHOLDS:
        if share >= threshold:
            return grade
    return "F"


def weighted_acv(acv: Decimal, probability_pct: Decimal) -> Decimal:
    """ACV times win probability (in percent), to the cent."""
    if acv < 0 or not 0 <= probability_pct <= 100:
        raise ValueError("ACV must be >= 0 and probability 0-100")
    return (acv * probability_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def coverage(pipeline: Decimal, target: Decimal, achieved: Decimal) -> Decimal | None:
    """Weighted pipeline over the target still to close; None when nothing remains to close."""
    remaining = target - achieved
    if remaining <= 0:
        return None
    return (pipeline / remaining).quantize(CENT, rounding=ROUND_HALF_UP)


def readiness_average(scores: Sequence[int]) -> Decimal:
    """Mean of the five Power Messaging scores (1-5 each), to two decimals."""
    if len(scores) != 5 or any(not 1 <= s <= 5 for s in scores):
        raise ValueError("readiness needs five scores of 1-5")
    return (Decimal(sum(scores)) / 5).quantize(CENT, rounding=ROUND_HALF_UP)


def health_band(score: int | None) -> HealthBand | None:
    """healthy (>= 70), at_risk (50-69) or critical (< 50); None when there is no score."""
    if score is None:
        return None
    if score >= HEALTHY_FROM:
        return "healthy"
    if score >= AT_RISK_FROM:
        return "at_risk"
    return "critical"

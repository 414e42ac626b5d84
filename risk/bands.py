"""Risk bands: where a probability (trained model) or points (scorecard) put a client."""

from __future__ import annotations

from typing import Final

from core.models import BANDS, Band

PROBABILITY_BANDS: Final[tuple[tuple[float, Band], ...]] = (
    (0.60, "critical"),
    (0.35, "high"),
    (0.15, "medium"),
)
"""Lower bounds of each band for a calibrated churn probability; below the last: low."""

POINTS_BANDS: Final[tuple[tuple[float, Band], ...]] = (
    (60, "critical"),
    (40, "high"),
    (20, "medium"),
)
"""Lower bounds of each band for scorecard points (0-100); below the last: low."""

HIGH_RISK: Final[frozenset[str]] = frozenset({"high", "critical"})


def band_of(value: float, bounds: tuple[tuple[float, Band], ...]) -> Band:
    """The band a probability or a points total falls in."""
    return next((band for bound, band in bounds if value >= bound), "low")


def rank(band: str | None) -> int:
    """Order of bands for comparisons (no band: -1)."""
    return BANDS.index(band) if band in BANDS else -1

"""Charts for the PDF exports, drawn with matplotlib and returned as PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot:
pyplot keeps global state, and the API renders documents on several threads at once.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

DPI = 200
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#1d4ed8"
TARGET = "#93c5fd"
HEALTH_BANDS = ((0, 50, "#fee2e2"), (50, 70, "#fef3c7"), (70, 100, "#dcfce7"))
"""Critical, at risk and healthy: (from, to, shade)."""
BAND_COLOURS = {
    "healthy": "#15803d",
    "at_risk": "#d97706",
    "critical": "#b91c1c",
    "unknown": "#9ca3af",
}


def _figure(width_in: float, height_in: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.spines[["left", "bottom"]].set_color(GRID)
    axes.tick_params(labelsize=7, colors=MUTED)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.04)
    return buffer.getvalue()


def _title(axes: Axes, title: str) -> None:
    axes.set_title(title, fontsize=8, color=INK, loc="left", fontweight="bold")


def _no_data(axes: Axes, message: str) -> None:
    axes.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=7.5,
        color=MUTED,
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def trend(
    points: Sequence[tuple[date, float]],
    *,
    title: str,
    low: float,
    high: float,
    health_bands: bool = False,
    size: tuple[float, float] = (3.4, 2.0),
) -> bytes:
    """A line over time between ``low`` and ``high``: health (with its bands shaded) or NPS
    (with a zero line). Fewer than two points: the chart says there is no trend yet."""
    figure, axes = _figure(*size)
    _title(axes, title)
    if len(points) < 2:
        _no_data(axes, "Not enough history for a trend")
        return _png(figure)
    if health_bands:
        for bottom, top, colour in HEALTH_BANDS:
            axes.axhspan(bottom, top, color=colour, zorder=0, linewidth=0)
    elif low < 0 < high:
        axes.axhline(0, color=MUTED, linewidth=0.6, zorder=1)
    # Day numbers on the x axis, labelled by month: no date converter needed.
    days = [float(p[0].toordinal()) for p in points]
    labels = [f"{p[0]:%b %y}" for p in points]
    values = [p[1] for p in points]
    axes.plot(days, values, color=ACCENT, linewidth=1.4, marker="o", markersize=2.2, zorder=3)
    axes.annotate(
        f"{values[-1]:.0f}",
        (days[-1], values[-1]),
        xytext=(3, 3),
        textcoords="offset points",
        fontsize=7,
        color=INK,
    )
    spread = max(values) - min(values)
    axes.set_ylim(max(low, min(values) - spread - 10), min(high, max(values) + spread + 10))
    ticks = sorted({0, len(days) // 2, len(days) - 1})
    axes.set_xticks([days[i] for i in ticks], [labels[i] for i in ticks])
    axes.grid(axis="y", color=GRID, linewidth=0.5)
    return _png(figure)


def coverage_gauge(
    share: float | None,
    *,
    title: str,
    caption: str,
    reference: float | None = None,
    reference_label: str = "",
    size: tuple[float, float] = (2.6, 2.0),
) -> bytes:
    """A half-circle gauge of ``share`` (1.0 = the whole remaining target covered), with an
    optional ``reference`` mark (e.g. the owner's whole pipeline). No share: says why."""
    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 0.86))
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_xlim(-1.15, 1.15)
    axes.set_ylim(-0.42, 1.08)
    figure.text(0.02, 0.95, title, fontsize=8, color=INK, fontweight="bold", va="top")
    scale = max(1.0, math.ceil(max(share or 0, reference or 0) * 2) / 2)
    axes.add_patch(Wedge((0, 0), 1, 0, 180, width=0.28, color=GRID))
    if share is not None:
        end = 180 - 180 * min(share, scale) / scale
        axes.add_patch(Wedge((0, 0), 1, end, 180, width=0.28, color=ACCENT))
        axes.text(0, 0.12, f"{share:.2f}x", ha="center", fontsize=13, color=INK, fontweight="bold")
    else:
        axes.text(0, 0.15, "n/a", ha="center", fontsize=13, color=MUTED)
    if reference is not None:
        angle = math.radians(180 - 180 * min(reference, scale) / scale)
        x, y = math.cos(angle), math.sin(angle)
        axes.plot([0.66 * x, 1.06 * x], [0.66 * y, 1.06 * y], color=INK, linewidth=1.3)
        axes.text(
            1.1 * x,
            1.1 * y,
            reference_label,
            fontsize=6,
            color=INK,
            ha="left" if x >= 0 else "right",
            va="bottom",
        )
    axes.text(-0.86, -0.14, "0", ha="center", fontsize=6.5, color=MUTED)
    axes.text(0.86, -0.14, f"{scale:g}x", ha="center", fontsize=6.5, color=MUTED)
    axes.text(0, -0.36, caption, ha="center", fontsize=6.5, color=MUTED)
    return _png(figure)


def target_vs_actual(
    quarters: Sequence[tuple[str, float, float]],
    *,
    title: str,
    size: tuple[float, float] = (3.4, 1.9),
) -> bytes:
    """Grouped bars per quarter: (label, target, actual), in dollars (shown in thousands)."""
    figure, axes = _figure(*size)
    _title(axes, title)
    if not quarters:
        _no_data(axes, "No targets set")
        return _png(figure)
    positions = range(len(quarters))
    targets = [q[1] / 1000 for q in quarters]
    actuals = [q[2] / 1000 for q in quarters]
    axes.bar([p - 0.2 for p in positions], targets, width=0.38, color=TARGET, label="Target")
    bars = axes.bar([p + 0.2 for p in positions], actuals, width=0.38, color=ACCENT, label="Actual")
    axes.bar_label(bars, fmt="%.0f", fontsize=5.5, padding=1, color=INK)
    axes.set_xticks(list(positions), [q[0] for q in quarters])
    axes.set_ylabel("$ thousands", fontsize=6.5, color=MUTED)
    axes.grid(axis="y", color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    axes.legend(fontsize=6, frameon=False, loc="upper left", ncols=2)
    axes.margins(y=0.2)
    return _png(figure)


def health_distribution(
    counts: Mapping[str, int], *, title: str, size: tuple[float, float] = (3.4, 1.9)
) -> bytes:
    """Clients per health band as horizontal bars (healthy, at risk, critical, unknown)."""
    figure, axes = _figure(*size)
    _title(axes, title)
    bands = [b for b in ("healthy", "at_risk", "critical", "unknown") if b in counts]
    if not any(counts.values()):
        _no_data(axes, "No clients")
        return _png(figure)
    values = [counts[b] for b in bands]
    bars = axes.barh(
        [b.replace("_", " ") for b in bands][::-1],
        values[::-1],
        color=[BAND_COLOURS[b] for b in bands][::-1],
    )
    axes.bar_label(bars, padding=2, fontsize=6.5, color=INK)
    axes.set_xticks([])
    axes.spines["bottom"].set_visible(False)
    axes.margins(x=0.15)
    return _png(figure)

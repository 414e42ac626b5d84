"""A digest as Markdown, as Slack Block Kit, and as a small chart of the risk distribution.

Block Kit is plain JSON, so it is built here without Slack's SDK; the "Draft intervention plan"
button carries :data:`DRAFT_INTERVENTION_ACTION` and the client's id for the Slack app to act on.
"""

from __future__ import annotations

import io
import json
from typing import Any, Final

from core.models import BANDS
from risk.digest import NOT_ENOUGH_DATA, RENEWAL_WINDOW_DAYS, SECTIONS, Digest, DigestItem

DRAFT_INTERVENTION_ACTION: Final = "draft_intervention_plan"
MAX_ITEMS: Final = 12
"""Items shown in Slack; Block Kit allows 50 blocks a message, and a digest should stay short."""
BAND_ORDER: Final = (*reversed(BANDS), NOT_ENOUGH_DATA)
BAND_EMOJI: Final = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🟢"}
BAND_COLOURS: Final = {
    "critical": "#c0392b",
    "high": "#e67e22",
    "medium": "#f1c40f",
    "low": "#27ae60",
    NOT_ENOUGH_DATA: "#95a5a6",
}


def distribution(digest: Digest) -> str:
    """'2 critical · 3 high · 4 medium · 3 low · 1 not enough data'."""
    parts = [f"{digest.band_counts[b]} {b}" for b in BAND_ORDER if digest.band_counts.get(b)]
    return " · ".join(parts) or "no clients"


def _headline(item: DigestItem) -> str:
    was = f", was {item.previous_band}" if item.previous_band else ""
    figure = (
        f"{item.probability:.0%} churn risk"
        if item.probability is not None
        else (f"score {item.score:.0f}/100")
    )
    renewal = (
        f", renews in {item.days_to_renewal} days"
        if item.days_to_renewal is not None and item.days_to_renewal <= RENEWAL_WINDOW_DAYS
        else ""
    )
    return f"{item.band} ({figure}{was}{renewal})"


def to_markdown(digest: Digest) -> str:
    """The digest as Markdown (e-mail, the CLI's dry run, the API)."""
    lines = [
        f"# {digest.subject}",
        "",
        f"{digest.recipient} · {digest.clients} clients · model: {digest.model}",
        "",
    ]
    if digest.is_empty:
        lines.append("No client became high-risk, rose a band or has an at-risk renewal.")
    for kind, title in SECTIONS:
        items = digest.section(kind)
        if not items:
            continue
        lines += [f"## {title}", ""]
        for item in items:
            lines.append(f"- **{item.client_name}**: {_headline(item)}")
            lines += [f"  - {reason}" for reason in item.reasons]
            lines.append(f"  - Next: {item.action}")
        lines.append("")
    lines += ["", f"Portfolio: {distribution(digest)}"]
    return "\n".join(lines).rstrip() + "\n"


def fallback_text(digest: Digest) -> str:
    """The notification text Slack shows where blocks cannot be displayed."""
    counts = {kind: len(digest.section(kind)) for kind, _ in SECTIONS}
    return (
        f"{digest.subject}: {counts['new_high_risk']} new high-risk, {counts['band_rose']} rose, "
        f"{counts['renewal_at_risk']} renewals at risk"
    )


def to_blocks(digest: Digest) -> list[dict[str, Any]]:
    """The digest as Slack Block Kit blocks, with a button per client."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest.subject[:150]}},
        _context(f"{digest.clients} clients · {distribution(digest)} · model: {digest.model}"),
    ]
    if digest.is_empty:
        blocks.append(
            _section("No client became high-risk, rose a band or has an at-risk renewal.")
        )
    shown = 0
    for kind, title in SECTIONS:
        items = digest.section(kind)
        if not items or shown >= MAX_ITEMS:
            continue
        blocks += [{"type": "divider"}, _section(f"*{title}*")]
        for item in items[: MAX_ITEMS - shown]:
            blocks.append(_item_block(item, digest))
            shown += 1
    if len(digest.items) > shown:
        blocks.append(_context(f"…and {len(digest.items) - shown} more: `chasen digest` lists all"))
    return blocks


def _item_block(item: DigestItem, digest: Digest) -> dict[str, Any]:
    reasons = "\n".join(f"• {r}" for r in item.reasons)
    text = (
        f"{BAND_EMOJI.get(item.band, '')} *{item.client_name}*: {_headline(item)}\n{reasons}\n"
        f"_Next:_ {item.action}"
    )
    return {
        **_section(text[:3000]),
        "accessory": {
            "type": "button",
            "text": {"type": "plain_text", "text": "Draft intervention plan"},
            "action_id": DRAFT_INTERVENTION_ACTION,
            "value": json.dumps(
                {"client_id": str(item.client_id), "period_end": digest.period_end.isoformat()}
            ),
        },
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def chart_png(digest: Digest) -> bytes:
    """A small bar chart of clients per band (PNG), to attach where Slack allows files."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    bands = [b for b in BAND_ORDER if digest.band_counts.get(b)]
    counts = [digest.band_counts[b] for b in bands]
    figure, axes = plt.subplots(figsize=(4.5, 2.2), dpi=100)
    try:
        bars = axes.barh(bands[::-1], counts[::-1], color=[BAND_COLOURS[b] for b in bands[::-1]])
        axes.bar_label(bars, padding=2, fontsize=8)
        axes.set_title(f"Risk across {digest.clients} clients", fontsize=9)
        axes.tick_params(labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    return buffer.getvalue()

"""Risk digests: what changed in a person's clients (or a region) over a period.

A digest is the period's changes, not a dump: clients that became high-risk, clients whose band
rose, and renewals within 90 days that are at risk, each with its top reasons and one suggested
next action. It compares each client's latest prediction as of the period's end with its latest
prediction as of the period's start.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

from core.models import Client, User
from risk.actions import next_action
from risk.bands import HIGH_RISK, rank
from risk.feature_repository import clients_in_scope
from risk.model_store import models_by_version
from risk.prediction_repository import latest_predictions

RENEWAL_WINDOW_DAYS: Final = 90
TOP_REASONS: Final = 3
NOT_ENOUGH_DATA: Final = "not enough data"
ItemKind = Literal["new_high_risk", "band_rose", "renewal_at_risk"]
SECTIONS: Final[tuple[tuple[ItemKind, str], ...]] = (
    ("new_high_risk", "New high-risk clients"),
    ("band_rose", "Risk rose"),
    ("renewal_at_risk", f"Renewals within {RENEWAL_WINDOW_DAYS} days at risk"),
)


@dataclass(frozen=True)
class DigestItem:
    """One client worth a look this period."""

    kind: ItemKind
    client_id: uuid.UUID
    client_name: str
    band: str
    previous_band: str | None
    score: float
    probability: float | None
    days_to_renewal: int | None
    reasons: list[str]
    action: str


@dataclass(frozen=True)
class Digest:
    """A recipient's digest for one period."""

    recipient: str
    recipient_email: str
    scope: str
    region: str | None
    period_start: date
    period_end: date
    clients: int
    model: str
    items: list[DigestItem] = field(default_factory=list)
    band_counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Nothing changed that needs attention."""
        return not self.items

    def section(self, kind: ItemKind) -> list[DigestItem]:
        """The items of one section, most at risk first."""
        return [i for i in self.items if i.kind == kind]

    @property
    def subject(self) -> str:
        """Whose digest this is, for headings."""
        about = f"region {self.region}" if self.scope == "region" else "your clients"
        return f"Risk digest: {about}, {self.period_start:%-d %b} to {self.period_end:%-d %b %Y}"


def compose_digest(
    session: Session,
    recipient: User,
    *,
    period_start: date,
    period_end: date,
    scope: str = "owner",
    region: str | None = None,
) -> Digest:
    """The recipient's digest for the period, from stored predictions."""
    clients = clients_in_scope(session, recipient.id, region if scope == "region" else None)
    ids = [c.id for c in clients]
    now = latest_predictions(session, ids, period_end)
    before = latest_predictions(session, ids, period_start)
    items = []
    for client in clients:
        item = _item(client, now.get(client.id), before.get(client.id))
        if item is not None:
            items.append(item)
    items.sort(key=lambda i: (-rank(i.band), -i.score, i.client_name))
    counts = Counter(
        (p["band"] or NOT_ENOUGH_DATA) if (p := now.get(c.id)) else NOT_ENOUGH_DATA for c in clients
    )
    models = {p["model_version"] for p in now.values()}
    return Digest(
        recipient=recipient.name,
        recipient_email=recipient.email,
        scope=scope,
        region=region,
        period_start=period_start,
        period_end=period_end,
        clients=len(clients),
        model=_model_label(session, models),
        items=items,
        band_counts=dict(counts),
    )


def _item(
    client: Client, now: dict[str, Any] | None, before: dict[str, Any] | None
) -> DigestItem | None:
    if now is None or now["status"] != "scored":
        return None
    band: str = now["band"]
    previous = before["band"] if before else None
    days = now["inputs"]["values"].get("days_to_renewal")
    kind: ItemKind | None = None
    if band in HIGH_RISK and previous not in HIGH_RISK:
        kind = "new_high_risk"
    elif before is not None and rank(band) > rank(previous):
        kind = "band_rose"
    elif days is not None and days <= RENEWAL_WINDOW_DAYS and rank(band) >= rank("medium"):
        kind = "renewal_at_risk"
    if kind is None:
        return None
    raising = [r for r in now["reasons"] if r["direction"] == "raises"]
    return DigestItem(
        kind=kind,
        client_id=client.id,
        client_name=client.name,
        band=band,
        previous_band=previous,
        score=float(now["score"]),
        probability=now["probability"],
        days_to_renewal=None if days is None else int(days),
        reasons=[r["text"] for r in raising[:TOP_REASONS]],
        action=next_action(raising, now["inputs"].get("context", {})),
    )


def _model_label(session: Session, versions: set[int]) -> str:
    if not versions:
        return "no predictions yet"
    return "; ".join(f"v{m.version} {m.description}" for m in models_by_version(session, versions))

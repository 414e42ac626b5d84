"""Clients' churn risk as of today, for readers (the agent's tools, plan drafts).

Scored live with the current model and not stored: reading risk never writes predictions
(scoring runs and digests store theirs).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from core.models import Client
from risk.actions import next_action
from risk.bands import HIGH_RISK, rank
from risk.scoring import score_portfolio


@dataclass(frozen=True)
class ClientRisk:
    """One client's band with its reasons and next action, or why it has no score."""

    client_id: uuid.UUID
    client_name: str
    as_of: date
    model: str
    band: str | None
    score: float | None
    reasons: list[dict[str, Any]]
    action: str | None
    missing: str | None
    inputs: dict[str, Any]

    @property
    def high(self) -> bool:
        """True for the high and critical bands."""
        return self.band in HIGH_RISK

    @property
    def raising(self) -> list[dict[str, Any]]:
        """The reasons that raise the risk, biggest first."""
        return [r for r in self.reasons if r["direction"] == "raises"]


def assess(session: Session, clients: Sequence[Client], on: date) -> list[ClientRisk]:
    """Each client's risk as of ``on``, riskiest first (unscored clients last)."""
    if not clients:
        return []
    names = {c.id: c.name for c in clients}
    report = score_portfolio(session, as_of=on, client_ids=list(names), store=False)
    model = f"v{report.model_version} {report.model_description}"
    risks = []
    for p in report.predictions:
        raising = [r for r in p.reasons if r["direction"] == "raises"]
        risks.append(
            ClientRisk(
                client_id=p.client_id,
                client_name=names[p.client_id],
                as_of=p.as_of,
                model=model,
                band=p.band,
                score=p.score,
                reasons=p.reasons,
                action=next_action(raising, p.inputs.get("context", {})) if p.band else None,
                missing=p.missing,
                inputs=p.inputs,
            )
        )
    risks.sort(key=lambda r: (-rank(r.band), -(r.score or 0), r.client_name))
    return risks

"""Data accuracy of a plan draft: every figure, in its text and its sections, against the tables.

A draft is the approval's arguments as ChaSen proposes them: ``sections`` (all eight),
``sources``, ``plan_type``, ``fiscal_year``, ``plan_id``. Text is read by
:mod:`evals.draft_text`; the sections' figures are compared field by field with
:class:`~evals.draft_truth.Truth`. Besides equal figures, the opportunities must be the largest
open deals (none larger left out), and an action must fall due from today and, for a deal,
before it closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.models import MEDDPICC_DIMENSIONS
from evals.draft_text import Claim, check_text, matches, shown
from evals.draft_truth import Truth, grade, health_band

CENT = Decimal("0.01")


@dataclass
class Accuracy:
    """Every figure checked, and the labels (years, windows, scales) left out."""

    truth: Truth
    draft: dict[str, Any]
    claims: list[Claim] = field(default_factory=list)
    excluded: int = 0

    @property
    def wrong(self) -> list[Claim]:
        """The figures that do not match their source."""
        return [c for c in self.claims if not c.ok]

    def text(self, value: Any, where: str, **about: Any) -> None:
        """Check every number of a text (see :func:`evals.draft_text.check_text`)."""
        found = check_text(str(value or ""), where, self.truth, self.draft, **about)
        self.claims += found.claims
        self.excluded += found.excluded

    def same(self, where: str, label: str, entity: str, said: Any, value: Any, source: str) -> None:
        """Check one structured figure (both absent: nothing to check)."""
        if said is None and value is None:
            return
        written = str(said)
        ok = said is not None and matches(written, value)
        expected = shown(value, written) if value is not None else "no such figure"
        self.claims.append(Claim(where, label, entity, written, expected, source, ok))

    def refuse(self, where: str, label: str, said: str, why: str, source: str) -> None:
        """Record an item that should not be in the draft at all."""
        self.claims.append(Claim(where, label, "", said, why, source, False))


def accuracy(draft: dict[str, Any], truth: Truth) -> Accuracy:
    """Each figure of the draft, text and structured, against the tables."""
    check = Accuracy(truth, draft)
    sections = draft["sections"]
    check.text(sections["value"].get("executive_summary"), "summary")
    _portfolio(check, sections["portfolio"])
    _snapshot(check, sections["snapshot"])
    _targets(check, sections["targets"])
    _opportunities(check, sections["opportunities"])
    _stakeholders(check, sections["stakeholders"])
    for risk in sections["risks"]:
        name = str(risk.get("client_name"))
        client = truth.client(name)
        band = client.band if client else None
        check.same(
            f"risk {name}",
            "severity",
            name,
            risk.get("severity"),
            band,
            "the stored churn prediction",
        )
        for key in ("title", "description", "source"):
            check.text(risk.get(key), f"risk {name}", client=client)
    for action in sections["actions"]:
        _due(check, action)
        client = truth.client(str(action.get("client_name")))
        check.text(action.get("title"), "action", client=client)
    return check


def _portfolio(check: Accuracy, items: list[dict[str, Any]]) -> None:
    by_id = {str(c.id): c for c in check.truth.clients}
    for item in items:
        client = by_id.get(str(item.get("client_id")))
        if client is None:
            name = str(item.get("name"))
            check.refuse(
                "portfolio", "client", name, "not among the plan's clients", "the client table"
            )
            continue
        for key, value in (
            ("arr", client.arr),
            ("health_score", client.health),
            ("nps", client.nps),
            ("renewal_date", client.renewal),
        ):
            label = key.replace("_", " ")
            check.same("portfolio", label, client.name, item.get(key), value, "the client record")
    check.same("portfolio", "clients", "", len(items), len(check.truth.clients), "the client table")


def _snapshot(check: Accuracy, snap: dict[str, Any]) -> None:
    truth, where = check.truth, "snapshot"
    clients = truth.clients
    check.same(where, "as of", "", snap.get("as_of"), truth.today, "the evaluation date")
    check.same(
        where, "client count", "", snap.get("client_count"), len(clients), "the client table"
    )
    known = {
        k: [getattr(c, k) for c in clients if getattr(c, k) is not None]
        for k in ("arr", "health", "nps", "open_p1s")
    }
    check.same(where, "ARR", "", snap.get("arr"), sum(known["arr"]), "the client table")
    p1s = sum(known["open_p1s"]) if known["open_p1s"] else None
    check.same(where, "open P1s", "", snap.get("open_p1s"), p1s, "the support history")
    for key, values in (("health_score", known["health"]), ("nps", known["nps"])):
        mean = sum(values) / len(values) if values else None
        check.same(where, key.replace("_", " "), "", snap.get(key), mean, "the client table")
    spread = snap.get("health_distribution") or {}
    for band in ("healthy", "at_risk", "critical", "unknown"):
        count = sum(health_band(c.health) == band for c in clients)
        check.same(where, f"{band} clients", "", spread.get(band), count, "the client table")
    if truth.account and clients:
        client = clients[0]
        sla, renewal = snap.get("support_sla_pct"), snap.get("renewal_date")
        check.same(where, "SLA met", client.name, sla, client.sla_pct, "the client record")
        check.same(where, "renewal", client.name, renewal, client.renewal, "the client record")


def _targets(check: Accuracy, targets: dict[str, Any]) -> None:
    truth = check.truth
    year = targets.get("fiscal_year")
    check.same("targets", "fiscal year", "", year, truth.fiscal_year, "the request")
    year = check.draft.get("fiscal_year")
    check.same("draft", "fiscal year", "", year, truth.fiscal_year, "the request")
    pipeline = targets.get("pipeline_weighted_acv")
    check.same("targets", "open weighted ACV", "", pipeline, truth.pipeline, "the pipeline")
    stored = {q["quarter"]: q for q in truth.quarters}
    drafted = targets.get("quarters") or []
    if not truth.account:
        check.same(
            "targets", "quarters", truth.owner, len(drafted), len(stored), "the targets table"
        )
    for quarter in drafted:
        row = stored.get(quarter.get("quarter"), {})
        for key, value in quarter.items():
            if key != "quarter":
                where, label = f"targets Q{quarter.get('quarter')}", key.replace("_", " ")
                check.same(where, label, truth.owner, value, row.get(key), "the targets table")
    # Coverage from the stored rows of the quarters the draft holds (none: no coverage).
    rows = [stored.get(q.get("quarter"), {}) for q in drafted]
    left = sum(r.get("weighted_acv_target", 0) - r.get("weighted_acv_actual", 0) for r in rows)
    coverage = (truth.pipeline / left).quantize(CENT, ROUND_HALF_UP) if left > 0 else None
    check.same("targets", "coverage", "", targets.get("coverage"), coverage, "the targets table")


def _opportunities(check: Accuracy, items: list[dict[str, Any]]) -> None:
    truth = check.truth
    for opp in items:
        deal = next((d for d in truth.deals if str(d.id) == opp.get("opportunity_id")), None)
        if deal is None:
            name = str(opp.get("name"))
            check.refuse("opportunities", "deal", name, "not an open deal in scope", "the pipeline")
            continue
        total = deal.total
        pairs: list[tuple[str, Any, Any]] = [
            ("probability", opp.get("probability"), deal.probability),
            ("acv", opp.get("acv"), deal.acv),
            ("tcv", opp.get("tcv"), deal.tcv),
            ("weighted ACV", opp.get("weighted_acv"), deal.weighted),
            ("close date", opp.get("close_date"), deal.close),
            ("MEDDPICC total", opp.get("meddpicc_total"), total),
            (
                "MEDDPICC grade",
                opp.get("meddpicc_grade"),
                grade(total) if total is not None else None,
            ),
        ]
        scores, stored = opp.get("meddpicc") or {}, deal.meddpicc or {}
        pairs += [(f"MEDDPICC {d}", scores.get(d), stored.get(d)) for d in MEDDPICC_DIMENSIONS]
        for label, said, value in pairs:
            check.same("opportunities", label, deal.name, said, value, "the pipeline")
        check.text(opp.get("next_step"), "coaching", deal=deal)
    # The deals in the plan are the largest open ones: none larger is left out.
    chosen = {str(i.get("opportunity_id")) for i in items}
    smallest = min((Decimal(str(i.get("weighted_acv") or 0)) for i in items), default=None)
    bigger = [
        d
        for d in truth.deals
        if str(d.id) not in chosen and (smallest is None or d.weighted > smallest)
    ]
    left_out = ", ".join(f"{d.name} ({shown(d.weighted, '$0')})" for d in bigger)
    said = f"{len(items)} deals"
    expected = f"larger open deals left out: {left_out}" if bigger else said
    check.claims.append(
        Claim(
            "opportunities", "the largest", truth.owner, said, expected, "the pipeline", not bigger
        )
    )


def _stakeholders(check: Accuracy, items: list[dict[str, Any]]) -> None:
    truth = check.truth
    if not truth.account:
        return
    known = {str(i.get("name")) for i in truth.existing_map}
    expected = len(truth.existing_map) + len([p for p in truth.people if p not in known])
    check.same("stakeholders", "people mapped", "", len(items), expected, "the stakeholder table")
    for item in items:
        name = str(item.get("name"))
        kept = [i.get("last_contact") for i in truth.existing_map if i.get("name") == name]
        dates = [d for d in [truth.people.get(name), *map(_day, kept)] if d is not None]
        latest = max(dates) if dates else None
        said = item.get("last_contact")
        check.same("stakeholders", "last contact", name, said, latest, "the stakeholder table")


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _due(check: Accuracy, action: dict[str, Any]) -> None:
    """A due date is on or after today, and a deal's action is due before the deal closes."""
    truth = check.truth
    due = date.fromisoformat(str(action["due_date"]))
    deal = next((d for d in truth.deals if d.name in str(action.get("title"))), None)
    close = deal.close if deal and deal.close and deal.close >= truth.today else None
    ok = due >= truth.today and (close is None or due <= close)
    expected = f"a date from {truth.today}" + (f" to the close on {close}" if close else "")
    entity = str(action.get("client_name"))
    check.claims.append(
        Claim("actions", "the due date", entity, due.isoformat(), expected, "the calendar", ok)
    )

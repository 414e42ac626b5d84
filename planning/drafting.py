"""A plan draft from data: all eight sections, for a person to approve.

Drafting is a pure function of :class:`~planning.draft_data.DraftData`: item ids derive from
the rows they describe, so drafting twice from the same data gives the same sections. Every
number in generated text is a figure from the data, followed by the id of its source
(``[S1]``), as :func:`planning.draft_data.data_facts` states them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

from core.models import MEDDPICC_DIMENSIONS
from planning.calculations import MEDDPICC_MAX_PER_DIMENSION, MEDDPICC_MAX_TOTAL
from planning.draft_data import (
    DraftData,
    DraftRequest,
    Fact,
    Source,
    data_facts,
    gather,
    money,
    renewal_days,
)
from planning.sections import SECTIONS, validate_section
from risk.assessment import ClientRisk
from risk.bands import HIGH_RISK

__all__ = [
    "OFFLINE_LABEL",
    "DraftData",
    "DraftRequest",
    "Fact",
    "Source",
    "coaching",
    "draft_sections",
    "gather",
    "offline_summary",
    "sources_line",
    "summary_facts",
]

OFFLINE_LABEL: Final = "Drafted offline from ChaSen's data (no language model)."
UNMARKED_FOCUS: Final = 5
"""With no deal marked focus, the largest deals by weighted ACV are coached instead."""
RENEWAL_WINDOW_DAYS: Final = 90
"""A medium-risk client renewing this soon still gets a risk item."""

DIMENSION_LABELS: Final = {d: d.replace("_", " ").capitalize() for d in MEDDPICC_DIMENSIONS}
COACHING: Final[dict[str, str]] = {
    "metrics": "agree the measurable outcome the client expects, in their numbers",
    "economic_buyer": "confirm who signs and meet them",
    "decision_criteria": "write down how they will choose and where we stand on each point",
    "decision_process": "map who decides, in what order, and by when",
    "paper_process": "map the procurement steps and dates",
    "identify_pain": "confirm the pain in the client's words and what it costs them",
    "champion": "find and test a champion who sells for us when we are not in the room",
    "competition": "name the alternatives, including doing nothing, and our edge over each",
}
LIKELIHOOD: Final = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}
PRIORITY: Final = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}
DEAL_DUE_DAYS: Final = 21

# The summary's first paragraph follows the reader's role; the second holds the other view.
_PIPELINE: Final = ("pipeline", "targets", "deal")
_ACCOUNT: Final = ("health", "trend", "engagement", "relationships")
LEAD_TOPICS: Final = {
    "CSE": (("scope", *_PIPELINE), _ACCOUNT),
    "CAM": (("scope", *_ACCOUNT), _PIPELINE),
}
LATER_TOPICS: Final = ("risk", "action", "client", "meeting")


def draft_sections(data: DraftData, executive_summary: str | None = None) -> dict[str, Any]:
    """All eight sections of the draft, each validated and JSON-ready.

    The executive summary is ``executive_summary`` when given (a language model's), else the
    templated offline summary.
    """
    opportunities, coached = _coached_opportunities(data)
    risks = risk_items(data)
    summary = executive_summary if executive_summary is not None else offline_summary(data)
    raw = {
        "portfolio": data.base["portfolio"],
        "snapshot": data.base["snapshot"],
        "targets": data.base["targets"],
        "opportunities": opportunities,
        "stakeholders": data.stakeholders,
        "risks": risks,
        "actions": action_items(data, risks, coached),
        "value": {"executive_summary": summary, "outcomes": []},
    }
    return {name: validate_section(name, raw[name]) for name in SECTIONS}


# --- opportunities -----------------------------------------------------------------------------


def coaching(opportunity: dict[str, Any], cite: str = "") -> str:
    """MEDDPICC coaching for a validated opportunity item: its two weakest dimensions."""
    scores = opportunity.get("meddpicc")
    if not scores:
        return f"MEDDPICC not scored yet. Coach: score all eight dimensions {cite}".strip()
    weakest = _weakest(scores)
    tips = "; ".join(
        f"{DIMENSION_LABELS[d]} {scores[d]}/{MEDDPICC_MAX_PER_DIMENSION}: {COACHING[d]}"
        for d in weakest
    )
    total, grade = opportunity["meddpicc_total"], opportunity["meddpicc_grade"]
    return f"MEDDPICC {total}/{MEDDPICC_MAX_TOTAL} ({grade}). Coach: {tips}. {cite}".strip()


def _weakest(scores: dict[str, int]) -> list[str]:
    order = {d: i for i, d in enumerate(MEDDPICC_DIMENSIONS)}
    return sorted(MEDDPICC_DIMENSIONS, key=lambda d: (scores[d], order[d]))[:2]


def focus_deals(opportunities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The deals marked focus, else the largest few by weighted ACV (validated items)."""
    marked = [o for o in opportunities if o["focus_deal"]]
    if marked:
        return marked
    return sorted(opportunities, key=lambda o: (-o["weighted_acv"], o["name"]))[:UNMARKED_FOCUS]


def _coached_opportunities(
    data: DraftData,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The opportunity section with coaching as the focus deals' next step, and those deals."""
    items: list[dict[str, Any]] = validate_section("opportunities", data.base["opportunities"])
    cite = data.cite("pipeline")
    coached = focus_deals(items)
    for item in coached:
        item["next_step"] = coaching(item, cite)
    return items, coached


# --- risks and actions -------------------------------------------------------------------------


def needing_items(data: DraftData) -> list[ClientRisk]:
    """Clients in the high or critical band, and medium ones renewing within 90 days."""
    clients = {c.id: c for c in data.clients}

    def renewing(risk: ClientRisk) -> bool:
        days = renewal_days(clients[risk.client_id], data.today)
        return days is not None and 0 <= days <= RENEWAL_WINDOW_DAYS

    return [r for r in data.risks if r.high or (r.band == "medium" and renewing(r))]


def risk_items(data: DraftData) -> list[dict[str, Any]]:
    """The risk section: one item per client that :func:`needing_items` picks, riskiest first."""
    cite = data.cite("churn_model")
    items = []
    for risk in needing_items(data):
        band = str(risk.band)
        category = "renewal" if _renewal_reason(risk) else "churn"
        items.append(
            {
                "id": f"risk-{risk.client_id.hex[:12]}",
                "title": f"{category.capitalize()} risk: {risk.client_name} ({band})",
                "description": f"{'; '.join(r['text'] for r in risk.raising[:3])} {cite}".strip(),
                "client_name": risk.client_name,
                "category": category,
                "severity": band,
                "likelihood": LIKELIHOOD[band],
                "mitigation": risk.action,
                "owner": data.cam_names.get(risk.client_id, data.request.owner.name),
                "source": f"churn model {risk.model} as of {risk.as_of} {cite}".strip(),
            }
        )
    return items


def _renewal_reason(risk: ClientRisk) -> bool:
    days = risk.inputs.get("values", {}).get("days_to_renewal")
    raised = any(r["feature"] == "days_to_renewal" for r in risk.raising)
    return raised and days is not None and days <= RENEWAL_WINDOW_DAYS


def action_items(
    data: DraftData, risks: list[dict[str, Any]], coached: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One action per risk (its mitigation) and one per coached deal (its weakest gaps)."""
    today = data.today
    actions = [
        {
            "id": f"action-{risk['id']}",
            "title": risk["mitigation"] or f"Review {risk['client_name']} with its owner",
            "owner": risk["owner"],
            "due_date": today + timedelta(days=14 if risk["severity"] in HIGH_RISK else 30),
            "priority": PRIORITY[risk["severity"]],
            "client_name": risk["client_name"],
            "risk_id": risk["id"],
        }
        for risk in risks
    ]
    for deal in coached:
        close = date.fromisoformat(deal["close_date"]) if deal["close_date"] else None
        due = today + timedelta(days=DEAL_DUE_DAYS)
        # Due before the deal closes, but never in the past for a deal that is overdue.
        due = max(today, min(due, close)) if close else due
        actions.append(
            {
                "id": f"action-deal-{deal['id']}",
                "title": _deal_action_title(deal, data.cite("pipeline")),
                # The deal's owner closes its gaps (a CAM's account plan has the CSE's deals).
                "owner": data.deal_owners.get(str(deal["opportunity_id"]), data.request.owner.name),
                "due_date": due,
                "priority": "high" if deal["focus_deal"] else "medium",
                "client_name": deal["client_name"],
            }
        )
    return actions


def _deal_action_title(deal: dict[str, Any], cite: str) -> str:
    scores = deal.get("meddpicc")
    if not scores:
        return f"Score MEDDPICC for {deal['name']} with the deal team"
    gaps = ", ".join(
        f"{DIMENSION_LABELS[d]} {scores[d]}/{MEDDPICC_MAX_PER_DIMENSION}" for d in _weakest(scores)
    )
    return f"Close the MEDDPICC gaps on {deal['name']}: {gaps} {cite}".strip()


# --- the offline summary -----------------------------------------------------------------------


def summary_facts(data: DraftData) -> list[Fact]:
    """Every statement a summary may make, the reader's role's topics first.

    The offline summary is laid out from these; a language model gets them as its facts.
    """
    coached = _coached_opportunities(data)[1]
    risks = risk_items(data)
    facts = data_facts(data, {r.client_id for r in needing_items(data)})
    cite = data.cite("pipeline")
    facts += [Fact("deal", _deal_fact(deal, cite), 1) for deal in coached]
    facts += [
        Fact("action", f"{a['owner']} by {a['due_date']} ({a['client_name']}): {a['title']}", 1)
        for a in action_items(data, risks, coached)
    ]
    lead, follow = LEAD_TOPICS[data.request.emphasis]
    order = {topic: i for i, topic in enumerate((*lead, *follow, *LATER_TOPICS))}
    return sorted(facts, key=lambda f: order[f.topic])


def _deal_fact(deal: dict[str, Any], cite: str) -> str:
    kind = "Focus deal" if deal["focus_deal"] else "Top deal"
    close = f", closes {deal['close_date']}" if deal["close_date"] else ""
    head = (
        f"{kind}: {deal['name']} ({deal['client_name']}), {deal['stage']}, weighted ACV "
        f"{money(deal['weighted_acv'])}{close}"
    )
    return f"{head}; {deal['next_step']}"


def sources_line(sources: list[Source]) -> str:
    """``"Sources: [S1] label; [S2] label."``, the last line of every summary."""
    return "Sources: " + "; ".join(f"[{s.id}] {s.label}" for s in sources) + "."


def offline_summary(data: DraftData) -> str:
    """The executive summary from templates, led by the reader's role (no language model)."""
    facts = summary_facts(data)
    lead, follow = LEAD_TOPICS[data.request.emphasis]
    risks = [f.text for f in facts if f.topic == "risk"]
    actions = [f.text for f in facts if f.topic == "action"]
    paragraphs = [
        OFFLINE_LABEL,
        _lines(facts, lead),
        _lines(facts, follow),
        _block("Risks", risks, _no_risk(data)),
        _block("Recommended actions", actions, "none proposed from the data."),
        sources_line(data.sources),
    ]
    return "\n\n".join(p for p in paragraphs if p)


def _lines(facts: list[Fact], topics: tuple[str, ...]) -> str:
    return "\n".join(f.text for f in facts if f.topic in topics)


def _block(title: str, bullets: list[str], empty: str) -> str:
    if not bullets:
        return f"{title}: {empty}"
    return "\n".join([f"{title}:", *(f"- {b}" for b in bullets)])


def _no_risk(data: DraftData) -> str:
    """The risk paragraph when no client needs a risk item: say where each one stands."""
    scored = [r for r in data.risks if r.band is not None]
    if data.account and data.risks and not scored:
        # Saying "no client is at high risk" of a client that could not be scored would
        # reassure without grounds.
        risk = data.risks[0]
        why = risk.missing or "not enough data"
        return f"{risk.client_name} has no churn-risk score ({why}) {data.cite('churn_model')}."
    if data.account and scored:
        risk = scored[0]
        top = risk.raising[0]["text"] if risk.raising else "no reason raises it"
        return (
            f"{risk.client_name} is in the {risk.band} churn-risk band (score {risk.score:g}); "
            f"the biggest factor: {top} {data.cite('churn_model')}."
        )
    counts = ", ".join(f"{n} {band}" for band, n in _band_counts(data).items())
    detail = f" ({counts}) {data.cite('churn_model')}" if counts else ""
    return f"no client is in the high or critical band{detail}."


def _band_counts(data: DraftData) -> dict[str, int]:
    counts: dict[str, int] = {}
    for risk in data.risks:
        key = risk.band or "not scored"
        counts[key] = counts.get(key, 0) + 1
    return counts

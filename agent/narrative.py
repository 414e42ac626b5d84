"""The executive summary of a plan draft: ChaSen's templated wording, or the language model's.

Both are written from the same sentences (:func:`planning.drafting.summary_facts`), each citing
its source id, so a figure the model may use is one the data holds. The templated summary lives
in the planning domain (drafting needs it without a model); this module bounds the model's
facts by a token budget, keeping every high or critical client named.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.budget import Fitted, Record, count_tokens, fit_records
from planning.drafting import DraftData, sources_line, summary_facts


def narrative_facts(data: DraftData, *, compact: bool = False) -> list[Record]:
    """The facts a language model needs to write the summary, one record per line.

    Priorities: 0 for the headline totals and every high or critical client, 1 for medium
    risks, focus deals, trends and actions, 2 for the rest (healthy clients, meetings).
    ``compact`` names the high and critical clients in one line per band (priority 0) and
    demotes their detail lines to 1, for territories too big to state each one in the budget.
    """
    records = []
    for fact in summary_facts(data):
        detail = fact.topic == "risk" and fact.priority == 0
        records.append(Record(fact.text, 1 if compact and detail else fact.priority))
    if compact:
        records[1:1] = _roll_up(data)
    records.append(Record(sources_line(data.sources), 1))
    return records


def _roll_up(data: DraftData) -> list[Record]:
    """One line per high-risk band naming all its clients (riskiest first)."""
    cite = data.cite("churn_model")
    lines = []
    for band in ("critical", "high"):
        names = [r.client_name for r in data.risks if r.band == band]
        if names:
            lines.append(Record(f"{band.capitalize()} churn risk {cite}: {', '.join(names)}.", 0))
    return lines


def facts_prompt(data: DraftData, budget_tokens: int) -> tuple[str, Fitted]:
    """The facts as prompt text within ``budget_tokens``, and what was kept or left out.

    Whole lines are kept by priority; when the priority-0 lines alone do not fit, the high
    and critical clients are rolled up by band so that each is still named. The returned
    text, including its "left out" note, never exceeds the budget.
    """
    records = narrative_facts(data)
    if _cost(r for r in records if r.priority == 0) > budget_tokens:
        records = narrative_facts(data, compact=True)
    room = budget_tokens
    while room > 0:
        fitted = fit_records(records, room)
        text = fitted.joined()
        over = count_tokens(text) - budget_tokens
        if over <= 0:
            return text, fitted
        # The "left out" note and joins cost tokens fit_records does not count: shrink and retry.
        room -= over
    return "", Fitted(texts=[], tokens=0, dropped=len(records))


def _cost(records: Iterable[Record]) -> int:
    """Tokens the records take as fit_records counts them (each with its newline)."""
    return sum(count_tokens(r.text + "\n") for r in records)

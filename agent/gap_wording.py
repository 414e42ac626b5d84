"""A gap analysis in the language model's words, or ChaSen's templated summary.

The model sees only the analysis's numbered facts (:func:`planning.gap_analysis.gap_facts`),
which carry every figure of the ranked recommendations. Its wording is used only when every
number it writes appears in those facts; otherwise, offline or when the service fails, the
templated summary stands.
"""

from __future__ import annotations

import re

from langchain_core.messages import HumanMessage

from agent import models
from agent.context import ModelSettings
from agent.prompts import GAP_WORDING_PROMPT
from planning.gap_analysis import GapAnalysis, gap_facts

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def word_gap_analysis(analysis: GapAnalysis, model: ModelSettings) -> str:
    """The analysis's summary worded by the model from its facts only; the templated summary
    when offline, when the service is unavailable, or when the wording states a number that
    is not in the facts."""
    if model.offline:
        return analysis.summary
    facts = "\n".join(gap_facts(analysis))
    prompt = GAP_WORDING_PROMPT.format(
        owner=analysis.owner.name, fiscal_year=analysis.fiscal_year, facts=facts
    )
    try:
        reply = models.invoke(model, [HumanMessage(content=prompt)])
    except models.ModelUnavailableError:
        return analysis.summary
    text = str(reply.message.content).strip()
    if not text or not numbers_from(text) <= numbers_from(facts):
        return analysis.summary
    return text


def numbers_from(text: str) -> set[str]:
    """The numbers a text states, thousands separators and trailing decimal zeros removed
    (``1,200.50`` and ``1200.5`` are the same number)."""
    found = set()
    for raw in NUMBER.findall(text):
        number = raw.replace(",", "")
        if "." in number:
            number = number.rstrip("0").rstrip(".")
        found.add(number)
    return found

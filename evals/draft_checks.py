"""Grounding, role emphasis, at-risk clients and completeness of one plan draft.

Each check takes the draft as ChaSen proposes it (the approval's arguments: ``sections``,
``sources``, ...) and returns what it counted and what went wrong, so a test can call it on a
tampered draft. Data accuracy is :mod:`evals.draft_accuracy`.

* **Grounding**: every statement that states a figure or a claim cites a source id ``[S#]``,
  and every id cited is among the draft's sources. A statement is a line of the summary (the
  summary states one fact per line, with its sources at its end); the offline label, headings,
  the closing "Sources:" line and the plan's own description ("Account plan FY2026 for X,
  owner Y, as of <today>") are not statements. A recommended action ("Owner by <date>
  (client): ...") is a proposal, not a claim: it needs a source only when it states a figure.
  Risk descriptions and MEDDPICC coaching are statements too.
* **Emphasis**: the first paragraph after the offline label leads with the reader's topics:
  pipeline, coverage and ACV for a CSE; health, NPS, engagement and relationships for a CAM.
* **At-risk clients**: every client in scope stored as high or critical churn risk today is
  named in the risks section and in a summary line about risk (or in its "Risks" paragraph).
* **Completeness**: the README's progress (five steps, each a fifth, a partly filled step
  earning its share), beside the progress the data allows: a section the data has nothing for
  (no stakeholders found in any meeting, no open deal, no client at high risk) cannot be filled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evals.draft_truth import Truth
from planning.completion import STEPS
from planning.sections import is_filled

OFFLINE_LABEL = "Drafted offline"
CITE = re.compile(r"\[(S\d+)\]")
FIGURE = re.compile(r"(?<![\w.])-?\$?\d[\d,]*(?:\.\d+)?")
NOT_FIGURES = re.compile(
    r"\[S\d+\]|\bFY\d{4}\b|\bQ[1-4]\b|\bP[1-4]\b|(?:last|over|past|the) \d+ days"
    r"|as of \d{4}-\d{2}-\d{2}|\bby \d{4}-\d{2}-\d{2}"
)
ACTION = re.compile(r"^\s*[-*]?\s*[\w .'-]+ by \d{4}-\d{2}-\d{2}\b")
# Lines about the draft itself rather than the data: the plan's description, an empty list.
ABOUT_DRAFT = re.compile(r"^(?:(?:Account|Territory) plan FY\d{4} for |Recommended actions:)")
HEADING = re.compile(r"^\W*[A-Z]\w*(?: \w+){0,3}:?\W*$")
# The words a paragraph about each role's topics uses (README: a CSE's pipeline, coverage
# and ACV; a CAM's health, NPS, engagement and relationships).
LEADS = {"CSE": "pipeline, coverage and ACV", "CAM": "health, NPS, engagement and relationships"}
TOPICS = {
    "CSE": re.compile(r"\b(?:pipeline|coverage|ACV|deals?|targets?)\b", re.IGNORECASE),
    "CAM": re.compile(
        r"\b(?:health|NPS|engagement|relationships?|stakeholders?|champion|meetings?)\b",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class Tally:
    """How many items a check looked at, how many passed, and what went wrong."""

    checked: int
    passed: int
    problems: list[str]


def summary(draft: dict[str, Any]) -> str:
    """The draft's executive summary."""
    return str(draft["sections"]["value"].get("executive_summary") or "")


def grounding(draft: dict[str, Any]) -> Tally:
    """Statements that need a source and cite known ones, over those that need one."""
    known = {str(s["id"]) for s in draft["sources"]}
    statements: list[tuple[str, str, bool]] = []  # (where, text, needs a source)
    problems: list[str] = []
    listed: set[str] | None = None
    for line in summary(draft).splitlines():
        text = line.strip()
        if not text or text.startswith(OFFLINE_LABEL) or HEADING.match(text):
            continue
        if text.startswith("Sources:"):
            listed = set(CITE.findall(text))
            continue
        proposal = bool(ABOUT_DRAFT.match(text) or ACTION.match(text))
        statements.append(("summary", text, _has_figure(text) or not proposal))
    if listed != known:
        # The closing line is how a reader resolves [S1]: it must list exactly the sources.
        shown = ", ".join(sorted(listed)) if listed is not None else "no Sources line"
        problems.append(
            f"the summary's sources ({shown}) differ from the draft's ({', '.join(sorted(known))})"
        )
    sections = draft["sections"]
    statements += [("risk", str(r.get("description") or ""), True) for r in sections["risks"]]
    statements += [
        ("coaching", str(o["next_step"]), _has_figure(str(o["next_step"])))
        for o in sections["opportunities"]
        if o.get("next_step")
    ]
    statements += [
        ("action", str(a["title"]), _has_figure(str(a["title"]))) for a in sections["actions"]
    ]
    checked, passed = 1, int(not problems)  # the Sources line is the first statement
    for where, text, needs in statements:
        cited = CITE.findall(text)
        unknown = sorted(set(cited) - known)
        if not needs and not cited:
            continue
        checked += 1
        if unknown:
            problems.append(
                f"{where} cites {', '.join(unknown)}, not a source of the draft: {text}"
            )
        elif needs and not cited:
            problems.append(f"{where} states a figure or claim without a source: {text}")
        else:
            passed += 1
    return Tally(checked, passed, problems)


def _has_figure(text: str) -> bool:
    return bool(FIGURE.search(NOT_FIGURES.sub(" ", text)))


def emphasis(draft: dict[str, Any], role: str, names: Sequence[str] = ()) -> str | None:
    """What is wrong with the summary's lead for a ``role`` reader (None: it is right).

    ``names`` (clients, deals) are masked first: "Barwon Health" is not a word about health.
    """
    paragraphs = [
        p
        for p in summary(draft).split("\n\n")
        if p.strip() and not p.startswith(OFFLINE_LABEL) and not p.startswith("Sources:")
    ]
    if not paragraphs:
        return "the summary is empty"
    first = paragraphs[0]
    for name in sorted(names, key=len, reverse=True):
        first = first.replace(name, "…")
    own, other = TOPICS[role], TOPICS["CAM" if role == "CSE" else "CSE"]
    mine, theirs = own.search(first), other.search(first)
    if mine and (theirs is None or mine.start() < theirs.start()):
        return None
    lead = theirs.group(0) if theirs else "neither"
    return (
        f"a {role}'s summary should lead with {LEADS[role]}, but its first paragraph leads "
        f"with {lead!r}: {paragraphs[0][:160]}"
    )


def at_risk(draft: dict[str, Any], truth: Truth) -> Tally:
    """High and critical clients (stored today) named in the risks section and the summary."""
    risks = draft["sections"]["risks"]
    text = summary(draft)
    paragraphs = text.split("\n\n")
    problems = []
    required = [c for c in truth.clients if c.high_risk]
    for client in required:
        in_section = any(
            client.name == r.get("client_name") or client.name in str(r.get("title")) for r in risks
        )
        in_summary = any(
            client.name in line and ("risk" in line.lower() or p.lstrip().startswith("Risks"))
            for p in paragraphs
            for line in p.splitlines()
        )
        where = [w for w, ok in (("risks section", in_section), ("summary", in_summary)) if not ok]
        if where:
            problems.append(
                f"{client.name} is at {client.band} churn risk (stored today) but is not named "
                f"in the {' or the '.join(where)}"
            )
    return Tally(len(required), len(required) - len(problems), problems)


@dataclass(frozen=True)
class Completeness:
    """README progress of the draft, the progress its data allows, and what is left empty."""

    progress: float
    attainable: float
    empty: list[str]
    """Sections the data could fill that the draft left empty."""
    no_data: list[str]
    """Sections left empty because the data has nothing for them."""


def completeness(draft: dict[str, Any], truth: Truth) -> Completeness:
    """Share of the five steps the draft fills, and the share its data would allow."""
    sections = draft["sections"]
    possible = {
        "portfolio": bool(truth.clients),
        "snapshot": bool(truth.clients),
        "targets": True,
        "stakeholders": truth.account and bool(truth.people or truth.existing_map),
        "opportunities": bool(truth.deals),
        "risks": any(c.high_risk for c in truth.clients),
        "value": True,
    }
    possible["actions"] = possible["risks"] or possible["opportunities"]
    context = bool(draft.get("plan_type") and draft.get("fiscal_year") and truth.clients)
    progress = attainable = 0.0
    for _step, members in STEPS:
        if not members:
            progress += float(context) / len(STEPS)
            attainable += 1 / len(STEPS)
            continue
        progress += sum(is_filled(sections.get(m)) for m in members) / len(members) / len(STEPS)
        reachable = sum(possible[m] or is_filled(sections.get(m)) for m in members)
        attainable += reachable / len(members) / len(STEPS)
    empty = [n for n, can in possible.items() if can and not is_filled(sections.get(n))]
    no_data = [n for n, can in possible.items() if not can and not is_filled(sections.get(n))]
    return Completeness(progress, attainable, empty, no_data)

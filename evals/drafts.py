"""The plan-draft evaluation: "Generate Plan Draft" on the demo portfolio, figure by figure.

Twelve scenarios (:mod:`evals.draft_scenarios`): account and territory plans, drafted by CSEs
and by CAMs, for healthy and at-risk clients, one into an existing plan and one for a client
with no health, NPS or history. Each draft is checked against the tables
(:mod:`evals.draft_truth`): data accuracy (:mod:`evals.draft_accuracy`), grounding, role
emphasis, at-risk clients named and completeness (:mod:`evals.draft_checks`); the plans are
compared before the draft and after it is rejected, which must show no write. With a model,
the LLM judge scores the summary's wording, and tokens and cost per draft are reported.

Completeness is the README's progress, and its target is what the data allows: a territory
plan has no relationship map (stakeholders come from one client's meetings), a portfolio with
no high-risk client has no risk item, a new client has no stakeholder yet. A draft must fill
every section its data can fill (100% of its attainable progress); the progress itself is
reported beside it, the missing-data scenario's included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any

from core.errors import ChaSenError
from evals import draft_checks as checks
from evals.cost import cost_usd
from evals.draft_accuracy import Accuracy, accuracy
from evals.draft_scenarios import SCENARIOS, Drafted, Scenario, draft_scenario
from evals.report import Case, Metric, SuiteReport, ratio
from evals.world import LazyWorld, World

NAME = "drafts"
TITLE = "Plan drafts (Generate Plan Draft)"
WORDING_TARGET = 4.0
SHOWN_PROBLEMS = 8
UNMEASURED = "needs a configured model (offline run: templated summaries, no tokens)"


def run(world: LazyWorld) -> SuiteReport:
    """Draft every scenario on the seeded world and check each draft."""
    return evaluate(world(), SCENARIOS)


def evaluate(world: World, scenarios: Sequence[Scenario]) -> SuiteReport:
    """Draft ``scenarios`` with ``world``'s ChaSen and report every figure beside its target."""
    assessed: list[Assessed] = []
    failed: list[Case] = []
    for scenario in scenarios:
        try:
            assessed.append(assess(draft_scenario(world, scenario)))
        except (ChaSenError, ValueError) as error:
            failed.append(Case(scenario.name, False, {}, [f"no draft: {error}"]))
    metrics = [
        Metric("scenarios drafted", len(assessed) / len(scenarios) if scenarios else None, 1.0,
               detail=f"{len(assessed)} of {len(scenarios)}"),
        *_metrics(assessed),
        *_model_metrics(world, [a.drafted for a in assessed]),
    ]  # fmt: skip
    notes = [
        f"{len(scenarios)} scenarios as of {world.today}, model {world.model.label}. The "
        "existing-plan scenario creates a plan filled from the portfolio with one hand-entered "
        "stakeholder and drafts into it by id; the new-client scenario adds a client with no "
        "health score, NPS, support or health history and one deal not scored on MEDDPICC. "
        "Both are removed afterwards, and every draft is rejected once checked.",
    ]
    return SuiteReport(NAME, TITLE, metrics, [a.case() for a in assessed] + failed, notes)


@dataclass
class Assessed:
    """Every check of one draft."""

    drafted: Drafted
    accuracy: Accuracy
    grounding: checks.Tally
    emphasis: str | None
    at_risk: checks.Tally
    completeness: checks.Completeness

    def problems(self) -> list[str]:
        """What went wrong, the first few accuracy misses first."""
        wrong = [c.problem() for c in self.accuracy.wrong]
        found = wrong[:SHOWN_PROBLEMS]
        if len(wrong) > SHOWN_PROBLEMS:
            found.append(f"... and {len(wrong) - SHOWN_PROBLEMS} more figures wrong")
        found += self.grounding.problems + self.at_risk.problems
        found += [self.emphasis] if self.emphasis else []
        found += [f"left empty though the data has it: {s}" for s in self.completeness.empty]
        found += [f"written before approval: {w}" for w in self.drafted.writes]
        return found + self.drafted.problems

    def case(self) -> Case:
        """The scenario's row of the report."""
        d, c, checked = self.drafted, self.completeness, len(self.accuracy.claims)
        figures: dict[str, Any] = {
            "figures right": f"{checked - len(self.accuracy.wrong)}/{checked}",
            "grounded": f"{self.grounding.passed}/{self.grounding.checked}",
            "at-risk named": f"{self.at_risk.passed}/{self.at_risk.checked}",
            "progress": f"{c.progress:.0%} of {c.attainable:.0%}",
        }
        if c.no_data:
            figures["no data for"] = ", ".join(c.no_data)
        if d.usage:
            figures["tokens in"] = d.usage.get("input_tokens", 0)
            figures["tokens out"] = d.usage.get("output_tokens", 0)
        if d.verdict is not None:
            figures["wording"] = d.verdict.score if d.verdict.score is not None else "unjudged"
        problems = self.problems()
        return Case(d.scenario.name, not problems, figures, problems)


def assess(drafted: Drafted) -> Assessed:
    """Run every check on one draft."""
    d = drafted.draft
    return Assessed(
        drafted,
        accuracy(d, drafted.truth),
        checks.grounding(d),
        checks.emphasis(d, drafted.role, drafted.names),
        checks.at_risk(d, drafted.truth),
        checks.completeness(d, drafted.truth),
    )


def _metrics(assessed: list[Assessed]) -> list[Metric]:
    """The deterministic checks, over every draft."""
    claims = [c for a in assessed for c in a.accuracy.claims]
    right = sum(c.ok for c in claims)
    excluded = sum(a.accuracy.excluded for a in assessed)
    grounded = [
        sum(a.grounding.passed for a in assessed),
        sum(a.grounding.checked for a in assessed),
    ]
    named = [sum(a.at_risk.passed for a in assessed), sum(a.at_risk.checked for a in assessed)]
    led = sum(a.emphasis is None for a in assessed)
    ratios = [a.completeness.progress / a.completeness.attainable for a in assessed]
    progress = [a.completeness.progress for a in assessed]
    full = [a.completeness.progress for a in assessed if not a.drafted.scenario.new_client]
    progress_detail = [f"full-data drafts {mean(full):.0%} on average"] if full else []
    progress_detail += [
        f"missing-data draft {a.completeness.progress:.0%} (no data for "
        f"{', '.join(a.completeness.no_data)})"
        for a in assessed if a.drafted.scenario.new_client
    ]  # fmt: skip
    return [
        Metric("data accuracy", ratio(right, len(claims)), 1.0,
               detail=f"{right} of {len(claims)} figures match the tables; {excluded} labels "
               "(fiscal years, quarter and ticket labels, scales) left out"),
        Metric("completeness (of what the data allows)", mean(ratios) if ratios else None, 1.0,
               detail="README progress of each draft over the progress its data allows"),
        Metric("plan progress from a draft (README)", mean(progress) if progress else None,
               detail="; ".join(progress_detail)),
        Metric("grounding", ratio(*grounded), 1.0,
               detail=f"{grounded[0]} of {grounded[1]} statements cite known sources"),
        Metric("role emphasis", ratio(led, len(assessed)), 1.0,
               detail=f"{led} of {len(assessed)} summaries lead with the reader's topics"),
        Metric("at-risk clients named", ratio(*named), 1.0,
               detail=f"{named[0]} of {named[1]} high or critical clients in risks and summary"),
        Metric("writes before approval", sum(len(a.drafted.writes) for a in assessed), 0,
               "count", higher_is_better=False,
               detail="plans and activity log, from before each draft to after its rejection"),
    ]  # fmt: skip


def _model_metrics(world: World, drafted: list[Drafted]) -> list[Metric]:
    """Wording, tokens and cost: measured only when a model writes the summaries."""
    if world.model.offline:
        return [
            Metric("wording (LLM judge)", None, WORDING_TARGET, "score", detail=UNMEASURED),
            Metric("tokens per draft", None, None, "tokens", detail=UNMEASURED),
            Metric("cost per draft", None, None, "usd", detail=UNMEASURED),
        ]
    verdicts = [d.verdict for d in drafted if d.verdict is not None]
    scores = [v.score for v in verdicts if v.score is not None]
    spent = [(d.usage.get("input_tokens", 0), d.usage.get("output_tokens", 0)) for d in drafted]
    costs = [cost_usd(world.model.name, i, o) for i, o in spent]
    priced = [c for c in costs if c is not None]
    judge_tokens = sum(v.input_tokens + v.output_tokens for v in verdicts)
    return [
        Metric("wording (LLM judge)", mean(scores) if scores else None, WORDING_TARGET, "score",
               detail=f"{len(scores)} of {len(drafted)} summaries judged (1-5); the judge "
               f"used {judge_tokens:,} tokens"),
        Metric("tokens per draft", mean(i + o for i, o in spent) if spent else None, None,
               "tokens", detail=f"input {mean(i for i, _ in spent) if spent else 0:,.0f} and "
               f"output {mean(o for _, o in spent) if spent else 0:,.0f} on average"),
        Metric("cost per draft", mean(priced) if priced and len(priced) == len(costs) else None,
               None, "usd", detail=f"{world.model.name} at list price" if priced
               else f"no list price for {world.model.name}"),
    ]  # fmt: skip

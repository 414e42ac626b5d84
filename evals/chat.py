"""Chat and tool use: does ChaSen call the right tools, answer with the right facts, and
leave every change waiting for a person?

Each case is a request as its asker would type it (CSEs, CAMs, a manager), the tool calls it
needs, and what the answer must state. Expected facts are read from the database when the case
runs (:mod:`evals.facts`), never written down here. "Add an action" must end with an approval
waiting for the asker that names the action, and nothing written.

The targets are the same offline and with a language model: the offline planner is what
people get without a model, so it must route every request right
(:data:`TOOL_SELECTION_TARGET`) and answer nearly all of them right (:data:`OUTCOME_TARGET`).
A request it misreads is kept as users would phrase it and fails its case.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evals import facts
from evals.conversations import ToolCall, Turn, dismiss, open_plan, run_turn, share, usage_metrics
from evals.facts import Fact
from evals.report import Case, Metric, SuiteReport
from evals.world import LazyWorld, World
from ingest.demo_data import ANU, JOHN, LAURA, NIKKI, OPEN_ROLE, TRACEY
from tools.write_tools import WRITE_TOOL_NAMES

NAME = "chat"
TITLE = "Chat and tool use"
TOOL_SELECTION_TARGET = 1.0
"""Share of requests routed to the right tools, by a language model or the offline planner."""
OUTCOME_TARGET = 0.9
"""Share of requests answered right (the facts stated, or the approval waiting)."""

MICHAEL = "michael.costa@example.com"  # manager of Australia+NZ


@dataclass(frozen=True)
class Call:
    """An expected tool call: its name and the arguments that matter (``None``: absent)."""

    name: str
    args: dict[str, str | None] = field(default_factory=dict)

    def matches(self, call: ToolCall) -> bool:
        """Whether ``call`` is this one: same tool, same values (any case) for ``args``."""
        if call.name != self.name:
            return False
        for key, want in self.args.items():
            got = call.args.get(key)
            if want is None and got not in (None, ""):
                return False
            if want is not None and str(got or "").casefold() != want.casefold():
                return False
        return True

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.name}({shown})"


@dataclass(frozen=True)
class Expected:
    """The calls a request needs, each slot by one of its alternatives. Other read tools may
    be called too; a proposing tool only when a slot asks for it."""

    slots: tuple[tuple[Call, ...], ...]

    def problems(self, calls: Sequence[ToolCall]) -> list[str]:
        """What is wrong with ``calls`` (empty: the right tools)."""
        problems = [
            f"expected {' or '.join(str(c) for c in slot)}"
            for slot in self.slots
            if not any(alt.matches(call) for alt in slot for call in calls)
        ]
        allowed = {alt.name for slot in self.slots for alt in slot}
        problems += [
            f"proposed a change with {c.name}"
            for c in calls
            if c.name in WRITE_TOOL_NAMES and c.name not in allowed
        ]
        if problems:
            problems.append(f"called {', '.join(_call_text(c) for c in calls) or 'no tool'}")
        return problems


def expect(*slots: Call | tuple[Call, ...]) -> Expected:
    """``expect(Call("a"), (Call("b"), Call("c")))``: a, and b or c."""
    return Expected(tuple(s if isinstance(s, tuple) else (s,) for s in slots))


def _call_text(call: ToolCall) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in call.args.items() if v not in (None, ""))
    return f"{call.name}({shown})"


@dataclass(frozen=True)
class Outcome:
    """Facts the answer must state, facts it must not, and an approval that must wait."""

    must: list[Fact] = field(default_factory=list)
    must_not: list[Fact] = field(default_factory=list)
    waits_for: str | None = None


Truth = Callable[[World, Turn], Outcome]
"""The outcome a case must reach, read from the database when it runs."""


@dataclass(frozen=True)
class ChatCase:
    """A request, the tools it needs and the outcome it must reach."""

    name: str
    asker: str
    text: str
    tools: Expected
    outcome: Truth
    setup: Callable[[World], object] | None = None


def _at_risk(territory: str | None, *bands: str) -> Truth:
    def truth(world: World, turn: Turn) -> Outcome:
        wanted, others = facts.at_risk(world, turn.asker, territory, bands)
        return Outcome(wanted, others + facts.out_of_reach_names(world, turn.asker))

    return truth


def _deals(client: str) -> Truth:
    def truth(world: World, turn: Turn) -> Outcome:
        deals = facts.open_deals(world, client)
        # A deal is not a person: labelling one as the economic buyer is a wrong answer.
        named = tuple(f"Economic buyer: {d.options[0]}" for d in deals if d.options)
        return Outcome(deals, [Fact("a deal named as the economic buyer", named)])

    return truth


BARWON = "Barwon Health"
CALHN = "Central Adelaide Local Health Network"
NUHS = "National University Health System"
ADD_ACTION: dict[str, str | None] = {"section": "actions", "operation": "add_item"}
CASES: tuple[ChatCase, ...] = (
    ChatCase("CAM: economic buyer", ANU, f"Who is the economic buyer at {BARWON}?",
             expect(Call("list_stakeholders", {"client": BARWON})),
             lambda w, t: Outcome([facts.economic_buyer(w, BARWON)])),
    ChatCase("CSE: what's at risk in a territory", TRACEY, "What's at risk in NZ?",
             expect((Call("churn_risk", {"client": None}), Call("portfolio", {"territory": "NZ"}))),
             _at_risk("NZ", "medium", "high", "critical")),
    ChatCase("CSE: which clients might churn", JOHN, "Which of my clients might churn?",
             expect((Call("churn_risk", {"client": None}), Call("portfolio"))),
             _at_risk(None, "high", "critical")),
    ChatCase("CAM: add an action", ANU,
             f"Add an action to call Mark Tan at {BARWON} before the renewal",
             expect(Call("propose_section_change", ADD_ACTION)),
             lambda w, t: Outcome(waits_for="Mark Tan"), setup=lambda w: open_plan(w, ANU, BARWON)),
    ChatCase("CSE: targets and coverage", JOHN,
             "How am I tracking against my targets? What's my coverage?",
             expect((Call("targets_and_coverage"), Call("performance_summary"))),
             lambda w, t: Outcome(facts.targets(w, t.asker))),
    ChatCase("CSE: gap to target", JOHN, "What do I need to do to close the gap to my target?",
             expect((Call("gap_to_target"), Call("targets_and_coverage"))),
             lambda w, t: Outcome([facts.gap(w, t.asker)])),
    ChatCase("CSE: stakeholders (short client name)", LAURA,
             "Who are the key stakeholders at Central Adelaide?",
             expect(Call("list_stakeholders", {"client": CALHN})),
             lambda w, t: Outcome(facts.stakeholder_names(w, CALHN))),
    ChatCase("CSE: read my plan", TRACEY, "What's in my territory plan?",
             expect(Call("read_plan")), lambda w, t: Outcome(facts.plan_at_a_glance(w, TRACEY)),
             setup=lambda w: open_plan(w, TRACEY)),
    ChatCase("manager: plans in my region", MICHAEL, "Show me the plans in my region",
             expect(Call("find_plans")), lambda w, t: Outcome(facts.plans_in_region(w, t.asker)),
             setup=lambda w: (open_plan(w, TRACEY), open_plan(w, ANU, BARWON))),
    ChatCase("CSE: search meetings", JOHN, "Find where Monash Health mentioned Mobile Nursing",
             expect(Call("search_transcripts", {"client": "Monash Health"})),
             lambda w, t: Outcome(facts.said(w, "Monash Health", "Mobile Nursing"))),
    ChatCase("CAM: what a client said", ANU, "What did WA Health say about the renewal?",
             expect(Call("search_transcripts", {"client": "WA Health"})),
             lambda w, t: Outcome(facts.said(w, "WA Health", "renew"))),
    ChatCase("manager: risk in my region", MICHAEL,
             "Which clients in my region are at risk of churning?",
             expect((Call("churn_risk", {"client": None}), Call("portfolio"))),
             _at_risk(None, "critical")),
    ChatCase("manager: client snapshot", MICHAEL, "How is WA Health doing?",
             expect((Call("client_snapshot", {"client": "WA Health"}),
                     Call("churn_risk", {"client": "WA Health"}))),
             lambda w, t: Outcome(facts.snapshot(w, "WA Health"))),
    ChatCase("CAM: open opportunities", NIKKI, "Show me the open opportunities at SingHealth",
             expect(Call("opportunities", {"client": "SingHealth"})), _deals("SingHealth")),
    ChatCase("CSE: next steps", OPEN_ROLE, f"Suggest next steps for {NUHS}",
             expect(Call("suggest_actions", {"client": NUHS})),
             lambda w, t: Outcome(facts.next_steps(w, NUHS))),
)  # fmt: skip
"""The dataset: fifteen requests by four CSEs, two CAMs and a manager."""


@dataclass(frozen=True)
class Judged:
    """A case's verdicts: right tools, right outcome, and its problems."""

    turn: Turn
    tools_ok: bool
    outcome_ok: bool
    problems: list[str]

    @property
    def passed(self) -> bool:
        """Right tools, right outcome, nothing written, no error."""
        return self.tools_ok and self.outcome_ok and not self.turn.writes and not self.turn.error


def run(world: LazyWorld) -> SuiteReport:
    """The chat suite on the evaluation world."""
    return evaluate(world(), CASES)


def evaluate(world: World, cases: Sequence[ChatCase]) -> SuiteReport:
    """Run ``cases`` on ``world`` and report them."""
    return summarise(world, cases, [run_case(world, case) for case in cases])


def run_case(world: World, case: ChatCase) -> Judged:
    """Ask the case's request and judge the turn, then reject whatever it left waiting."""
    if case.setup is not None:
        case.setup(world)
    turn = run_turn(world, world.person(case.asker), case.text)
    verdict = judge(world, case, turn)
    dismissed = dismiss(world, turn.asker, turn.thread_id)
    if dismissed.writes or dismissed.problems:
        turn = dataclasses.replace(turn, writes=turn.writes + tuple(dismissed.writes))
        problems = verdict.problems + [f"unapproved write: {w}" for w in dismissed.writes]
        verdict = Judged(turn, verdict.tools_ok, verdict.outcome_ok, problems + dismissed.problems)
    return verdict


def judge(world: World, case: ChatCase, turn: Turn) -> Judged:
    """Whether ``turn`` called the right tools and reached the case's outcome."""
    if turn.error:
        return Judged(turn, False, False, [f"the turn failed: {turn.error}"])
    tool_problems = case.tools.problems(turn.calls)
    wanted = case.outcome(world, turn)
    missing = [f"missing {f.label} ({f.shown()})" for f in wanted.must if not f.in_(turn.answer)]
    missing += [f"states {f.label}" for f in wanted.must_not if f.in_(turn.answer)]
    if wanted.waits_for is not None:
        missing += _waiting_problems(world, turn, wanted.waits_for)
    elif turn.decisions:
        missing.append(f"left {len(turn.decisions)} proposal(s) waiting")
    writes = [f"unapproved write: {w}" for w in turn.writes]
    return Judged(turn, not tool_problems, not missing, tool_problems + missing + writes)


def _waiting_problems(world: World, turn: Turn, words: str) -> list[str]:
    """An approval must wait from this turn, for the asker, naming ``words``."""
    naming = [d for d in turn.decisions if re.search(re.escape(words), d.description, re.I)]
    if not naming:
        return [f"no approval waiting that names {words!r}"]
    mine = {d.approval_id for d in world.chasen.pending(turn.asker)}
    if not any(d.approval_id in mine for d in naming):
        return ["the approval is not among those waiting for the asker"]
    return []


def summarise(world: World, cases: Sequence[ChatCase], judged: Sequence[Judged]) -> SuiteReport:
    """The suite's metrics and one row per case."""
    turns = [j.turn for j in judged]
    scope = f"{len(judged)} requests" + ("; offline planner" if world.model.offline else "")
    metrics = [
        Metric("tool selection accuracy", share([j.tools_ok for j in judged]),
               TOOL_SELECTION_TARGET, detail=scope),
        Metric("outcome accuracy", share([j.outcome_ok for j in judged]), OUTCOME_TARGET,
               detail="facts read from the database, or the approval waiting"),
        Metric("unapproved writes", sum(len(t.writes) for t in turns), 0, "count", False,
               detail="plan versions, statuses or activity-log entries changed by a turn"),
        Metric("turns that errored", sum(1 for t in turns if t.error), 0, "count", False),
        *usage_metrics(turns, world),
    ]  # fmt: skip
    rows = [
        Case(
            f"{case.name}: {case.text!r}",
            j.passed,
            {"tools": ", ".join(j.turn.named()) or "none", "seconds": round(j.turn.seconds, 2)},
            j.problems,
        )
        for case, j in zip(cases, judged, strict=True)
    ]
    notes = [f"Answered by {world.model.label}, as of {world.today}."]
    return SuiteReport(NAME, TITLE, metrics, rows, notes)

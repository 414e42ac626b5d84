"""The plan-draft evaluation: offline drafts meet its targets, and its checks catch tampering."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from agent.checkpoints import open_checkpointer
from agent.context import ModelSettings
from agent.runner import ChaSen
from core.models import ApprovalRequest, Client, StrategicPlan
from evals import drafts
from evals.cost import cost_usd
from evals.draft_accuracy import accuracy
from evals.draft_checks import at_risk, emphasis, grounding, summary
from evals.draft_scenarios import NEW_CLIENT, SCENARIOS, Drafted, draft_scenario
from evals.draft_text import shown
from evals.report import Metric, SuiteReport
from evals.world import World, eval_world
from tests.openai_stub import Reply, running_stub, text_reply

CAM_ACCOUNT = next(
    s for s in SCENARIOS if s.email.startswith("anu") and s.client == "Barwon Health"
)
CSE_TERRITORY = next(s for s in SCENARIOS if s.email.startswith("john") and s.client is None)
MADE_UP = "$1,234,500"
ACTION_LINE = re.compile(r" by \d{4}-\d{2}-\d{2} \(")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with eval_world(ModelSettings(offline=True)) as opened:
        yield opened


@pytest.fixture(scope="module")
def report(world: World) -> SuiteReport:
    return drafts.evaluate(world, SCENARIOS)


@pytest.fixture(scope="module")
def cam(world: World) -> Drafted:
    return draft_scenario(world, CAM_ACCOUNT)


@pytest.fixture(scope="module")
def cse(world: World) -> Drafted:
    return draft_scenario(world, CSE_TERRITORY)


def with_summary(drafted: Drafted, text: str) -> dict[str, Any]:
    draft = copy.deepcopy(drafted.draft)
    draft["sections"]["value"]["executive_summary"] = text
    return draft


def counted(metric: Metric) -> int:
    """How many items a metric's detail says it checked ("9 of 9 ...")."""
    return int(metric.detail.split(" of ", 1)[1].split()[0])


def test_the_offline_drafts_meet_every_target(report: SuiteReport) -> None:
    missed = [f"{m.name} {m.shown()} ({m.target_text()})" for m in report.metrics if m.ok is False]
    assert not missed, (missed, [p for c in report.cases for p in c.problems])
    assert [c.name for c in report.cases] == [s.name for s in SCENARIOS]
    assert all(c.passed for c in report.cases)
    unmeasured = {m.name: m.detail for m in report.metrics if m.value is None}
    assert set(unmeasured) == {"wording (LLM judge)", "tokens per draft", "cost per draft"}
    assert all("needs a configured model" in detail for detail in unmeasured.values())
    figures = {m.name: m for m in report.metrics}
    assert figures["writes before approval"].value == 0
    # A check that counts nothing would meet its target trivially.
    assert counted(figures["at-risk clients named"]) > 0
    assert counted(figures["grounding"]) > 100 and counted(figures["data accuracy"]) > 1000


def test_the_missing_data_draft_reports_its_progress_honestly(report: SuiteReport) -> None:
    [case] = [c for c in report.cases if "new client" in c.name]
    progress, _, attainable = str(case.figures["progress"]).partition(" of ")
    assert progress == attainable != "100%"
    assert "stakeholders" in case.figures["no data for"]


def test_the_suite_leaves_the_world_as_it_found_it(world: World, report: SuiteReport) -> None:
    assert report.cases
    with world.database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StrategicPlan)) == 0
        assert session.scalar(select(func.count()).where(Client.name == NEW_CLIENT)) == 0
        waiting = select(func.count()).where(ApprovalRequest.status == "pending")
        assert session.scalar(waiting) == 0


def test_a_changed_figure_fails_accuracy_and_is_named(cam: Drafted) -> None:
    client = cam.truth.clients[0]
    assert not accuracy(cam.draft, cam.truth).wrong
    real, wrong = shown(client.arr, "$0"), shown(client.arr + 130_000, "$0")
    assert f"ARR {real}" in summary(cam.draft)
    draft = with_summary(cam, summary(cam.draft).replace(f"ARR {real}", f"ARR {wrong}", 1))

    [miss] = accuracy(draft, cam.truth).wrong

    assert miss.said == wrong and miss.expected == real
    assert miss.problem() == (
        f"summary says ARR {wrong} for {client.name}; the client record says {real}"
    )


def test_a_changed_structured_figure_or_coaching_score_fails(cam: Drafted) -> None:
    draft = copy.deepcopy(cam.draft)
    draft["sections"]["snapshot"]["nps"] += 3
    deal = next(o for o in draft["sections"]["opportunities"] if o.get("meddpicc_total"))
    total = deal["meddpicc_total"]
    deal["next_step"] = deal["next_step"].replace(f"{total}/40", f"{total + 2}/40")

    wrong = accuracy(draft, cam.truth).wrong

    assert {(c.where, c.said) for c in wrong} == {
        ("snapshot", str(cam.draft["sections"]["snapshot"]["nps"] + 3)),
        ("coaching", str(total + 2)),
    }


FIGURE = re.compile(r"\$\d+(?:,\d{3})*|\d{4}-\d{2}-\d{2}|(?<![\w.\[$/-])-?\d+(?:\.\d+)?")


def changed(figure: str) -> str:
    """The figure one unit off: a dollar, a day, a point."""
    if figure.startswith("$"):
        return f"${int(figure[1:].replace(',', '')) + 1:,}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", figure):
        return (date.fromisoformat(figure) + timedelta(days=1)).isoformat()
    return str(Decimal(figure) + Decimal(1).scaleb(int(Decimal(figure).as_tuple().exponent)))


@pytest.mark.parametrize("which", ["cam", "cse"])
def test_every_figure_of_a_summary_changed_by_one_unit_is_caught(
    which: str, request: pytest.FixtureRequest
) -> None:
    drafted: Drafted = request.getfixturevalue(which)
    text = summary(drafted.draft)
    body = text[: text.index("\nSources:")]
    figures = [m for m in FIGURE.finditer(body) if not re.fullmatch(r"20\d\d", m.group())]
    figures = [m for m in figures if body[m.end() : m.end() + 1] != "]"]  # not a source id
    missed = []
    for m in figures:
        tampered = text[: m.start()] + changed(m.group()) + text[m.end() :]
        if not accuracy(with_summary(drafted, tampered), drafted.truth).wrong:
            missed.append(f"{m.group()} in {body[max(0, m.start() - 40) : m.end() + 10]!r}")
    assert len(figures) > 30 and not missed


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


@pytest.mark.parametrize("which", ["cam", "cse"])
def test_every_figure_of_the_sections_changed_by_one_unit_is_caught(
    which: str, request: pytest.FixtureRequest
) -> None:
    drafted: Drafted = request.getfixturevalue(which)
    sections = {k: v for k, v in drafted.draft["sections"].items() if k != "value"}
    numbers = [
        (path, value)
        for path, value in leaves(sections)
        if (isinstance(value, int | float) and not isinstance(value, bool))
        or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    ]
    missed = []
    for path, value in numbers:
        draft = copy.deepcopy(drafted.draft)
        holder = draft["sections"]
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = changed(value) if isinstance(value, str) else value + 1
        if not accuracy(draft, drafted.truth).wrong:
            missed.append(path)
    assert len(numbers) > 40 and not missed


def test_a_made_up_figure_matches_nothing_on_record(cse: Drafted) -> None:
    text = summary(cse.draft).replace("\n\n", f"\nExpansion potential is {MADE_UP} [S1].\n\n", 1)

    [miss] = accuracy(with_summary(cse, text), cse.truth).wrong

    assert miss.said == MADE_UP and "matches nothing on record" in miss.problem()


def test_a_statement_without_its_source_or_citing_an_unknown_one_fails_grounding(
    cam: Drafted,
) -> None:
    assert not grounding(cam.draft).problems
    lines = summary(cam.draft).splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(cam.truth.clients[0].name))
    uncited, unknown = list(lines), list(lines)
    uncited[index] = re.sub(r" ?\[S\d+\]", "", lines[index])
    unknown[index] = re.sub(r"\[S\d+\]", "[S9]", lines[index])

    [missing] = grounding(with_summary(cam, "\n".join(uncited))).problems
    [stray] = grounding(with_summary(cam, "\n".join(unknown))).problems

    assert "without a source" in missing and uncited[index] in missing
    assert stray.startswith("summary cites S9, not a source of the draft")


def test_a_risk_section_missing_an_at_risk_client_fails(cse: Drafted) -> None:
    assert not at_risk(cse.draft, cse.truth).problems
    client = next(c for c in cse.truth.clients if c.high_risk)
    draft = copy.deepcopy(cse.draft)
    risks = draft["sections"]["risks"]
    draft["sections"]["risks"] = [r for r in risks if r["client_name"] != client.name]

    [problem] = at_risk(draft, cse.truth).problems

    assert problem.startswith(f"{client.name} is at {client.band} churn risk")
    assert problem.endswith("not named in the risks section")


def test_a_cam_summary_led_by_pipeline_fails_emphasis(cam: Drafted, cse: Drafted) -> None:
    assert emphasis(cam.draft, "CAM", cam.names) is None
    assert emphasis(cse.draft, "CSE", cse.names) is None
    paragraphs = summary(cam.draft).split("\n\n")
    pipeline = next(i for i, p in enumerate(paragraphs) if p.startswith("Pipeline"))
    paragraphs[1], paragraphs[pipeline] = paragraphs[pipeline], paragraphs[1]

    problem = emphasis(with_summary(cam, "\n\n".join(paragraphs)), "CAM", cam.names)

    assert problem is not None and "leads with 'Pipeline'" in problem
    assert emphasis(cse.draft, "CAM", cse.names) is not None


def narrative(prompt: str, made_up: bool) -> str:
    """A model's summary written from the facts it was given (one figure made up if asked)."""
    facts = prompt.split("Facts:\n", 1)[1].splitlines()
    facts = [f for f in facts if f.strip() and not f.startswith(("Sources:", "("))]
    risks = [f for f in facts if "churn risk" in f]
    actions = [f for f in facts if ACTION_LINE.search(f)]
    others = [f for f in facts if f not in risks and f not in actions]
    extra = [f"Expansion potential is {MADE_UP} [S1]."] if made_up else []
    return "\n\n".join(
        [
            "\n".join(others[:3]),
            "\n".join(others[3:] + extra),
            "Risks:\n" + "\n".join(f"- {r}" for r in risks),
            "Recommended actions:\n" + "\n".join(f"- {a}" for a in actions),
        ]
    )


def test_with_a_model_tokens_cost_and_the_judge_are_reported(world: World) -> None:
    made_up, scores = [False, True], [4, 2]

    def answer(body: dict[str, Any]) -> Reply:
        prompt = str(body["messages"][-1]["content"])
        if prompt.startswith("You are grading"):
            return text_reply(json.dumps({"score": scores.pop(0), "reason": "Clear enough."}))
        return text_reply(narrative(prompt, made_up.pop(0)))

    with running_stub() as stub, open_checkpointer(world.database) as saver:
        model = ModelSettings(
            name="gpt-4o-mini", base_url=stub.base_url, api_key="test", timeout_s=10,
            max_retries=0, offline=False,
        )  # fmt: skip
        chasen = ChaSen(world.database, saver, model=model, today=world.today)
        stub.script.extend([answer] * 4)
        result = drafts.evaluate(World(world.database, chasen, model, world.today), [
            CAM_ACCOUNT, CSE_TERRITORY
        ])  # fmt: skip
    assert stub.problems == [] and not made_up and not scores, "every scripted reply was used"

    metrics = {m.name: m for m in result.metrics}
    assert (
        metrics["wording (LLM judge)"].value == 3.0 and metrics["wording (LLM judge)"].ok is False
    )
    faithful, invented = result.cases
    spent = [(c.figures["tokens in"], c.figures["tokens out"]) for c in result.cases]
    assert all(i > 0 and o > 0 for i, o in spent)
    assert metrics["tokens per draft"].value == sum(i + o for i, o in spent) / 2
    costs = [cost_usd("gpt-4o-mini", i, o) or 0.0 for i, o in spent]
    assert metrics["cost per draft"].value == pytest.approx(sum(costs) / 2) and min(costs) > 0
    assert faithful.passed and faithful.figures["wording"] == 4
    assert not invented.passed and invented.figures["wording"] == 2
    grading = [r for r in stub.chat_requests() if "You are grading" in str(r["messages"])]
    assert len(grading) == 2 and "CAM who reads health, NPS" in str(grading[0]["messages"])
    [problem] = invented.problems
    assert MADE_UP in problem and "matches nothing on record" in problem
    assert metrics["data accuracy"].ok is False and metrics["writes before approval"].value == 0

"""``chasen eval``: the report's shape and verdicts, the judge's reading, costs, bad input.

The suites' own checks are tested beside them (``test_eval_drafts``, ``test_eval_chat_safety``,
``test_stakeholder_detect``); this runs the cheap stakeholder suite through the real command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from cli.main import main
from core.settings import get_settings
from evals.cost import cost_usd
from evals.judge import read_verdict
from evals.report import Case, EvalReport, Metric, SuiteReport, to_json, to_markdown


def chasen(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run ``main()`` as the console script does (domain errors mapped to exit codes)."""
    monkeypatch.setattr(sys, "argv", ["chasen", *args])
    entry = typer.Typer()
    entry.command()(main)
    return CliRunner().invoke(entry, [])


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No model service configured, whatever the environment says."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def report(*metrics: Metric) -> EvalReport:
    """A one-suite report of ``metrics``."""
    suite = SuiteReport("demo", "Demo", list(metrics), [Case("a | b", False, {"x": 0.5}, ["p"])])
    return EvalReport("offline", datetime(2026, 11, 20, tzinfo=UTC), 1.0, [suite])


def test_a_metric_passes_by_its_direction_and_only_informs_without_a_target() -> None:
    assert Metric("accuracy", 1.0, 1.0).ok is True
    assert Metric("accuracy", 0.99, 1.0).ok is False
    assert Metric("writes", 0, 0, "count", higher_is_better=False).ok is True
    assert Metric("writes", 1, 0, "count", higher_is_better=False).ok is False
    assert Metric("lift", 2.9, None, "score").ok is None
    assert Metric("ROC-AUC", 0.8495, 0.845, "score").target_text() == ">= 0.845"
    assert Metric("wording", None, 4.0, "score").ok is None  # not measured offline


def test_the_report_shows_every_metric_with_its_target_and_verdict() -> None:
    missed = report(
        Metric("data accuracy", 0.975, 1.0, detail="39 of 40 numbers match"),
        Metric("unapproved writes", 0, 0, "count", higher_is_better=False),
        Metric("wording", None, 4.0, "score", detail="needs a model"),
    )
    markdown = to_markdown(missed)
    assert "| demo | data accuracy | 97.5% | >= 100.0% | FALLS SHORT |" in markdown
    assert "| demo | unapproved writes | 0 | <= 0 | pass |" in markdown
    assert "| demo | wording | n/a | >= 4 | - |" in markdown
    assert "targets missed" in markdown
    assert "| a \\| b | FAIL | x 0.5 | p |" in markdown  # a cell's bar is escaped
    data = to_json(missed)
    assert data["ok"] is False
    [suite] = data["suites"]
    assert [m["ok"] for m in suite["metrics"]] == [False, True, None]
    assert suite["metrics"][0]["target"] == 1.0


def test_the_judges_reply_is_read_or_left_unjudged() -> None:
    verdict = read_verdict('Sure. {"score": 4, "reason": "Leads with health."}', 100, 20)
    assert (verdict.score, verdict.reason, verdict.input_tokens) == (4, "Leads with health.", 100)
    for junk in ("four out of five", '{"score": 9}', '{"score": "x"}', "[4]"):
        unread = read_verdict(junk, 1, 1)
        assert unread.score is None
        assert unread.reason.startswith("not judged")


def test_cost_is_reported_only_for_a_model_whose_price_is_known() -> None:
    assert cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost_usd("gpt-4o-mini", 2_000, 500) == pytest.approx(0.0006)
    assert cost_usd("my-local-model", 2_000, 500) is None


def test_chasen_eval_writes_the_markdown_and_json_reports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = chasen(monkeypatch, "eval", "--suite", "stakeholders", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "eval-report.json").read_text())
    assert (data["model"], data["ok"]) == ("offline", True)
    [suite] = data["suites"]
    recall = next(m for m in suite["metrics"] if m["name"] == "name recall")
    assert recall["target"] == 0.95 and recall["value"] >= 0.95 and recall["ok"]
    markdown = (tmp_path / "eval-report.md").read_text()
    assert "| stakeholders | name recall |" in markdown
    assert markdown in result.output  # the same report is printed


def test_an_unknown_suite_or_a_missing_model_is_refused_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_model: None
) -> None:
    unknown = chasen(monkeypatch, "eval", "--suite", "vibes", "-o", str(tmp_path))
    assert unknown.exit_code == 4
    assert "unknown suite(s) vibes; the suites are" in unknown.output
    configured = chasen(monkeypatch, "eval", "--model", "configured", "-o", str(tmp_path))
    assert configured.exit_code == 9
    assert "set OPENAI_API_KEY or OPENAI_BASE_URL" in configured.output
    wrong = chasen(monkeypatch, "eval", "--model", "best", "-o", str(tmp_path))
    assert wrong.exit_code == 4
    assert "--model is offline or configured, not 'best'" in wrong.output
    assert not (tmp_path / "eval-report.json").exists()  # nothing written for a refused run


def test_model_configured_runs_the_suites_with_the_openai_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_model: None
) -> None:
    # The stakeholder suite asks no model: this checks which model the run is reported for.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_CHAT_MODEL", "gpt-4.1-mini")
    get_settings.cache_clear()
    result = chasen(
        monkeypatch, "eval", "--suite", "stakeholders", "--model", "configured", "-o", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "eval-report.json").read_text())["model"] == "gpt-4.1-mini"

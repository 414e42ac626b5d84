"""``chasen eval``: run the evaluation suites and write their report as Markdown and JSON."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.context import ModelSettings
from core.errors import ConfigurationError, ValidationError
from evals import chat, churn, drafts, safety, stakeholders
from evals.report import EvalReport, SuiteReport, to_json_text, to_markdown
from evals.world import LazyWorld

SuiteRun = Callable[[LazyWorld], SuiteReport]

SUITES: dict[str, SuiteRun] = {
    drafts.NAME: drafts.run,
    chat.NAME: chat.run,
    safety.NAME: safety.run,
    stakeholders.NAME: stakeholders.suite,
    churn.NAME: churn.run,
}
"""Every suite by name, in the order a full run takes them."""


@dataclass(frozen=True)
class Written:
    """Where a run's report went."""

    markdown: Path
    json: Path


def model_settings(which: str) -> ModelSettings:
    """``offline`` (the templated drafts and the offline planner) or ``configured`` (the
    model ``OPENAI_*`` names; a ConfigurationError when none is)."""
    if which == "offline":
        return ModelSettings(offline=True)
    if which == "configured":
        configured = ModelSettings.from_settings()
        if configured.offline:
            raise ConfigurationError(
                "--model configured needs a model: set OPENAI_API_KEY or OPENAI_BASE_URL"
            )
        return configured
    raise ValidationError(f"--model is offline or configured, not {which!r}")


def run_evals(names: Sequence[str], model: ModelSettings) -> EvalReport:
    """Run the named suites (all when empty) with ``model``; one seeded world is shared."""
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ValidationError(
            f"unknown suite(s) {', '.join(unknown)}; the suites are {', '.join(SUITES)}"
        )
    started, clock = datetime.now(UTC), time.perf_counter()
    with ExitStack() as stack:
        world = LazyWorld(model, stack)
        reports = [SUITES[name](world) for name in names or SUITES]
    return EvalReport(model.label, started, time.perf_counter() - clock, reports)


def write_report(report: EvalReport, folder: Path) -> Written:
    """Write ``eval-report.md`` and ``eval-report.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = Written(folder / "eval-report.md", folder / "eval-report.json")
    written.markdown.write_text(to_markdown(report), encoding="utf-8")
    written.json.write_text(to_json_text(report) + "\n", encoding="utf-8")
    return written

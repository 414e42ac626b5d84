"""The one shape every evaluation suite reports, and the report as Markdown and JSON.

A suite gives metrics (each with its target, or none when it only informs) and cases (one
row per scenario, with what went wrong in it). A metric that could not be measured in this
run (the LLM judge offline, say) has no value and says why; it neither passes nor fails.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from core.machine import describe_machine

Unit = Literal["share", "count", "score", "tokens", "usd", "seconds"]


@dataclass(frozen=True)
class Metric:
    """One figure of a suite against its target (``None``: informative, no target)."""

    name: str
    value: float | None
    target: float | None = None
    unit: Unit = "share"
    higher_is_better: bool = True
    detail: str = ""

    @property
    def ok(self) -> bool | None:
        """Whether the target is reached; None when there is no target or no value."""
        if self.target is None or self.value is None:
            return None
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target

    def shown(self, value: float | None = None) -> str:
        """The value (or ``value``) as a person reads it: 97.5%, 3, 1,234 tokens, $0.0012."""
        value = self.value if value is None else value
        if value is None:
            return "n/a"
        if self.unit == "share":
            return f"{value * 100:.1f}%"
        if self.unit == "usd":
            return f"${value:.4f}"
        if self.unit == "seconds":
            return f"{value:.2f} s"
        if self.unit == "score":
            return f"{value:.4g}"
        return f"{value:,.0f}"

    def target_text(self) -> str:
        """``>= 100.0%``, ``<= 0`` or ``-`` when the metric only informs."""
        if self.target is None:
            return "-"
        return f"{'>=' if self.higher_is_better else '<='} {self.shown(self.target)}"


@dataclass(frozen=True)
class Case:
    """One scenario of a suite: whether it passed, its own figures, and what went wrong."""

    name: str
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SuiteReport:
    """A suite's metrics and cases."""

    suite: str
    title: str
    metrics: list[Metric]
    cases: list[Case] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every metric with a target and a value reaches it."""
        return all(m.ok is not False for m in self.metrics)


@dataclass(frozen=True)
class EvalReport:
    """A whole run: which model answered, on what machine, and every suite's report."""

    model: str
    started: datetime
    seconds: float
    suites: list[SuiteReport]

    @property
    def ok(self) -> bool:
        """Every suite reaches its targets."""
        return all(s.ok for s in self.suites)


def ratio(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a share; None when there is nothing to count."""
    return part / whole if whole else None


def _verdict(ok: bool | None) -> str:
    return {True: "pass", False: "FALLS SHORT", None: "-"}[ok]


def to_markdown(report: EvalReport) -> str:
    """The report for people: one table of every metric, then each suite's cases."""
    lines = [
        "# ChaSen evaluation",
        "",
        f"Model: {report.model}. Run {report.started:%Y-%m-%d %H:%M} UTC on {describe_machine()}, "
        f"{report.seconds:.0f} s. Overall: {'all targets met' if report.ok else 'targets missed'}.",
        "",
        "| suite | metric | value | target | result |",
        "|---|---|---|---|---|",
    ]
    for suite in report.suites:
        for metric in suite.metrics:
            lines.append(
                f"| {suite.suite} | {metric.name} | {metric.shown()} | {metric.target_text()} "
                f"| {_verdict(metric.ok)} |"
            )
    for suite in report.suites:
        lines += ["", f"## {suite.title}", ""]
        lines += [f"- {m.name}: {m.detail}" for m in suite.metrics if m.detail]
        lines += [f"- {note}" for note in suite.notes]
        if suite.cases:
            lines += ["", "| case | result | figures | problems |", "|---|---|---|---|"]
            for case in suite.cases:
                figures = ", ".join(f"{k} {_figure(v)}" for k, v in case.figures.items())
                problems = "; ".join(case.problems) or "-"
                lines.append(
                    f"| {_cell(case.name)} | {'pass' if case.passed else 'FAIL'} "
                    f"| {_cell(figures)} | {_cell(problems)} |"
                )
    return "\n".join(lines) + "\n"


def to_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain data: every metric with its target and verdict, every case."""
    return {
        "model": report.model,
        "started": report.started.isoformat(),
        "seconds": round(report.seconds, 1),
        "machine": describe_machine(),
        "ok": report.ok,
        "suites": [
            {
                "suite": s.suite,
                "title": s.title,
                "ok": s.ok,
                "metrics": [{**asdict(m), "ok": m.ok} for m in s.metrics],
                "cases": [asdict(c) for c in s.cases],
                "notes": s.notes,
            }
            for s in report.suites
        ],
    }


def to_json_text(report: EvalReport) -> str:
    """:func:`to_json` as indented JSON text."""
    return json.dumps(to_json(report), indent=2, default=str)


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")

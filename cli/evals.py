"""``chasen eval``: ChaSen's measured quality, offline or against the configured model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.output import console


def eval_command(
    suite: Annotated[
        list[str] | None,
        typer.Option(
            "--suite",
            help="A suite to run, repeatable: drafts, chat, safety, stakeholders or churn "
            "(default all).",
        ),
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help="offline, or configured (the OPENAI_* model).")
    ] = "offline",
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for eval-report.md and .json.")
    ] = Path("eval-report"),
) -> None:
    """Run the evaluation suites (plan drafts, chat and tools, safety, stakeholders, churn)
    and write a Markdown and a JSON report; exit 1 when a target is missed."""
    from evals.report import to_markdown
    from evals.run import model_settings, run_evals, write_report

    report = run_evals(suite or [], model_settings(model))
    written = write_report(report, output)
    print(to_markdown(report))
    console.print(f"Report written to {written.markdown} and {written.json}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)

"""``chasen risk``: churn models on labelled tables (``evaluate`` for now; no database needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.output import print_json
from risk.evaluation import evaluate
from risk.table import load_table

app = typer.Typer(help="Churn risk: judge, train and score churn models.", no_args_is_help=True)


@app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Option("--data", help="CSV file with one row per customer.")],
    label: Annotated[str, typer.Option("--label", help="The yes/no outcome column, e.g. Churn.")],
    id_column: Annotated[
        str | None, typer.Option("--id", help="A column naming each row (never a feature).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split and the folds.")] = 42,
    test_size: Annotated[float, typer.Option("--test-size", help="Share of rows held out.")] = 0.2,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
) -> None:
    """Judge the churn model on a labelled CSV, beside a plain baseline; prints JSON."""
    table = load_table(data, label, id_column)
    print_json(evaluate(table, seed=seed, test_size=test_size, folds=folds))

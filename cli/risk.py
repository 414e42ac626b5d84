"""``chasen risk``: judge churn models on any labelled table (``evaluate``, no database), and
train, score and explain risk on the portfolio (``train``, ``score``, ``show``, ``models``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.options import JsonFlag, parse_date
from cli.output import console, print_json, print_table
from cli.session import unit_of_work
from core.errors import NotFoundError
from planning import directory
from risk import model_store
from risk.evaluation import evaluate
from risk.prediction_repository import latest_predictions
from risk.scoring import score_portfolio
from risk.table import load_table
from risk.training import HORIZON_DAYS, train_portfolio_model, train_table_model

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


@app.command("train")
def train_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="Train on this labelled CSV instead.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="Outcome column of --data.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Row id column of --data.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the split, folds and model.")] = 42,
    horizon: Annotated[
        int, typer.Option(help="Days before each renewal the features are taken.")
    ] = HORIZON_DAYS,
) -> None:
    """Train and store a new model version: on the portfolio's renewal history (default), or
    on a labelled CSV (stored under the file's name; it cannot score the portfolio)."""
    if data is not None and label is None:
        raise typer.BadParameter("--label is required with --data")
    with unit_of_work() as session:
        if data is None or label is None:
            report = train_portfolio_model(session, seed=seed, horizon_days=horizon)
        else:
            report = train_table_model(session, load_table(data, label, id_column), seed=seed)
    print_json({"version": report.version, "rows": report.rows, "metrics": report.metrics})


@app.command("score")
def score_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (default: today).")] = None,
    model: Annotated[int | None, typer.Option("--model", help="Model version.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score every client and store the predictions (the newest trained model, else the
    documented scorecard)."""
    day = parse_date(as_of, "--as-of") or date.today()
    with unit_of_work() as session:
        report = score_portfolio(session, as_of=day, model_version=model)
        names = {c.id: c.name for c in directory.list_clients(session)}
    rows = sorted(report.predictions, key=lambda p: -(p.score or -1))
    if as_json:
        print_json(
            {
                "model_version": report.model_version,
                "model": report.model_description,
                "as_of": day,
                "counts": report.counts(),
                "clients": [
                    {
                        "client": names.get(p.client_id),
                        "band": p.band,
                        "score": p.score,
                        "probability": p.probability,
                        "reasons": [r["text"] for r in p.reasons],
                        "missing": p.missing,
                    }
                    for p in rows
                ],
            }
        )
        return
    console.print(f"Model v{report.model_version}: {report.model_description}")
    print_table(
        f"Churn risk as of {day}",
        ["client", "band", "score", "top reason"],
        (
            [
                names.get(p.client_id),
                p.band or "not enough data",
                p.score,
                p.reasons[0]["text"] if p.reasons else p.missing,
            ]
            for p in rows
        ),
    )


@app.command("show")
def show_command(
    client: Annotated[str, typer.Option("--client", help="Client name or id.")],
    as_json: JsonFlag = False,
) -> None:
    """A client's latest stored prediction with every reason."""
    with unit_of_work() as session:
        found = directory.find_client(session, client)
        latest = latest_predictions(session, [found.id], date.max).get(found.id)
    if latest is None:
        raise NotFoundError(f"{found.name} has not been scored yet: run `chasen risk score`")
    if as_json:
        print_json({"client": found.name, **latest})
        return
    console.print(
        f"{found.name}: {latest['band'] or 'not enough data'} (score {latest['score']}, "
        f"model v{latest['model_version']}, as of {latest['as_of']})"
    )
    for reason in latest["reasons"]:
        console.print(f"  {'+' if reason['direction'] == 'raises' else '-'} {reason['text']}")
    if latest["inputs"].get("missing"):
        console.print(f"  {latest['inputs']['missing']}")


@app.command("models")
def models_command(as_json: JsonFlag = False) -> None:
    """Every stored model version, newest first."""
    with unit_of_work() as session:
        rows = [
            {
                "version": m.version,
                "kind": m.kind,
                "feature_set": m.feature_set,
                "description": m.description,
                "roc_auc": m.metrics.get("roc_auc"),
                "created_at": m.created_at,
            }
            for m in model_store.list_models(session)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Risk models",
        ["version", "kind", "feature set", "description", "ROC-AUC", "created"],
        (
            [
                r["version"],
                r["kind"],
                r["feature_set"],
                r["description"],
                r["roc_auc"],
                r["created_at"],
            ]
            for r in rows
        ),
    )

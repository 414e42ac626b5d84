"""``chasen risk train | score | show | models``: churn risk on the portfolio's own data."""

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
from risk.learner import AdditiveRiskModel
from risk.prediction_repository import latest_predictions
from risk.scoring import score_portfolio
from risk.table import load_table
from risk.training import HORIZON_DAYS, train_portfolio_model


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
    with unit_of_work() as session:
        if data is None:
            report = train_portfolio_model(session, seed=seed, horizon_days=horizon)
            version, rows, metrics = report.version, report.rows, report.metrics
        else:
            if label is None:
                raise typer.BadParameter("--label is required with --data")
            table = load_table(data, label, id_column)
            metrics = evaluate(table, seed=seed)
            model = AdditiveRiskModel(table.columns, seed=seed).fit(table.rows, table.y)
            stored = model_store.save_trained(
                session,
                model,
                feature_set=f"table:{data.name}",
                description=f"trained on {data.name} ({len(table.y)} rows, label {label})",
                features=[c.name for c in table.columns],
                metrics={k: metrics[k] for k in ("roc_auc", "pr_auc", "brier", "lift_at_10")},
                rows=len(table.y),
            )
            version, rows = stored.version, len(table.y)
    print_json({"version": version, "rows": rows, "metrics": metrics})


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


def register(app: typer.Typer) -> None:
    """Add these commands to ``chasen risk``."""
    app.command("train")(train_command)
    app.command("score")(score_command)
    app.command("show")(show_command)
    app.command("models")(models_command)

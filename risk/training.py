"""Training the portfolio's own churn model on its labelled renewal history.

Each labelled renewal becomes one row: the client's features as of ``horizon_days`` before the
renewal (what a CAM could have known then) and whether it churned. ``days_to_renewal`` is left
out because it equals the horizon on every training row. With too little history the trainer
refuses, and scoring keeps using the documented scorecard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy.orm import Session

from core.errors import ValidationError
from risk import model_store
from risk.evaluation import evaluate
from risk.feature_repository import feature_rows, renewal_outcomes, to_features
from risk.features import FEATURE_NAMES, FEATURE_SET, feature_columns
from risk.learner import AdditiveRiskModel
from risk.table import LabelledTable

HORIZON_DAYS: Final = 90
MIN_OUTCOMES: Final = 40
MIN_PER_CLASS: Final = 10
TRAINED_FEATURES: Final = tuple(n for n in FEATURE_NAMES if n != "days_to_renewal")


@dataclass(frozen=True)
class TrainingReport:
    """A stored model version and how it did under cross-validation."""

    version: int
    rows: int
    churned: int
    metrics: dict[str, Any]


def labelled_history(session: Session, horizon_days: int = HORIZON_DAYS) -> LabelledTable:
    """Every labelled renewal as a row of features as of ``horizon_days`` before it."""
    outcomes = renewal_outcomes(session)
    churned = sum(o.outcome == "churned" for o in outcomes)
    if len(outcomes) < MIN_OUTCOMES or min(churned, len(outcomes) - churned) < MIN_PER_CLASS:
        raise ValidationError(
            f"too little labelled history to train on: {len(outcomes)} renewals "
            f"({churned} churned); need {MIN_OUTCOMES} with at least {MIN_PER_CLASS} renewed "
            "and churned. Scoring uses the documented scorecard until then.",
            renewals=len(outcomes),
            churned=churned,
        )
    targets = [(o.client_id, o.renewal_date - timedelta(days=horizon_days)) for o in outcomes]
    features = {(f.client_id, f.as_of): f for f in map(to_features, feature_rows(session, targets))}
    rows = np.array([features[t].row(TRAINED_FEATURES) for t in targets], dtype=object)
    y = np.array([o.outcome == "churned" for o in outcomes], dtype=int)
    return LabelledTable(
        columns=feature_columns(TRAINED_FEATURES),
        rows=rows,
        y=y,
        ids=tuple(f"{o.client_id}:{o.renewal_date}" for o in outcomes),
        positive_label="churned",
        notes=(f"features as of {horizon_days} days before each renewal",),
        label="outcome",
        source="renewal_outcomes",
    )


def train_portfolio_model(
    session: Session, *, seed: int = 42, horizon_days: int = HORIZON_DAYS
) -> TrainingReport:
    """Evaluate, then fit on all labelled history and store the model as a new version."""
    table = labelled_history(session, horizon_days)
    report = evaluate(table, seed=seed)
    model = AdditiveRiskModel(table.columns, seed=seed).fit(table.rows, table.y)
    metrics = {key: report[key] for key in ("roc_auc", "pr_auc", "brier", "lift_at_10")}
    metrics |= {"baseline": report["baseline"], "cross_validation": report["cross_validation"]}
    stored = model_store.save_trained(
        session,
        model,
        feature_set=FEATURE_SET,
        description=f"trained on {len(table.y)} renewals, features {horizon_days} days before",
        features=list(TRAINED_FEATURES),
        metrics=metrics,
        rows=len(table.y),
    )
    return TrainingReport(stored.version, len(table.y), int(table.y.sum()), metrics)


def train_table_model(session: Session, table: LabelledTable, *, seed: int = 42) -> TrainingReport:
    """Evaluate, then fit on every row of a labelled table and store the model as a new version
    under the table's name (such a model cannot score the portfolio)."""
    report = evaluate(table, seed=seed)
    model = AdditiveRiskModel(table.columns, seed=seed).fit(table.rows, table.y)
    stored = model_store.save_trained(
        session,
        model,
        feature_set=f"table:{table.source}",
        description=f"trained on {table.source} ({len(table.y)} rows, label {table.label})",
        features=[c.name for c in table.columns],
        metrics={k: report[k] for k in ("roc_auc", "pr_auc", "brier", "lift_at_10")},
        rows=len(table.y),
    )
    return TrainingReport(stored.version, len(table.y), int(table.y.sum()), report)

"""Judging the churn model on a labelled table, beside the plain baseline, on the same rows.

One stratified hold-out (both models trained on the same rows, scored on the same held-out
rows) and a stratified K-fold cross-validation over the whole table (the same folds for both),
plus a leakage guard: a column that predicts the label almost perfectly on its own is named.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from core.errors import ValidationError
from risk.learner import AdditiveRiskModel, RiskModel, baseline_model
from risk.metrics import roc_auc, scores
from risk.table import LabelledTable

MODEL = "additive logistic regression (splines), Platt-calibrated"
BASELINE = "logistic regression"
LEAKAGE_AUC = 0.98
FEW_POSITIVES = 20  # a hold-out with fewer positive rows than this gives noisy figures


def _ours(table: LabelledTable, seed: int) -> AdditiveRiskModel:
    return AdditiveRiskModel(table.columns, seed=seed)


def _fit_and_score(
    model: RiskModel, table: LabelledTable, train: Any, test: Any
) -> dict[str, float]:
    model.fit(table.rows[train], table.y[train])
    return scores(table.y[test], model.predict_proba(table.rows[test]))


def _single_column_auc(values: np.ndarray, y: np.ndarray, kind: str, seed: int) -> float:
    """How well one column alone ranks the rows, in its best orientation.

    Numeric: the values themselves, missing ranked lowest and then highest (so a column filled
    in only for churners is caught). Categorical: each category's positive rate learned on the
    other folds, so that many small categories cannot look predictive by fitting themselves.
    """
    if kind == "numeric":
        x = values.astype(float)
        missing = np.isnan(x)
        present = x[~missing] if missing.size > missing.sum() else np.zeros(1)
        aucs = [
            roc_auc(y, np.where(missing, fill, x))
            for fill in (present.min() - 1, present.max() + 1)
        ]
        return max(*aucs, 1 - min(aucs))
    words = np.array(["" if v is None else str(v) for v in values], dtype=object)
    encoded = np.zeros(len(y))
    folds = min(5, int(np.bincount(y).min()))
    for fit, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(words, y):
        prior = y[fit].mean()
        rates = {w: y[fit][words[fit] == w].mean() for w in np.unique(words[fit])}
        encoded[held] = [rates.get(w, prior) for w in words[held]]
    return roc_auc(y, encoded)


def leakage_warnings(table: LabelledTable, rows: np.ndarray, seed: int) -> list[str]:
    """A warning for each column that alone reaches ROC-AUC > 0.98 on ``rows`` (indices)."""
    y = table.y[rows]
    found = []
    for j, column in enumerate(table.columns):
        auc = _single_column_auc(table.rows[rows, j], y, column.kind, seed)
        if auc > LEAKAGE_AUC:
            found.append(
                f"column {column.name} alone predicts the label (ROC-AUC {auc:.3f} on the "
                "training rows): possible leakage"
            )
    return found


def _summary(per_fold: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "mean": round(float(np.mean([f[name] for f in per_fold])), 4),
            "std": round(float(np.std([f[name] for f in per_fold])), 4),
        }
        for name in per_fold[0]
    }


def _split(table: LabelledTable, seed: int, test_size: float) -> tuple[Any, Any]:
    if not 0 < test_size < 1:
        raise ValidationError(f"--test-size must be between 0 and 1, not {test_size}")
    try:
        train, test = train_test_split(
            np.arange(len(table.y)), test_size=test_size, stratify=table.y, random_state=seed
        )
    except ValueError as error:
        raise ValidationError(
            f"cannot hold out {test_size:.0%} of {len(table.y)} rows: {error}"
        ) from None
    for name, part, least in (("hold-out", test, 1), ("training", train, 2)):
        if np.bincount(table.y[part], minlength=2).min() < least:
            raise ValidationError(
                f"a {test_size:.0%} hold-out of {len(table.y)} rows leaves the {name} rows "
                f"without enough of both classes; use a different --test-size"
            )
    return train, test


def evaluate(
    table: LabelledTable, *, seed: int = 42, test_size: float = 0.2, folds: int = 5
) -> dict[str, Any]:
    """Hold-out and cross-validated ROC-AUC, PR-AUC, Brier and lift at 10%, ours and baseline.

    ``std`` in the cross-validation is the population standard deviation over the folds.
    """
    minority = int(np.bincount(table.y, minlength=2).min())
    if not 2 <= folds <= minority:
        raise ValidationError(
            f"--folds must be between 2 and {minority} (rows of the rarer class), not {folds}"
        )
    train, test = _split(table, seed, test_size)
    warnings = leakage_warnings(table, train, seed)
    held_positives = int(table.y[test].sum())
    if held_positives < FEW_POSITIVES:
        warnings.append(
            f"the hold-out has only {held_positives} positive rows: its figures are noisy, "
            "the cross-validation is the better guide"
        )
    ours = _ours(table, seed)
    held = _fit_and_score(ours, table, train, test)
    reference = _fit_and_score(baseline_model(table.columns, seed), table, train, test)
    ours_folds, baseline_folds = [], []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fit, check in splitter.split(table.rows, table.y):
        ours_folds.append(_fit_and_score(_ours(table, seed), table, fit, check))
        baseline_folds.append(
            _fit_and_score(baseline_model(table.columns, seed), table, fit, check)
        )
    described = table.describe()
    return {
        "data": described["data"],
        "rows": described["rows"],
        "label": described["label"],
        "positive": described["positive"],
        "positive_rate": described["positive_rate"],
        "seed": seed,
        "test_size": test_size,
        "features": described["features"],
        "notes": [*described["notes"], f"L2 strength C={ours.c} picked by out-of-fold ROC-AUC"],
        "warnings": warnings,
        "model": MODEL,
        **held,
        "baseline": {"model": BASELINE, **reference},
        "cross_validation": {
            "folds": folds,
            "ours": _summary(ours_folds),
            "baseline": _summary(baseline_folds),
        },
    }

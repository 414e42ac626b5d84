"""The churn learner, its metrics and its evaluator, on generated tables and on IBM Telco."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import logit
from sklearn.model_selection import train_test_split

from core.errors import ConfigurationError
from core.settings import get_settings
from risk.evaluation import evaluate
from risk.learner import MAGIC, AdditiveRiskModel, baseline_model
from risk.metrics import lift_at_10, roc_auc, scores
from risk.table import Column, LabelledTable, load_table

MIXED = (
    Column("tenure", "numeric"),
    Column("tickets", "numeric"),
    Column("flag", "numeric"),
    Column("tier", "categorical"),
    Column("region", "categorical"),
)


def mixed_table(n: int = 600, seed: int = 0) -> LabelledTable:
    """Rows whose churn depends on tenure (curved), tickets and tier; gaps in every column."""
    rng = np.random.default_rng(seed)
    tenure = rng.exponential(24, n)
    tickets = rng.poisson(3, n).astype(float)
    flag = rng.integers(0, 2, n).astype(float)
    tier = rng.choice(["gold", "silver", "bronze"], n)
    region = rng.choice(["VIC", "WA", "SA", "NZ"], n)
    log_odds = 1.5 - 0.08 * tenure + 0.3 * tickets + (tier == "bronze") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.int64)
    rows = np.empty((n, len(MIXED)), dtype=object)
    for j, values in enumerate((tenure, tickets, flag, tier, region)):
        rows[:, j] = list(values)
        gaps = rng.random(n) < 0.15
        rows[gaps, j] = np.nan if MIXED[j].kind == "numeric" else None
    return LabelledTable(MIXED, rows, y, None, "yes", (), "churned", "generated")


def test_log_odds_are_the_base_plus_one_term_per_column() -> None:
    table = mixed_table()
    model = AdditiveRiskModel(table.columns, seed=3).fit(table.rows, table.y)
    p = model.predict_proba(table.rows)
    parts = model.contributions(table.rows)
    assert parts.shape == (len(table.y), len(MIXED))
    np.testing.assert_allclose(model.base_logit + parts.sum(axis=1), logit(p), atol=1e-6)
    # Each term is relative to the average training row.
    np.testing.assert_allclose(parts.mean(axis=0), 0, atol=1e-9)
    unseen = table.rows[:5].copy()
    unseen[:, 3] = "platinum"  # a category never seen in training is ignored, not an error
    np.testing.assert_allclose(
        model.base_logit + model.contributions(unseen).sum(axis=1),
        logit(model.predict_proba(unseen)),
        atol=1e-6,
    )


def test_the_one_driving_column_explains_the_riskiest_rows() -> None:
    rng = np.random.default_rng(11)
    n = 800
    columns = (*(Column(f"x{j}", "numeric") for j in range(4)), Column("c", "categorical"))
    rows = np.empty((n, 5), dtype=object)
    for j in range(4):
        rows[:, j] = list(rng.normal(size=n))
    rows[:, 4] = list(rng.choice(["a", "b", "c"], n))
    driver = rows[:, 2].astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(3 * driver - 1)))).astype(np.int64)
    model = AdditiveRiskModel(columns, seed=0).fit(rows, y)
    riskiest = np.argsort(-model.predict_proba(rows))[:40]
    biggest = np.abs(model.contributions(rows[riskiest])).argmax(axis=1)
    assert (biggest == 2).all()


def test_all_numeric_columns_full_of_gaps_train_and_are_deterministic() -> None:
    rng = np.random.default_rng(5)
    n = 250
    columns = tuple(Column(f"f{j}", "numeric") for j in range(6))
    values = rng.normal(size=(n, 6))
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * values[:, 0]))).astype(np.int64)
    values[rng.random((n, 6)) < 0.6] = np.nan
    values[:, 5] = np.nan  # a column with no value at all
    rows = values.astype(object)
    first = AdditiveRiskModel(columns, seed=9).fit(rows, y).predict_proba(rows)
    again = AdditiveRiskModel(columns, seed=9).fit(rows, y).predict_proba(rows)
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, again)
    assert roc_auc(y, first) > 0.6


def test_dumps_and_loads_round_trip_and_refuse_damage() -> None:
    table = mixed_table(300)
    model = AdditiveRiskModel(table.columns, seed=2).fit(table.rows, table.y)
    data = model.dumps()
    restored = AdditiveRiskModel.loads(data)
    np.testing.assert_array_equal(
        restored.predict_proba(table.rows), model.predict_proba(table.rows)
    )
    np.testing.assert_array_equal(
        restored.contributions(table.rows), model.contributions(table.rows)
    )

    tampered = bytearray(data)
    tampered[-40] ^= 0xFF
    with pytest.raises(ConfigurationError, match="damaged; retrain"):
        AdditiveRiskModel.loads(bytes(tampered))
    header, payload = data[len(MAGIC) :].split(b"\n", 1)
    older = json.loads(header) | {"sklearn": "0.24.2"}
    with pytest.raises(ConfigurationError, match=r"scikit-learn 0\.24\.2.*retrain"):
        AdditiveRiskModel.loads(MAGIC + json.dumps(older).encode() + b"\n" + payload)
    for junk in (b"", b"not a model", payload):
        with pytest.raises(ConfigurationError, match="retrain"):
            AdditiveRiskModel.loads(junk)


def test_lift_counts_ties_in_proportion_and_scores_round() -> None:
    y = np.array([1, 0] * 10)
    assert lift_at_10(y, np.arange(20, 0, -1)) == pytest.approx(1.0)  # top 2: one of each
    assert lift_at_10(y, np.ones(20)) == pytest.approx(1.0)  # all tied: the average
    ranked = np.where(y == 1, 0.9, 0.1)
    assert lift_at_10(y, ranked) == pytest.approx(2.0)
    assert scores(y, ranked) == {"roc_auc": 1.0, "pr_auc": 1.0, "brier": 0.01, "lift_at_10": 2.0}


def test_a_column_that_is_the_label_in_disguise_is_flagged() -> None:
    table = mixed_table(400)
    leak = np.where(table.y == 1, np.nan, np.arange(400.0))  # filled in only for renewals
    rows = np.column_stack([table.rows, leak.astype(object)])
    columns = (*table.columns, Column("cancelled_on", "numeric"))
    leaky = LabelledTable(columns, rows, table.y, None, "yes", (), "churned", "leaky.csv")
    report = evaluate(leaky, folds=3)
    assert any("column cancelled_on alone predicts the label" in w for w in report["warnings"])
    assert not any("tenure" in w for w in report["warnings"])


def test_telco_hold_out_beats_the_floor_and_the_baseline_without_leakage() -> None:
    path = get_settings().shared_data / "telco_churn.csv"
    if not path.is_file():
        pytest.skip(f"IBM Telco churn data not found at {path} (set CHASEN_SHARED_DATA)")
    table = load_table(path, "Churn", "customerID")
    train, test = train_test_split(
        np.arange(len(table.y)), test_size=0.2, stratify=table.y, random_state=42
    )
    ours = AdditiveRiskModel(table.columns, seed=42).fit(table.rows[train], table.y[train])
    base = baseline_model(table.columns, 42).fit(table.rows[train], table.y[train])
    ours_auc = roc_auc(table.y[test], ours.predict_proba(table.rows[test]))
    base_auc = roc_auc(table.y[test], base.predict_proba(table.rows[test]))
    assert 0.845 <= ours_auc < 0.90, ours_auc
    assert ours_auc >= base_auc, (ours_auc, base_auc)

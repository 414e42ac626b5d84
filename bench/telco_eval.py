"""Churn model quality on IBM Telco: our additive model's hold-out ROC-AUC vs the plain baseline.

``chasen risk evaluate`` on ``<shared data>/telco_churn.csv`` (label ``Churn``, id
``customerID``), default seed 42 and a 20% stratified hold-out; both models train on the same
rows and are scored on the same held-out rows. The product requirement is a hold-out ROC-AUC of
at least 0.845 (published baselines 0.842-0.847; above 0.90 would mean leakage).

``Result.ok`` compares the ratio ours / peer with the target, so the 0.845 floor on ours is
expressed as the ratio target 0.845 / peer: ``ok`` holds exactly when ours >= 0.845.
"""

from __future__ import annotations

from bench.result import Result
from core.errors import ConfigurationError
from core.settings import get_settings
from risk.evaluation import evaluate
from risk.table import load_table

NAME = "telco_eval"
FLOOR = 0.845


def run(quick: bool = False) -> Result:
    """Evaluate on Telco; ROC-AUC of ours and of the baseline on the same hold-out."""
    path = get_settings().shared_data / "telco_churn.csv"
    if not path.is_file():
        raise ConfigurationError(f"{path} not found; set CHASEN_SHARED_DATA to the shared data")
    report = evaluate(load_table(path, "Churn", "customerID"), folds=3 if quick else 5)
    ours, base = report, report["baseline"]
    cv = report["cross_validation"]
    note = (
        f"hold-out {report['test_size']:.0%} seed {report['seed']}: "
        + "; ".join(
            f"{who} PR-AUC {r['pr_auc']:.3f} Brier {r['brier']:.4f} lift@10 {r['lift_at_10']:.2f}"
            for who, r in (("ours", ours), ("baseline", base))
        )
        + f"; {cv['folds']}-fold CV ROC-AUC ours {cv['ours']['roc_auc']['mean']:.4f} "
        f"baseline {cv['baseline']['roc_auc']['mean']:.4f}; target: ours >= {FLOOR}"
        + (f"; warnings: {report['warnings']}" if report["warnings"] else "")
    )
    return Result(
        bench=NAME,
        ours=ours["roc_auc"],
        peer=base["roc_auc"],
        unit="roc_auc",
        target=FLOOR / base["roc_auc"],
        note=note,
        higher_is_better=True,
    )

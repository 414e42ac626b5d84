"""The churn model's evaluation on IBM Telco (``chasen risk evaluate``), as an eval suite.

The same hold-out (seed 42, stratified 20%) and cross-validation as ``chasen risk evaluate``;
ours must reach a hold-out ROC-AUC of 0.845 (published figures for this table are
0.842-0.847; above 0.90 would mean leakage) and beat the logistic-regression baseline.
"""

from __future__ import annotations

from typing import Any

from core.errors import ConfigurationError
from core.settings import get_settings
from evals.report import Case, Metric, SuiteReport
from evals.world import LazyWorld
from risk.evaluation import evaluate
from risk.table import load_table

NAME = "churn"
ROC_AUC_FLOOR = 0.845
LEAKAGE_CEILING = 0.90
FOLDS = 5


def run(_world: LazyWorld) -> SuiteReport:
    """Evaluate the churn model and the baseline on Telco; every figure beside its target."""
    path = get_settings().shared_data / "telco_churn.csv"
    if not path.is_file():
        raise ConfigurationError(f"{path} not found; set CHASEN_SHARED_DATA to the shared data")
    report = evaluate(load_table(path, "Churn", "customerID"), folds=FOLDS)
    base = report["baseline"]
    cv = report["cross_validation"]
    metrics = [
        Metric("hold-out ROC-AUC", report["roc_auc"], ROC_AUC_FLOOR, "score",
               detail=f"{report['rows']:,} customers, seed {report['seed']}, "
               f"{report['test_size']:.0%} stratified hold-out"),
        Metric("ROC-AUC below leakage ceiling", report["roc_auc"], LEAKAGE_CEILING, "score",
               higher_is_better=False,
               detail="a figure above it would mean a column leaks the label"),
        Metric("ROC-AUC over baseline", report["roc_auc"] - base["roc_auc"], 0.0, "score",
               detail=f"baseline ({base['model']}) {base['roc_auc']:.4f}"),
        Metric(f"{FOLDS}-fold ROC-AUC", cv["ours"]["roc_auc"]["mean"], ROC_AUC_FLOOR, "score",
               detail=f"± {cv['ours']['roc_auc']['std']:.4f}; baseline "
               f"{cv['baseline']['roc_auc']['mean']:.4f}"),
        Metric("PR-AUC", report["pr_auc"], base["pr_auc"], "score",
               detail="target: the baseline's"),
        Metric("Brier score", report["brier"], base["brier"], "score", higher_is_better=False,
               detail="calibration; target: the baseline's"),
        Metric("lift at 10%", report["lift_at_10"], None, "score"),
        Metric("leakage warnings", len(report["warnings"]), 0, "count", higher_is_better=False,
               detail="; ".join(report["warnings"])),
    ]  # fmt: skip
    cases = [_case("ours", report, report["roc_auc"] >= ROC_AUC_FLOOR), _case("baseline", base)]
    return SuiteReport(NAME, "Churn risk (IBM Telco)", metrics, cases, list(report["notes"]))


def _case(name: str, figures: dict[str, Any], passed: bool = True) -> Case:
    """One model's hold-out figures (the baseline's row is the reference: it always passes)."""
    keys = ("roc_auc", "pr_auc", "brier", "lift_at_10")
    return Case(f"{name}: {figures['model']}", passed, {k: figures[k] for k in keys})

"""How good a churn score is: ranking (ROC-AUC, PR-AUC, lift at the top 10%) and calibration
(Brier). ``y`` holds 0/1 labels, ``p`` the predicted probability of 1."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

TOP_SHARE = 0.1


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random churner outranks a random stayer."""
    return float(roc_auc_score(y, p))


def pr_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the precision-recall curve (average precision)."""
    return float(average_precision_score(y, p))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    return float(brier_score_loss(y, p))


def lift_at_10(y: np.ndarray, p: np.ndarray) -> float:
    """Positive rate among the top 10% by score over the overall positive rate.

    The top is ceil(10% of rows). Rows tied with the last one admitted count in proportion
    (the expected value of breaking the tie at random), so the figure depends neither on row
    order nor on luck.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.size == 0 or y.sum() == 0:
        raise ValueError("lift needs at least one positive row")
    k = math.ceil(TOP_SHARE * y.size)
    cutoff = np.sort(p)[::-1][k - 1]
    above, tied = p > cutoff, p == cutoff
    share_of_ties = (k - above.sum()) / tied.sum()
    positives_in_top = y[above].sum() + share_of_ties * y[tied].sum()
    return float((positives_in_top / k) / y.mean())


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """All four measures, rounded to 4 decimals."""
    return {
        name: round(measure(y, p), 4)
        for name, measure in (
            ("roc_auc", roc_auc),
            ("pr_auc", pr_auc),
            ("brier", brier),
            ("lift_at_10", lift_at_10),
        )
    }

"""``chasen risk evaluate`` through the real entry point (no database needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner, Result

from cli.main import main

REPORT_KEYS = {
    "data", "rows", "label", "positive", "positive_rate", "seed", "test_size", "features",
    "notes", "warnings", "model", "roc_auc", "pr_auc", "brier", "lift_at_10", "baseline",
    "cross_validation",
}  # fmt: skip
METRICS = {"roc_auc", "pr_auc", "brier", "lift_at_10"}


def chasen(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run ``main()`` (domain errors rendered, exit codes mapped) as the console script does."""
    monkeypatch.setattr(sys, "argv", ["chasen", *args])
    entry = typer.Typer()
    entry.command()(main)
    return CliRunner().invoke(entry, [])


def accounts_csv(folder: Path, n: int = 200) -> Path:
    rng = np.random.default_rng(4)
    lines = ["account,months,tier,Churn"]
    for i in range(n):
        months = int(rng.integers(1, 60))
        tier = ("gold", "silver", "bronze")[i % 3]
        churn = rng.random() < 1 / (1 + np.exp(-(1 - months / 12)))
        lines.append(f"C{i},{months if i % 10 else ''},{tier},{'Yes' if churn else 'No'}")
    path = folder / "accounts.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_evaluate_prints_the_report_as_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = accounts_csv(tmp_path)
    result = chasen(
        monkeypatch, "risk", "evaluate", "--data", str(path), "--label", "Churn",
        "--id", "account", "--folds", "3", "--seed", "7",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == REPORT_KEYS
    assert (report["data"], report["rows"], report["label"]) == ("accounts.csv", 200, "Churn")
    assert (report["positive"], report["seed"], report["test_size"]) == ("Yes", 7, 0.2)
    assert report["features"] == {"numeric": ["months"], "categorical": ["tier"]}
    assert "months: 20 blank values treated as missing" in report["notes"]
    assert set(report["baseline"]) == METRICS | {"model"}
    assert report["cross_validation"]["folds"] == 3
    for who in ("ours", "baseline"):
        assert set(report["cross_validation"][who]) == METRICS
    assert 0.5 < report["roc_auc"] <= 1


def test_a_bad_file_exits_4_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,Churn\n1,2,Yes\n3,No\n")
    result = chasen(monkeypatch, "risk", "evaluate", "--data", str(path), "--label", "Churn")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: bad.csv: row 3 has 2 fields, the header has 3"
    ]

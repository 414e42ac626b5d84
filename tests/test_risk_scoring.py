"""Churn risk on the portfolio's own tables: features as of a date, the scorecard, trained
models, stored predictions and their reasons."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.models import RenewalOutcome, RiskPrediction
from ingest.simulated_portfolio import simulate_portfolio
from risk import model_store
from risk.feature_repository import feature_rows, to_features
from risk.features import ClientFeatures
from risk.scoring import score_portfolio
from risk.table import load_table
from risk.training import train_portfolio_model, train_table_model
from tests.factories import make_client
from tests.risk_history import add_meeting_with, add_readings, add_support

AS_OF = date(2026, 11, 1)


def features_of(session: Session, client_id: object, as_of: date = AS_OF) -> ClientFeatures:
    rows = feature_rows(session, [(client_id, as_of)])  # type: ignore[list-item]
    return to_features(rows[0])


def declining_client(session: Session, name: str = "Eastern Health") -> object:
    """Health 72 -> 48 and NPS 42 -> 11 since March, SLA breaches, renewal in 60 days."""
    client = make_client(session, name)
    client.renewal_date = AS_OF + timedelta(days=60)
    add_readings(
        session,
        client,
        [(date(2026, 3, 1), 80, 42), (date(2026, 8, 1), 72, 30), (date(2026, 10, 15), 48, 11)],
    )
    add_support(session, client, date(2026, 10, 1), tickets=12, breaches=3, p1=1)
    add_support(session, client, date(2026, 9, 1), tickets=8, breaches=1)
    return client


def test_features_only_see_the_past_and_keep_missing_values_missing(session: Session) -> None:
    client = declining_client(session)
    # A reading after the as-of date must not leak into the features.
    add_readings(session, client, [(date(2026, 11, 20), 95, 70)])  # type: ignore[arg-type]
    features = features_of(session, client.id)  # type: ignore[attr-defined]
    values = features.values
    assert values["health_score"] == 48
    assert values["health_change_90d"] == 48 - 72
    assert values["nps"] == 11
    assert values["nps_change_180d"] == 11 - 42
    assert values["sla_breaches_90d"] == 4
    assert values["support_tickets_90d"] == 20
    assert values["open_p1s"] == 1
    assert values["days_to_renewal"] == 60
    # Nothing on record: unknown, not zero.
    assert values["meetings_90d"] is None
    assert values["champion_quiet"] is None
    assert values["sponsor_changed"] is None
    assert values["open_pipeline_ratio"] is None
    assert features.missing_data() is None


def test_stakeholder_signals_champion_quiet_and_sponsor_changed(session: Session) -> None:
    client = make_client(session, "Alfred Health")
    client.renewal_date = AS_OF + timedelta(days=200)
    add_readings(session, client, [(date(2026, 7, 1), 81, 40), (date(2026, 10, 1), 80, 45)])
    add_meeting_with(
        session,
        client,
        date(2026, 4, 2),
        [("Sam Lee", "Director of Nursing", "champion"), ("Joan Roe", "CEO", "economic_buyer")],
    )
    add_meeting_with(
        session,
        client,
        date(2026, 10, 20),
        [("Priya Nair", "Chief Executive Officer", "economic_buyer")],
    )
    features = features_of(session, client.id)
    assert features.values["champion_quiet"] == 1
    assert features.values["sponsor_changed"] == 1
    assert features.values["meetings_90d"] == 1
    assert features.values["days_since_exec_contact"] == (AS_OF - date(2026, 10, 20)).days
    assert features.context["sponsor_name"] == "Priya Nair"
    assert features.context["previous_sponsor"] == "Joan Roe"

    report = score_portfolio(session, as_of=AS_OF, client_ids=[client.id])
    texts = [r["text"] for r in report.predictions[0].reasons]
    assert "Champion Sam Lee not seen since 2 April 2026" in texts
    assert "Executive sponsor changed: Priya Nair replaced Joan Roe" in texts


def test_scorecard_scores_with_reasons_in_words_and_stores_the_prediction(
    session: Session,
) -> None:
    client = declining_client(session)
    report = score_portfolio(session, as_of=AS_OF, client_ids=[client.id])  # type: ignore[attr-defined]
    assert report.model_kind == "scorecard"
    (prediction,) = report.predictions
    assert prediction.status == "scored"
    assert prediction.probability is None  # a scorecard gives points, not a probability
    # 20 health + 15 health fall + 7 NPS + 10 NPS fall + 10 breaches + 10 P1 + 5 renewal.
    assert prediction.score == 77
    assert prediction.band == "critical"
    texts = [r["text"] for r in prediction.reasons]
    assert texts[0] == "Health score is 48"
    assert "Health score fell from 72 to 48 since August" in texts
    assert "NPS fell from 42 to 11 since March" in texts
    contributions = [r["contribution"] for r in prediction.reasons]
    assert contributions == sorted(contributions, reverse=True)

    stored = session.scalars(
        select(RiskPrediction).where(RiskPrediction.client_id == client.id)  # type: ignore[attr-defined]
    ).one()
    assert stored.model_version == report.model_version
    assert stored.inputs["values"]["nps"] == 11
    assert model_store.get_model(session, stored.model_version).kind == "scorecard"


def test_scoring_twice_on_a_day_replaces_that_days_prediction(session: Session) -> None:
    client = declining_client(session)
    score_portfolio(session, as_of=AS_OF, client_ids=[client.id])  # type: ignore[attr-defined]
    add_support(session, client, date(2026, 8, 1), tickets=1, breaches=0)  # type: ignore[arg-type]
    score_portfolio(session, as_of=AS_OF, client_ids=[client.id])  # type: ignore[attr-defined]
    count = session.scalar(
        select(func.count()).where(RiskPrediction.client_id == client.id)  # type: ignore[attr-defined]
    )
    assert count == 1


def test_a_client_with_too_little_data_is_not_given_a_score(session: Session) -> None:
    client = make_client(session, "Quiet Health")
    add_readings(session, client, [(date(2026, 10, 1), None, 35)])
    report = score_portfolio(session, as_of=AS_OF, client_ids=[client.id])
    (prediction,) = report.predictions
    assert prediction.status == "insufficient_data"
    assert prediction.band is None and prediction.score is None
    assert prediction.missing is not None and prediction.missing.startswith("not enough data")
    assert report.counts() == {"not enough data": 1}


def test_training_needs_enough_labelled_history(session: Session) -> None:
    client = declining_client(session)
    session.add(
        RenewalOutcome(client_id=client.id, renewal_date=date(2025, 12, 1), outcome="churned")  # type: ignore[attr-defined]
    )
    session.flush()
    with pytest.raises(ValidationError, match=r"too little labelled history.*1 renewals"):
        train_portfolio_model(session)


def test_a_model_trained_on_renewal_history_finds_the_drivers(session: Session) -> None:
    today = date(2026, 11, 20)
    portfolio = simulate_portfolio(session, clients=600, today=today, owners=6, seed=3)
    assert portfolio.churned >= 10 and portfolio.outcomes - portfolio.churned >= 10
    report = train_portfolio_model(session, seed=1)
    # The simulated outcomes follow health, NPS and support: a model that learned them ranks
    # well on held-out renewals.
    assert report.metrics["roc_auc"] >= 0.75
    assert report.rows == portfolio.outcomes

    scored = score_portfolio(session, as_of=today, client_ids=portfolio.client_ids)
    assert scored.model_version == report.version and scored.model_kind == "trained"
    riskiest = max(scored.predictions, key=lambda p: p.probability or 0)
    assert riskiest.band == "critical"
    drivers = {r["feature"] for r in riskiest.reasons if r["direction"] == "raises"}
    assert drivers & {"health_score", "health_change_90d", "nps", "sla_breaches_90d"}
    probabilities = [p.probability for p in scored.predictions if p.probability is not None]
    assert all(0 < p < 1 for p in probabilities)


def test_a_model_trained_on_a_table_is_stored_under_the_tables_name(
    session: Session, tmp_path: Path
) -> None:
    rows = ["id,usage,plan,churned"] + [
        f"c{i},{i % 50},{'basic' if i % 3 else 'pro'},{'yes' if i % 50 < 15 else 'no'}"
        for i in range(200)
    ]
    csv = tmp_path / "accounts.csv"
    csv.write_text("\n".join(rows) + "\n")
    report = train_table_model(session, load_table(csv, "churned", "id"), seed=3)
    stored = model_store.get_model(session, report.version)
    assert stored.feature_set == "table:accounts.csv" and stored.trained_rows == 200
    assert stored.params["features"] == ["usage", "plan"]
    assert report.metrics["roc_auc"] > 0.9  # usage alone decides the label
    assert model_store.load(stored).predict_proba(load_table(csv, "churned", "id").rows).shape == (
        200,
    )

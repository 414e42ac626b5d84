"""Scoring the portfolio: features from the database, a model, reasons, stored predictions."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from core.models import RiskModel as StoredModel
from risk import model_store, scorecard
from risk.bands import POINTS_BANDS, PROBABILITY_BANDS, band_of
from risk.feature_repository import all_client_ids, feature_rows, to_features
from risk.features import FEATURE_SET, ClientFeatures
from risk.prediction_repository import store_predictions
from risk.reasons import reasons


@dataclass(frozen=True)
class Prediction:
    """One client's risk as of a date: a band with reasons, or why there is no score."""

    client_id: uuid.UUID
    as_of: date
    model_version: int
    status: str
    probability: float | None
    score: float | None
    band: str | None
    reasons: list[dict[str, Any]]
    inputs: dict[str, Any]

    @property
    def missing(self) -> str | None:
        """Why the client was not scored ("not enough data: ...")."""
        missing: str | None = self.inputs.get("missing")
        return missing


@dataclass(frozen=True)
class ScoringReport:
    """What one scoring run did."""

    model_version: int
    model_kind: str
    model_description: str
    as_of: date
    predictions: list[Prediction] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Clients per band, and how many had too little data."""
        counts = Counter(p.band or "not enough data" for p in self.predictions)
        return dict(counts)


def choose_model(
    session: Session, version: int | None = None, *, create: bool = True
) -> StoredModel:
    """The given version, else the newest trained portfolio model, else the scorecard (stored
    the first time unless ``create`` is False)."""
    if version is not None:
        return model_store.get_model(session, version)
    trained = model_store.latest_trained(session, FEATURE_SET)
    return trained or model_store.scorecard_model(session, create=create)


def score_portfolio(
    session: Session,
    *,
    as_of: date,
    client_ids: Sequence[uuid.UUID] | None = None,
    model_version: int | None = None,
    store: bool = True,
) -> ScoringReport:
    """Score clients (default: all) as of a date and store each prediction with its inputs."""
    model = choose_model(session, model_version, create=store)
    ids = list(client_ids) if client_ids is not None else all_client_ids(session)
    features = [to_features(row) for row in feature_rows(session, [(c, as_of) for c in ids])]
    predictions = predict(model, features)
    if store:
        store_predictions(session, predictions)
    return ScoringReport(model.version, model.kind, model.description, as_of, predictions)


def predict(model: StoredModel, features: Sequence[ClientFeatures]) -> list[Prediction]:
    """Predictions of a stored model (scorecard or trained) for these clients."""
    missing = {f.client_id: f.missing_data() for f in features}
    scorable = [f for f in features if missing[f.client_id] is None]
    scored = _trained(model, scorable) if model.kind == "trained" else _scorecard(model, scorable)
    unscored = [
        Prediction(
            f.client_id,
            f.as_of,
            model.version,
            "insufficient_data",
            None,
            None,
            None,
            [],
            {**f.as_json(), "missing": f"not enough data: {why}"},
        )
        for f in features
        if (why := missing[f.client_id]) is not None
    ]
    return scored + unscored


def _scored(
    model: StoredModel,
    f: ClientFeatures,
    *,
    score: float,
    band: str,
    pushes: dict[str, float],
    probability: float | None = None,
) -> Prediction:
    return Prediction(
        f.client_id,
        f.as_of,
        model.version,
        "scored",
        probability,
        score,
        band,
        reasons(f, pushes),
        f.as_json(),
    )


def _scorecard(model: StoredModel, features: Sequence[ClientFeatures]) -> list[Prediction]:
    predictions = []
    for f in features:
        earned = scorecard.points(f)
        points = scorecard.score(earned)
        pushes = {k: float(v) for k, v in earned.items()}
        predictions.append(
            _scored(model, f, score=points, band=band_of(points, POINTS_BANDS), pushes=pushes)
        )
    return predictions


def _trained(model: StoredModel, features: Sequence[ClientFeatures]) -> list[Prediction]:
    if not features:
        return []
    names = tuple(model.params["features"])
    fitted = model_store.load(model)
    rows = np.array([f.row(names) for f in features], dtype=object)
    probabilities = fitted.predict_proba(rows)
    contributions = fitted.contributions(rows)
    return [
        _scored(
            model,
            f,
            score=round(100 * float(p), 1),
            band=band_of(float(p), PROBABILITY_BANDS),
            pushes={n: float(c) for n, c in zip(names, pushes, strict=True)},
            probability=round(float(p), 4),
        )
        for f, p, pushes in zip(features, probabilities, contributions, strict=True)
    ]

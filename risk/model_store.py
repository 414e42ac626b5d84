"""Versioned risk models in the database: the scorecard, and models trained on renewal history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFoundError
from core.models import RiskModel as StoredModel
from risk import scorecard
from risk.features import FEATURE_SET
from risk.learner import AdditiveRiskModel

SCORECARD_DESCRIPTION = "default scorecard (documented weights; not trained)"


def scorecard_model(session: Session, *, create: bool = True) -> StoredModel:
    """The stored version of today's scorecard weights, created the first time they are used.

    ``create`` False (readers that store nothing) gives an unsaved version 0 instead.
    """
    params = scorecard.params()
    found = session.scalars(
        select(StoredModel)
        .where(StoredModel.kind == "scorecard", StoredModel.params == params)
        .order_by(StoredModel.version.desc())
        .limit(1)
    ).first()
    if found is not None:
        return found
    model = StoredModel(
        kind="scorecard",
        feature_set=FEATURE_SET,
        description=SCORECARD_DESCRIPTION,
        params=params,
        metrics={},
    )
    if not create:
        model.version = 0
        return model
    session.add(model)
    session.flush()
    return model


def save_trained(
    session: Session,
    model: AdditiveRiskModel,
    *,
    feature_set: str,
    description: str,
    features: list[str],
    metrics: dict[str, Any],
    rows: int,
) -> StoredModel:
    """Store a trained model as a new version."""
    stored = StoredModel(
        kind="trained",
        feature_set=feature_set,
        description=description,
        params={"features": features},
        metrics=metrics,
        trained_rows=rows,
        artifact=model.dumps(),
    )
    session.add(stored)
    session.flush()
    return stored


def latest_trained(session: Session, feature_set: str = FEATURE_SET) -> StoredModel | None:
    """The newest trained model for a feature set, if any."""
    return session.scalars(
        select(StoredModel)
        .where(StoredModel.kind == "trained", StoredModel.feature_set == feature_set)
        .order_by(StoredModel.version.desc())
        .limit(1)
    ).first()


def get_model(session: Session, version: int) -> StoredModel:
    """One stored model version; unknown versions are a NotFoundError."""
    model = session.get(StoredModel, version)
    if model is None:
        raise NotFoundError(f"no risk model version {version}")
    return model


def models_by_version(session: Session, versions: set[int]) -> list[StoredModel]:
    """These stored versions, oldest first."""
    query = (
        select(StoredModel).where(StoredModel.version.in_(versions)).order_by(StoredModel.version)
    )
    return list(session.scalars(query))


def list_models(session: Session) -> list[StoredModel]:
    """Every stored model, newest first."""
    return list(session.scalars(select(StoredModel).order_by(StoredModel.version.desc())))


def load(model: StoredModel) -> AdditiveRiskModel:
    """The fitted model of a trained version."""
    assert model.artifact is not None, "scorecard versions have no artifact"
    return AdditiveRiskModel.loads(model.artifact)

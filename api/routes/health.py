"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import database_of
from api.problems import problem
from core import schema
from core.bootstrap import Database

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(database: Database = Depends(database_of)) -> dict[str, str] | JSONResponse:  # noqa: B008
    """The database answers and its schema is this code's: 200, else 503 with the reason."""
    try:
        current = schema.is_current(database.engine)
    except SQLAlchemyError as exc:
        return problem(
            503, "database_unavailable", f"the database does not answer: {exc.__class__.__name__}"
        )
    if not current:
        return problem(
            503, "schema_outdated", "the database schema is behind: run `chasen db upgrade`"
        )
    return {"status": "ready", "database": database.describe()}

"""SQL for stored risk predictions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.bulk import copy_rows

if TYPE_CHECKING:
    from risk.scoring import Prediction

_COLUMNS = (
    "client_id",
    "model_version",
    "as_of",
    "status",
    "probability",
    "score",
    "band",
    "reasons",
    "inputs",
)


def store_predictions(session: Session, predictions: Sequence[Prediction]) -> None:
    """Store predictions; scoring a client again on the same day with the same model replaces
    that day's row (so re-running a score is idempotent)."""
    if not predictions:
        return
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS risk_predictions_in (client_id uuid, "
            "model_version integer, as_of date, status text, probability float8, score float8, "
            "band text, reasons jsonb, inputs jsonb) ON COMMIT DELETE ROWS"
        )
    )
    session.execute(text("TRUNCATE risk_predictions_in"))
    copy_rows(
        session,
        "risk_predictions_in",
        _COLUMNS,
        (
            (
                p.client_id,
                p.model_version,
                p.as_of,
                p.status,
                p.probability,
                p.score,
                p.band,
                json.dumps(p.reasons),
                json.dumps(p.inputs),
            )
            for p in predictions
        ),
    )
    columns = ", ".join(_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[3:])
    session.execute(
        text(
            f"INSERT INTO risk_predictions ({columns}) SELECT {columns} FROM risk_predictions_in "
            f"ON CONFLICT (client_id, model_version, as_of) DO UPDATE "
            f"SET {updates}, scored_at = now()"
        )
    )


LATEST_SQL = """
SELECT DISTINCT ON (p.client_id) p.client_id, p.model_version, p.as_of, p.scored_at, p.status,
       p.probability, p.score, p.band, p.reasons, p.inputs
FROM risk_predictions p
WHERE p.client_id = ANY(CAST(:client_ids AS uuid[])) AND p.as_of <= :on
ORDER BY p.client_id, p.as_of DESC, p.scored_at DESC, p.id DESC
"""


def latest_predictions(
    session: Session, client_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, dict[str, Any]]:
    """Each client's newest prediction as of ``on`` or earlier (the latest scored, on a tie)."""
    if not client_ids:
        return {}
    rows = session.execute(
        text(LATEST_SQL), {"client_ids": [str(c) for c in client_ids], "on": on}
    ).mappings()
    return {row["client_id"]: dict(row) for row in rows}

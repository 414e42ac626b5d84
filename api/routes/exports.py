"""Documents: a plan as PDF or Markdown, an account's Success Snapshot, a territory's
performance report. Downloads, with the same access rules as the views they print."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import PersonDep, SessionDep
from api.routes.dashboard import TodayDep
from api.routes.performance import FiscalYear
from planning import directory
from planning.exports import (
    plan_filename,
    plan_markdown,
    plan_pdf,
    snapshot_filename,
    snapshot_pdf,
    territory_filename,
    territory_pdf,
)
from planning.service import PlanService

router = APIRouter(tags=["exports"])

PDF = "application/pdf"
MARKDOWN = "text/markdown; charset=utf-8"


def _download(content: Any, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": content}}


PDF_BODY = {PDF: {"schema": {"type": "string", "format": "binary"}}}
MARKDOWN_BODY = {"text/markdown": {"schema": {"type": "string"}}}


def attachment(data: bytes | str, media_type: str, filename: str) -> Response:
    """A download: the body, its type, and a file name the browser saves it under."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/plans/{plan_id}/export",
    response_class=Response,
    responses=_download({**PDF_BODY, **MARKDOWN_BODY}, "The plan as a PDF or Markdown file."),
)
def export_plan(
    plan_id: uuid.UUID,
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    output: Annotated[
        Literal["pdf", "md"], Query(alias="format", description="pdf (default) or md.")
    ] = "pdf",
) -> Response:
    """The whole plan (five steps, every section) as an A4 PDF or as Markdown."""
    plan = PlanService(session).readable_plan(plan_id, person)
    if output == "md":
        return attachment(plan_markdown(plan, generated=today), MARKDOWN, plan_filename(plan, "md"))
    return attachment(plan_pdf(plan, generated=today), PDF, plan_filename(plan, "pdf"))


@router.get(
    "/clients/{client_id}/snapshot.pdf",
    response_class=Response,
    responses=_download(PDF_BODY, "The account's one-page Success Snapshot."),
)
def client_snapshot(
    client_id: uuid.UUID, person: PersonDep, session: SessionDep, today: TodayDep
) -> Response:
    """One page on the account: health, ARR, renewal, NPS and health trends, top
    stakeholders, risks with reasons, next actions and pipeline coverage."""
    data = snapshot_pdf(session, person, client_id, today)
    name = directory.get_client(session, client_id).name
    return attachment(data, PDF, snapshot_filename(name, today))


@router.get(
    "/territories/{territory}/performance.pdf",
    response_class=Response,
    responses=_download(PDF_BODY, "The territory's performance report."),
)
def territory_performance(
    territory: str,
    person: PersonDep,
    session: SessionDep,
    today: TodayDep,
    fiscal_year: FiscalYear = None,
) -> Response:
    """Targets against actuals per measure and quarter, pipeline, coverage, BURC alignment,
    health, focus deals, meeting readiness and the people counted (managers and admins)."""
    year = fiscal_year or today.year
    data = territory_pdf(session, person, territory, year, today)
    return attachment(data, PDF, territory_filename(territory, year))

"""Typed SQLAlchemy models of every table. The Alembic migrations own the schema."""

from core.models.base import Base
from core.models.people import Role, User
from core.models.pipeline import (
    MEDDPICC_DIMENSIONS,
    OPEN_STAGES,
    READINESS_SCORES,
    STAGES,
    ConversationReadiness,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
    Stage,
)
from core.models.plans import (
    PlanActivity,
    PlanComment,
    PlanPresence,
    PlanType,
    StrategicPlan,
)
from core.models.portfolio import Client, ClientHealthHistory, ClientSupportHistory

__all__ = [
    "MEDDPICC_DIMENSIONS",
    "OPEN_STAGES",
    "READINESS_SCORES",
    "STAGES",
    "Base",
    "Client",
    "ClientHealthHistory",
    "ClientSupportHistory",
    "ConversationReadiness",
    "CseCamTarget",
    "MeddpiccScore",
    "PipelineOpportunity",
    "PlanActivity",
    "PlanComment",
    "PlanPresence",
    "PlanType",
    "Role",
    "Stage",
    "StrategicPlan",
    "User",
]

"""Typed SQLAlchemy models of every table. The Alembic migrations own the schema."""

from core.models.base import Base
from core.models.people import ROLES, Role, User
from core.models.pipeline import (
    MEDDPICC_DIMENSIONS,
    OPEN_STAGES,
    READINESS_SCORES,
    STAGES,
    ConversationReadiness,
    CseCamTarget,
    MeddpiccScore,
    PipelineOpportunity,
)
from core.models.plans import (
    PLAN_STATUSES,
    PLAN_TYPES,
    PlanActivity,
    PlanComment,
    PlanPresence,
    StrategicPlan,
)
from core.models.portfolio import Client, ClientHealthHistory, ClientSupportHistory

__all__ = [
    "MEDDPICC_DIMENSIONS",
    "OPEN_STAGES",
    "PLAN_STATUSES",
    "PLAN_TYPES",
    "READINESS_SCORES",
    "ROLES",
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
    "Role",
    "StrategicPlan",
    "User",
]

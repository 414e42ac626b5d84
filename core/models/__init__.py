"""Typed SQLAlchemy models of every table. The Alembic migrations own the schema."""

from core.models.base import Base
from core.models.meetings import (
    EvidenceKind,
    MeddpiccRole,
    Meeting,
    MeetingUtterance,
    Side,
    Stakeholder,
    StakeholderAppearance,
    StakeholderEvidence,
    StakeholderStatus,
    TranscriptChunk,
)
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
    "EvidenceKind",
    "MeddpiccRole",
    "MeddpiccScore",
    "Meeting",
    "MeetingUtterance",
    "PipelineOpportunity",
    "PlanActivity",
    "PlanComment",
    "PlanPresence",
    "PlanType",
    "Role",
    "Side",
    "Stage",
    "Stakeholder",
    "StakeholderAppearance",
    "StakeholderEvidence",
    "StakeholderStatus",
    "StrategicPlan",
    "TranscriptChunk",
    "User",
]

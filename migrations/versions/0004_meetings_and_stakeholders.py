"""Meetings, their utterances and embedded chunks; stakeholders detected from them.

``transcript_chunks.embedding`` is an unsized ``vector`` so that chunks of different embedding
models can coexist while a store is re-embedded; every chunk records its model and dimension,
and search only compares chunks of the configured model. HNSW indexes are partial, one per
dimension in use (pgvector indexes need a fixed size). Full-text search reads the generated
``tsv`` column.

Stakeholders are suggestions until a person accepts them into a plan through the plan-section
service. ``stakeholder_appearances`` holds what each meeting said about a person (one row per
meeting, so re-ingesting changes nothing); ``stakeholder_evidence`` the quotes behind each claim.
``meddpicc_role`` is NULL for our own staff: MEDDPICC describes the customer's buying group.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-20
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SIDES = "('customer', 'internal', 'third_party')"
ROLES = "('economic_buyer', 'champion', 'decision_maker', 'influencer', 'blocker')"
EVIDENCE_KINDS = "('spoke', 'mentioned', 'title', 'affiliation', 'role')"

UPGRADE = [
    """
    CREATE TABLE meetings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      title text NOT NULL,
      held_on date,
      source_name text,
      source_format text NOT NULL,
      content_hash text NOT NULL,
      attendees jsonb NOT NULL DEFAULT '[]'::jsonb,
      utterance_count integer NOT NULL,
      word_count integer NOT NULL,
      duration_s double precision,
      warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_meetings_client_content UNIQUE (client_id, content_hash)
    )
    """,
    "CREATE INDEX idx_meetings_client_date ON meetings (client_id, held_on)",
    """
    CREATE TABLE meeting_utterances (
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      speaker text NOT NULL,
      start_s double precision,
      end_s double precision,
      text text NOT NULL,
      PRIMARY KEY (meeting_id, seq)
    )
    """,
    """
    CREATE TABLE transcript_chunks (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      held_on date,
      seq integer NOT NULL,
      text text NOT NULL,
      speakers text[] NOT NULL,
      start_s double precision,
      end_s double precision,
      token_count integer NOT NULL,
      embedding_model text NOT NULL,
      embedding_dim integer NOT NULL,
      embedding vector NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
      CONSTRAINT uq_transcript_chunks_meeting_seq UNIQUE (meeting_id, seq),
      CONSTRAINT ck_transcript_chunks_dim CHECK (vector_dims(embedding) = embedding_dim)
    )
    """,
    "CREATE INDEX idx_transcript_chunks_client ON transcript_chunks (client_id, held_on)",
    "CREATE INDEX idx_transcript_chunks_tsv ON transcript_chunks USING gin (tsv)",
    "CREATE INDEX idx_transcript_chunks_speakers ON transcript_chunks USING gin (speakers)",
    """
    CREATE INDEX idx_transcript_chunks_hnsw_384 ON transcript_chunks
    USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE embedding_dim = 384
    """,
    """
    CREATE INDEX idx_transcript_chunks_hnsw_1536 ON transcript_chunks
    USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE embedding_dim = 1536
    """,
    f"""
    CREATE TABLE stakeholders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      client_id uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
      name text NOT NULL,
      name_key text NOT NULL,
      title text,
      organisation text,
      side text NOT NULL CHECK (side IN {SIDES}),
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      meddpicc_role text CHECK (meddpicc_role IN {ROLES}),
      confidence double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
      status text NOT NULL DEFAULT 'suggested'
        CHECK (status IN ('suggested', 'accepted', 'dismissed')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT uq_stakeholders_client_name UNIQUE (client_id, name_key)
    )
    """,
    f"""
    CREATE TABLE stakeholder_appearances (
      stakeholder_id uuid NOT NULL REFERENCES stakeholders(id) ON DELETE CASCADE,
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      spoke boolean NOT NULL,
      title text,
      meddpicc_role text CHECK (meddpicc_role IN {ROLES}),
      confidence double precision NOT NULL,
      talk_share double precision NOT NULL,
      sentiment double precision NOT NULL,
      PRIMARY KEY (stakeholder_id, meeting_id)
    )
    """,
    "CREATE INDEX idx_stakeholder_appearances_meeting ON stakeholder_appearances (meeting_id)",
    f"""
    CREATE TABLE stakeholder_evidence (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stakeholder_id uuid NOT NULL REFERENCES stakeholders(id) ON DELETE CASCADE,
      meeting_id uuid NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN {EVIDENCE_KINDS}),
      speaker text NOT NULL,
      start_s double precision,
      quote text NOT NULL,
      CONSTRAINT uq_stakeholder_evidence UNIQUE (stakeholder_id, meeting_id, kind, quote)
    )
    """,
    "CREATE INDEX idx_stakeholder_evidence_meeting ON stakeholder_evidence (meeting_id)",
]

DOWNGRADE = [
    "DROP TABLE stakeholder_evidence",
    "DROP TABLE stakeholder_appearances",
    "DROP TABLE stakeholders",
    "DROP TABLE transcript_chunks",
    "DROP TABLE meeting_utterances",
    "DROP TABLE meetings",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)

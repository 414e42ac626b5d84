"""Performance views read by the dashboard: per CSE, pipeline per CSE, per territory.

Coverage is open weighted pipeline divided by the weighted-ACV target still to close;
it is NULL when nothing remains to close. Health bands: healthy >= 70, at risk 50-69,
critical < 50 (the same thresholds as ``planning.calculations``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-20
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN_STAGES = "('prospect', 'qualify', 'develop', 'propose', 'negotiate')"

UPGRADE = [
    f"""
    CREATE VIEW pipeline_by_cse AS
    SELECT u.id AS user_id, u.name, u.territory, u.region,
           o.fiscal_year,
           count(o.id) AS opportunities,
           count(o.id) FILTER (WHERE o.focus_deal) AS focus_deals,
           count(o.id) FILTER (WHERE o.rats_and_mice) AS rats_and_mice,
           coalesce(sum(o.acv), 0) AS acv,
           coalesce(sum(o.tcv), 0) AS tcv,
           coalesce(sum(o.weighted_acv), 0) AS weighted_acv,
           coalesce(sum(o.weighted_acv) FILTER (WHERE o.in_target), 0) AS in_target_weighted_acv,
           round(100.0 * count(o.id) FILTER (WHERE o.burc_match) / nullif(count(o.id), 0), 1)
             AS burc_match_pct,
           round(avg(m.total_score), 1) AS avg_meddpicc_score
    FROM users u
    JOIN pipeline_opportunities o ON o.owner_id = u.id AND o.stage IN {OPEN_STAGES}
    LEFT JOIN meddpicc_scores m ON m.opportunity_id = o.id
    GROUP BY u.id, u.name, u.territory, u.region, o.fiscal_year
    """,
    """
    CREATE VIEW cse_performance_summary AS
    WITH totals AS (
      SELECT user_id, fiscal_year,
             sum(weighted_acv_target) AS weighted_acv_target,
             sum(weighted_acv_actual) AS weighted_acv_actual,
             sum(acv_net_cogs_target) AS acv_net_cogs_target,
             sum(acv_net_cogs_actual) AS acv_net_cogs_actual,
             sum(total_acv_target) AS total_acv_target,
             sum(total_acv_actual) AS total_acv_actual,
             sum(tcv_target) AS tcv_target,
             sum(tcv_actual) AS tcv_actual
      FROM cse_cam_targets GROUP BY user_id, fiscal_year
    )
    SELECT u.id AS user_id, u.name, u.role, u.territory, u.region, t.fiscal_year,
           t.weighted_acv_target, t.weighted_acv_actual,
           t.acv_net_cogs_target, t.acv_net_cogs_actual,
           t.total_acv_target, t.total_acv_actual,
           t.tcv_target, t.tcv_actual,
           coalesce(p.weighted_acv, 0) AS pipeline_weighted_acv,
           CASE WHEN t.weighted_acv_target > t.weighted_acv_actual
                THEN round(coalesce(p.weighted_acv, 0)
                           / (t.weighted_acv_target - t.weighted_acv_actual), 2)
           END AS coverage
    FROM users u
    JOIN totals t ON t.user_id = u.id
    LEFT JOIN pipeline_by_cse p ON p.user_id = u.id AND p.fiscal_year = t.fiscal_year
    """,
    f"""
    CREATE VIEW territory_performance AS
    SELECT c.region, c.territory,
           count(*) AS clients,
           sum(c.arr) AS arr,
           round(avg(c.health_score), 1) AS avg_health_score,
           round(avg(c.nps), 1) AS avg_nps,
           count(*) FILTER (WHERE c.health_score >= 70) AS healthy,
           count(*) FILTER (WHERE c.health_score >= 50 AND c.health_score < 70) AS at_risk,
           count(*) FILTER (WHERE c.health_score < 50) AS critical,
           coalesce((SELECT sum(o.weighted_acv) FROM pipeline_opportunities o
                     JOIN clients c2 ON c2.id = o.client_id
                     WHERE c2.territory = c.territory AND c2.region = c.region
                       AND o.stage IN {OPEN_STAGES}), 0) AS pipeline_weighted_acv
    FROM clients c
    GROUP BY c.region, c.territory
    """,
]

DOWNGRADE = [
    "DROP VIEW territory_performance",
    "DROP VIEW cse_performance_summary",
    "DROP VIEW pipeline_by_cse",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)

"""case evidence kept by the write path: 案例挖掘's evidence per pairing for a day and period
with its score (case_evidence_sets, case_evidence_rows) and the counter of writes that can change it
(data_version.evidence_version).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

EVIDENCE = ("done_contacts", "owed_contacts", "done_visits", "owed_visits", "needs_solved", "fast_solved",
            "solve_days", "holidays", "policies", "satisfied", "dissatisfied", "rich_notes", "score")


def upgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        batch.add_column(sa.Column("evidence_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "case_evidence_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("policy_key", sa.String(200), nullable=False),
        sa.Column("evidence_version", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
        sa.UniqueConstraint("as_of", "period_start", "policy_key", "evidence_version"),
    )
    op.create_table(
        "case_evidence_rows",
        sa.Column("set_id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), primary_key=True),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in EVIDENCE),
    )
    op.create_index("ix_case_evidence_rows_region", "case_evidence_rows", ["set_id", "village_code"])
    op.create_index("ix_case_evidence_rows_score", "case_evidence_rows", ["set_id", sa.text("score DESC"), "pairing_id"])


def downgrade() -> None:
    op.drop_index("ix_case_evidence_rows_score", table_name="case_evidence_rows")
    op.drop_index("ix_case_evidence_rows_region", table_name="case_evidence_rows")
    op.drop_table("case_evidence_rows")
    op.drop_table("case_evidence_sets")
    with op.batch_alter_table("data_version") as batch:
        batch.drop_column("evidence_version")

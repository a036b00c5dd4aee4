"""quarterly assessment, accountability chain, cadre status

季考核 frozen sheets (assessment_freezes, assessment_rows), the accountability chain after an
unanswered 督办 (accountability_steps), and a cadre's status with its date (在岗 / 调离 / 退休 / 其他).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cadres") as batch:
        batch.add_column(sa.Column("status", sa.String(4), nullable=False, server_default="在岗"))
        batch.add_column(sa.Column("status_date", sa.Date(), nullable=True))
    op.create_table(
        "assessment_freezes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=False),
        sa.Column("frozen_by", sa.String(60), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.UniqueConstraint("year", "quarter", "region_code", name="uq_assessment_freeze"),
    )
    op.create_table(
        "assessment_rows",
        sa.Column("freeze_id", sa.Integer(), sa.ForeignKey("assessment_freezes.id"), primary_key=True),
        sa.Column("level", sa.String(10), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            "contacts_done", "contacts_owed", "visits_done", "visits_owed", "needs_in_time", "needs_due",
            "satisfied", "surveys", "answered", "supervisions")),
        sa.Column("score_tenths", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(4), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("change_tenths", sa.Integer(), nullable=True),
    )
    op.create_table(
        "accountability_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cadre_id", sa.Integer(), sa.ForeignKey("cadres.id"), nullable=False),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("supervision_actions.id"), nullable=True),
        sa.Column("step", sa.String(6), nullable=False),
        sa.Column("step_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("doc_no", sa.String(60), nullable=True),
        sa.Column("recorded_by", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_accountability_steps_cadre_id", "accountability_steps", ["cadre_id"])
    op.create_index("ix_accountability_steps_action_id", "accountability_steps", ["action_id"])


def downgrade() -> None:
    op.drop_table("accountability_steps")
    op.drop_table("assessment_rows")
    op.drop_table("assessment_freezes")
    with op.batch_alter_table("cadres") as batch:
        batch.drop_column("status_date")
        batch.drop_column("status")

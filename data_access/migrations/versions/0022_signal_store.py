"""Stored evaluations of the authenticity signals (signal_store): signal_evaluations, signal_counts,
and data_version.signal_version, the counter they are valid for.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        batch.add_column(sa.Column("signal_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "signal_evaluations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_key", sa.String(300), nullable=False),
        sa.Column("signal_version", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_signal_evaluations_lookup", "signal_evaluations", ["as_of", "policy_key", "signal_version"])
    op.create_table(
        "signal_counts",
        sa.Column("evaluation_id", sa.Integer(), sa.ForeignKey("signal_evaluations.id"), primary_key=True),
        sa.Column("cadre_id", sa.Integer(), primary_key=True),
        sa.Column("township", sa.String(12), primary_key=True),
        sa.Column("signal", sa.String(10), primary_key=True),
        sa.Column("records", sa.Integer(), nullable=False),
    )
    op.create_index("ix_signal_counts_township", "signal_counts", ["evaluation_id", "township"])


def downgrade() -> None:
    op.drop_index("ix_signal_counts_township", table_name="signal_counts")
    op.drop_table("signal_counts")
    op.drop_index("ix_signal_evaluations_lookup", table_name="signal_evaluations")
    op.drop_table("signal_evaluations")
    with op.batch_alter_table("data_version") as batch:
        batch.drop_column("signal_version")

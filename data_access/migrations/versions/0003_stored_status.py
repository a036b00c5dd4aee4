"""stored evaluations of the compliance rule (status_snapshots, status_rows) and status_version

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        batch.add_column(sa.Column("status_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "status_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_key", sa.String(100), nullable=False),
        sa.Column("status_version", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("pairings", sa.Integer(), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
        sa.UniqueConstraint("as_of", "policy_key", "status_version"),
    )
    op.create_table(
        "status_rows",
        sa.Column("snapshot_id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), primary_key=True),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("owed_contacts", sa.Integer(), nullable=False),
        sa.Column("owed_visits", sa.Integer(), nullable=False),
        sa.Column("done_contacts", sa.Integer(), nullable=False),
        sa.Column("done_visits", sa.Integer(), nullable=False),
        sa.Column("last_contact", sa.Date(), nullable=True),
        sa.Column("is_behind", sa.Integer(), nullable=False),
        sa.Column("is_silent", sa.Integer(), nullable=False),
        sa.Column("first_visit_overdue", sa.Integer(), nullable=False),
    )
    op.create_index("ix_status_rows_region", "status_rows", ["snapshot_id", "village_code"])


def downgrade() -> None:
    op.drop_index("ix_status_rows_region", table_name="status_rows")
    op.drop_table("status_rows")
    op.drop_table("status_snapshots")
    with op.batch_alter_table("data_version") as batch:
        batch.drop_column("status_version")

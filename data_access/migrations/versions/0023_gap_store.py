"""items past their date kept per day by the write path: gap_items, gap_days, data_version.gap_version

Overdue needs, pairings ended without a successor, pairings awaiting a successor and unpaired
persons per stored day (data_access.gap_store), and a partial index for the stored rows whose 认门
is overdue (逾期事项).
Not back-filled: the first write, change of settings or nightly `db evaluate` stores them (until
then the pages read the records).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gap_items",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=True),
        sa.Column("sort_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("day", "kind", "item_id"),
    )
    op.create_index("ix_gap_items_place", "gap_items", ["day", "kind", "village_code"])
    op.create_index("ix_gap_items_order", "gap_items", ["day", "kind", "sort_date", "item_id"])
    op.create_table(
        "gap_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("gap_version", sa.Integer(), nullable=False),
        sa.Column("successor_gap_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.add_column("data_version", sa.Column("gap_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_status_rows_first_visit", "status_rows", ["snapshot_id", "start_date"],
                    sqlite_where=sa.text("first_visit_overdue = 1"), postgresql_where=sa.text("first_visit_overdue = 1"))


def downgrade() -> None:
    op.drop_index("ix_status_rows_first_visit", table_name="status_rows")
    with op.batch_alter_table("data_version") as batch_op:
        batch_op.drop_column("gap_version")
    op.drop_table("gap_days")
    op.drop_index("ix_gap_items_order", table_name="gap_items")
    op.drop_index("ix_gap_items_place", table_name="gap_items")
    op.drop_table("gap_items")

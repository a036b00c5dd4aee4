"""summary figures of each stored evaluation per region (status_rollups); status rows by cadre

A province summary summed the 390k stored rows of an evaluation for each figure (0.6 s alone, 4 s
with the machine busy); the write path now keeps the eleven figures per evaluation for the whole
database, each province, city and county, so a page reads one row. An import corrects them for the
cadres it touched, reading those cadres' rows through the new (snapshot_id, cadre_id) index.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FIGURES = (
    "active_pairings", "pairings_on_track", "pairings_behind", "pairings_silent", "cadres", "cadres_on_track",
    "owed_contacts", "done_contacts", "owed_visits", "done_visits", "first_visits_overdue",
)


def upgrade() -> None:
    op.create_table(
        "status_rollups",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("region_prefix", sa.String(12), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint("snapshot_id", "region_prefix"),
    )
    op.create_index("ix_status_rows_cadre", "status_rows", ["snapshot_id", "cadre_id"])


def downgrade() -> None:
    op.drop_index("ix_status_rows_cadre", table_name="status_rows")
    op.drop_table("status_rollups")

"""roll-ups per work unit of each stored evaluation per region (status_unit_rollups)

单位排名 and 达标督查's 按单位汇总 grouped the 390k stored rows of an evaluation per cadre, then per
unit, at every province view (0.7 s quiet, several seconds on a busy machine). The write path now
keeps, with each evaluation, one row per unit and region prefix (the whole database, each
province, city and county), corrected by an import for the cadres it touched.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FIGURES = ("cadres", "cadres_on_track", "cadres_behind", "cadres_silent", "pairings")


def upgrade() -> None:
    op.create_table(
        "status_unit_rollups",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("region_prefix", sa.String(12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint("snapshot_id", "region_prefix", "unit_id"),
    )
    # evaluations stored before have none: the next store or nightly run adds them
    op.add_column("status_snapshots", sa.Column("units_kept", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("status_snapshots", "units_kept")
    op.drop_table("status_unit_rollups")

"""status_rows: a partial index of the behind or silent rows by region (ix_status_rows_lagging)

达标督查's laggard list (compliance.laggard_page: worst first, 50 a page) and its per-cadre roll-up
read only the behind or silent rows of a day's stored evaluation: a seventh of them at province
scale (54k of 391k), found by this index instead of looking up every row of the region (province
list 0.25 -> 0.10 s CPU on SQLite).

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

LAGGING = "is_behind = 1 OR is_silent = 1"


def upgrade() -> None:
    op.create_index("ix_status_rows_lagging", "status_rows", ["snapshot_id", "village_code"],
                    sqlite_where=sa.text(LAGGING), postgresql_where=sa.text(LAGGING))


def downgrade() -> None:
    op.drop_index("ix_status_rows_lagging", table_name="status_rows")

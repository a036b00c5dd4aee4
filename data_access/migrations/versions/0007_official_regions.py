"""official province / city / county codes (GB/T 2260) as reference data

The table `official_regions` and its 3,217 rows from data_access/reference/gbt2260.csv (source
and date in data_access/reference/README.md).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from data_access import official_regions

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "official_regions",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(6), nullable=True),
    )
    official_regions.load(op.get_bind())


def downgrade() -> None:
    op.drop_table("official_regions")

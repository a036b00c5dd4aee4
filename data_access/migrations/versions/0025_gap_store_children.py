"""gap_store keeps a fifth kind, the children not paired with a leading cadre (覆盖情况)

The kept days hold no row of the new kind, so they are dropped: the next write, change of settings
or nightly `db evaluate` stores them again with it (until then the pages read the records).

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM gap_items")
    op.execute("DELETE FROM gap_days")


def downgrade() -> None:
    op.execute("DELETE FROM gap_items")
    op.execute("DELETE FROM gap_days")

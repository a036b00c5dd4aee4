"""per-county daily counts kept by the write path: contact_days, coverage_changes

Contacts, visits and gifts per county and day, and the register's and pairing coverage's changes
per county, group and day (data_access.daily_counts): the month-end coverage of a year and the
year's activity at province scale become sums over a few thousand rows. Created and back-filled
here from the records by the same SQL the write path uses to keep them.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from data_access import daily_counts

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_days",
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("contacts", sa.BigInteger(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("gifts_yuan", sa.Numeric(16, 2), nullable=False),
        sa.PrimaryKeyConstraint("county_code", "day"),
    )
    op.create_table(
        "coverage_changes",
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("group_name", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("persons", sa.BigInteger(), nullable=False),
        sa.Column("paired", sa.BigInteger(), nullable=False),
        sa.Column("households", sa.BigInteger(), nullable=False),
        sa.Column("pairings", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("county_code", "group_name", "day"),
    )
    op.add_column("data_version", sa.Column("daily_counts_version", sa.Integer(), nullable=True))
    # Back-filled from the records; whole from now on when the database holds any (an empty one is
    # read from its records until its first full rebuild: the demo build or `db evaluate`).
    daily_counts.rebuild(op.get_bind(), only_if_data=True, festivals=False)  # festival_reach: 0021


def downgrade() -> None:
    with op.batch_alter_table("data_version") as batch_op:
        batch_op.drop_column("daily_counts_version")
    op.drop_table("coverage_changes")
    op.drop_table("contact_days")

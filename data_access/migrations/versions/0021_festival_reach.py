"""festival_reach: contacts on each traditional festival and the pairings they reached, per county,
kept by the write path with contact_days (daily_counts); filled here for every festival of the
calendar (a festival with no kept rows is read from the records).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from data_access import daily_counts

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "festival_reach",
        sa.Column("county_code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("first_day", sa.Date(), primary_key=True),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("contacts", sa.BigInteger(), nullable=False),
        sa.Column("reached", sa.BigInteger(), nullable=False),
    )
    daily_counts.refresh_festivals(op.get_bind(), None)


def downgrade() -> None:
    op.drop_table("festival_reach")

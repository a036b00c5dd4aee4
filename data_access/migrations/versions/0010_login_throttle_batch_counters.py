"""login throttle per name typed; batch number counters

Failed log-ins are counted atomically per name typed (existing or not), keyed on an HMAC of the
name, so parallel guesses cannot pass the lock-out and a lock does not reveal that a name exists.

提醒/督办 batch numbers come from a counter row per prefix taken atomically (count + 1 collided
when two inspectors issued at once).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("name_key", sa.String(64), primary_key=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "batch_counters",
        sa.Column("prefix", sa.String(30), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_counters")
    op.drop_table("login_throttle")

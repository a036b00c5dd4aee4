"""login throttle per name typed

Failed log-ins are counted atomically per name typed (existing or not), keyed on an HMAC of the
name, so parallel guesses cannot pass the lock-out and a lock does not reveal that a name exists.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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


def downgrade() -> None:
    op.drop_table("login_throttle")

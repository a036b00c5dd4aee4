"""the two dates each reminder/督办's outcome follows from (action_responses), kept by the write path

提醒督办's counts per outcome and per unit, and 逾期事项's unanswered ones, probed every action's
contacts (350k actions in the province demo) for each figure: 2-6 s per page cold. The outcome on a
day D follows from two dates per action (the first in-time answer, the first contact since issue);
the write path keeps them (an import for the pairings it touched, issue/withdraw for their actions),
so a count is one scan of this table.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_responses",
        sa.Column("action_id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("issued_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("first_response", sa.Date(), nullable=True),
    )
    op.create_index("ix_action_responses_village", "action_responses", ["village_code"])
    op.create_index("ix_action_responses_pairing_id", "action_responses", ["pairing_id"])
    op.create_index("ix_action_responses_cadre_id", "action_responses", ["cadre_id"])
    op.create_table(
        "action_store_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status_version", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("action_store_state")
    op.drop_table("action_responses")

"""drop the setting return_visit_window_days

回访不符 has one definition, RULES.md's (a 实地走访 recorded in the three months ending on the
回访日期, `signals.disagrees`); the 90-day window of 满意度回访 is gone, so a stored override of it
would mean nothing and is removed (its change history stays in the audit log).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM policy_settings WHERE key = 'return_visit_window_days'")


def downgrade() -> None:
    pass  # the setting's default (90 days) applies again; the removed override is not restored

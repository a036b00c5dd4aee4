"""satisfaction: the date index also holds the answers (ix_satisfaction_answers replaces
ix_satisfaction_date, whose columns it starts with)

工作总览 and 月通报 count a period's 回访 by 满意度 and 干部是否上门 (satisfaction.rate, and the
probe of 回访不符 for each 否 by household and cadre): from this index alone, not the table's row of
each 回访 (province quarter: 116k 回访, 0.16 -> 0.02 s CPU for the counts).

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

COLUMNS = ["survey_date", "household_id", "cadre_came", "level", "cadre_id"]


def upgrade() -> None:
    op.create_index("ix_satisfaction_answers", "satisfaction", COLUMNS)
    op.drop_index("ix_satisfaction_date", table_name="satisfaction")


def downgrade() -> None:
    op.create_index("ix_satisfaction_date", "satisfaction", ["survey_date", "household_id"])
    op.drop_index("ix_satisfaction_answers", table_name="satisfaction")

"""case publications: where and when a published case appeared

案例展示 records each appearance of a published case: channel (县融媒体, 微信公众号, 报纸, 电视, 其他),
date, link (http/https, optional for print and television), a note, who recorded it and when.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("typical_cases.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("recorded_by", sa.String(60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_publications_case_id", "case_publications", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_publications_case_id", table_name="case_publications")
    op.drop_table("case_publications")

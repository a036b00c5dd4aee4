"""stored 季考核 inputs per quarter (assessment_input_sets, assessment_inputs)

At province scale the 季考核 page counted the quarter's inputs (and the previous quarter's, and each
cadre's for the 表扬名单) from 390k pairings, their needs, 回访 and 督办 at every view (tens of
seconds). A quarter's inputs of the whole database are now stored per unit, township and cadre and
per county, valid while the data version and settings are unchanged; a province or city view sums
the rows of its counties.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INPUTS = ("contacts_done", "contacts_owed", "visits_done", "visits_owed", "needs_in_time", "needs_due",
          "satisfied", "surveys", "answered", "supervisions")


def upgrade() -> None:
    op.create_table(
        "assessment_input_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("policy_key", sa.String(200), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("build_ms", sa.Integer(), nullable=False),
    )
    op.create_table(
        "assessment_inputs",
        sa.Column("set_id", sa.Integer(), sa.ForeignKey("assessment_input_sets.id"), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("county", sa.String(6), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in INPUTS),
        sa.PrimaryKeyConstraint("set_id", "level", "key", "county"),
    )


def downgrade() -> None:
    op.drop_table("assessment_inputs")
    op.drop_table("assessment_input_sets")

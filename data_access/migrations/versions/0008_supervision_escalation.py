"""answered in kind, escalation instead of a second pending action, return-visit tasks

`supervision_actions.required_method`: the kind of contact that answers an action (RULES.md: a visit
when visits were short, any contact otherwise); existing actions get it from their stored reason.
`supervision_escalations`: an action escalated by a later issue (提醒 → 督办, deadline renewed) keeps
what it was, so the escalating batch can be withdrawn. `return_visit_tasks`: the 回访核实 lists.

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
    with op.batch_alter_table("supervision_actions") as batch:
        batch.add_column(sa.Column("required_method", sa.String(10), nullable=True))
    op.execute(
        "UPDATE supervision_actions SET required_method = '实地走访' "
        "WHERE reason LIKE '%实地走访%' OR reason LIKE '%未认门%'"
    )
    op.create_table(
        "supervision_escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("supervision_actions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("batch_no", sa.String(40), nullable=False),
        sa.Column("escalated_date", sa.Date(), nullable=False),
        sa.Column("from_kind", sa.String(4), nullable=False),
        sa.Column("from_deadline", sa.Date(), nullable=False),
        sa.Column("from_batch_no", sa.String(40), nullable=True),
        sa.Column("from_reason", sa.Text(), nullable=True),
        sa.Column("from_required_method", sa.String(10), nullable=True),
        sa.Column("escalated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_supervision_escalations_action_id", "supervision_escalations", ["action_id"])
    op.create_index("ix_supervision_escalations_batch_no", "supervision_escalations", ["batch_no"])
    op.create_table(
        "return_visit_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_no", sa.String(40), nullable=False),
        sa.Column("inspector", sa.String(60), nullable=False),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("households.id"), nullable=False),
        sa.Column("pairing_id", sa.Integer(), sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("cadre_id", sa.Integer(), sa.ForeignKey("cadres.id"), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("assigned_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(4), nullable=False),
        sa.Column("satisfaction_id", sa.Integer(), sa.ForeignKey("satisfaction.id"), nullable=True),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    for column in ("list_no", "inspector", "household_id", "cadre_id"):
        op.create_index(f"ix_return_visit_tasks_{column}", "return_visit_tasks", [column])


def downgrade() -> None:
    for column in ("list_no", "inspector", "household_id", "cadre_id"):
        op.drop_index(f"ix_return_visit_tasks_{column}", table_name="return_visit_tasks")
    op.drop_table("return_visit_tasks")
    op.drop_index("ix_supervision_escalations_batch_no", table_name="supervision_escalations")
    op.drop_index("ix_supervision_escalations_action_id", table_name="supervision_escalations")
    op.drop_table("supervision_escalations")
    with op.batch_alter_table("supervision_actions") as batch:
        batch.drop_column("required_method")

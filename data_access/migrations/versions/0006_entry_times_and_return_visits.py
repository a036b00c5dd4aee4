"""entry times of contacts, 满意度回访 fields, 政策落实 status, contact corrections, data freshness

- contacts: entered_at (录入时间, NOT NULL), entry_source, entered_by, corrected_at. Rows stored
  before this revision get the time of the first stored import run on or after their contact date
  (the earliest moment they can have been imported), else their contact date at 00:00; their
  entry_source is 补填 so authenticity checks can tell a backfilled time from a real one.
- satisfaction: 回访编号 (code, unique), cadre_id (backfilled from the pairing), 回访方式, 回访人,
  干部是否上门, entered_at (backfilled: the survey date at 00:00, 补填), entry_source, entered_by.
- policy_deliveries: status 已落实 / 未落实 / 不适用 (backfilled from delivered).
- contact_corrections: a changed 日期 / 方式 of a stored contact, kept with its own time.
- data_freshness: when each township's data last came in (backfilled from the contacts' entry times).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STORED_OUTCOMES = "('成功', '部分导入')"


def _midnight(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST({column} AS timestamp)"
    return f"({column} || ' 00:00:00.000000')"


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("entry_source", sa.String(10), nullable=False, server_default="补填"))
        batch.add_column(sa.Column("entered_by", sa.String(60), nullable=True))
        batch.add_column(sa.Column("corrected_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE contacts SET entered_at = COALESCE("
        f"(SELECT MIN(r.at) FROM import_runs r WHERE r.outcome IN {STORED_OUTCOMES} AND r.at >= contacts.contact_date), "
        f"{_midnight('contacts.contact_date')})"
    )
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column("entered_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("entry_source", existing_type=sa.String(10), server_default=None)

    with op.batch_alter_table("satisfaction") as batch:
        batch.add_column(sa.Column("code", sa.String(60), nullable=True))
        batch.add_column(sa.Column("cadre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("method", sa.String(4), nullable=True))
        batch.add_column(sa.Column("visitor", sa.String(60), nullable=True))
        batch.add_column(sa.Column("cadre_came", sa.String(4), nullable=True))
        batch.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("entry_source", sa.String(10), nullable=False, server_default="补填"))
        batch.add_column(sa.Column("entered_by", sa.String(60), nullable=True))
    op.execute(
        "UPDATE satisfaction SET cadre_id = (SELECT p.cadre_id FROM pairings p WHERE p.id = satisfaction.pairing_id), "
        f"entered_at = {_midnight('satisfaction.survey_date')}"
    )
    with op.batch_alter_table("satisfaction") as batch:
        batch.alter_column("entered_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("entry_source", existing_type=sa.String(10), server_default=None)
        batch.create_unique_constraint("uq_satisfaction_code", ["code"])
        batch.create_foreign_key("fk_satisfaction_cadre_id_cadres", "cadres", ["cadre_id"], ["id"])
        batch.create_index("ix_satisfaction_cadre_id", ["cadre_id"])
        batch.create_index("ix_satisfaction_date", ["survey_date", "household_id"])

    with op.batch_alter_table("policy_deliveries") as batch:
        batch.add_column(sa.Column("status", sa.String(4), nullable=False, server_default="未落实"))
    op.execute("UPDATE policy_deliveries SET status = '已落实' WHERE delivered")
    with op.batch_alter_table("policy_deliveries") as batch:
        batch.alter_column("status", existing_type=sa.String(4), server_default=None)

    op.create_table(
        "contact_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(60), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("old_date", sa.Date(), nullable=False),
        sa.Column("old_method", sa.String(10), nullable=False),
        sa.Column("new_date", sa.Date(), nullable=False),
        sa.Column("new_method", sa.String(10), nullable=False),
    )
    op.create_index("ix_contact_corrections_contact_id", "contact_corrections", ["contact_id"])

    op.create_table(
        "data_freshness",
        sa.Column("township_code", sa.String(9), primary_key=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
    )
    op.execute(
        "INSERT INTO data_freshness (township_code, changed_at, source) "
        "SELECT substr(h.village_code, 1, 9), MAX(c.entered_at), '补填' FROM contacts c "
        "JOIN pairings p ON p.id = c.pairing_id JOIN households h ON h.id = p.household_id "
        "GROUP BY substr(h.village_code, 1, 9)"
    )


def downgrade() -> None:
    op.drop_table("data_freshness")
    op.drop_index("ix_contact_corrections_contact_id", table_name="contact_corrections")
    op.drop_table("contact_corrections")
    with op.batch_alter_table("policy_deliveries") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("satisfaction") as batch:
        batch.drop_index("ix_satisfaction_date")
        batch.drop_index("ix_satisfaction_cadre_id")
        batch.drop_constraint("fk_satisfaction_cadre_id_cadres", type_="foreignkey")
        batch.drop_constraint("uq_satisfaction_code", type_="unique")
        for column in ("entered_by", "entry_source", "entered_at", "cadre_came", "visitor", "method", "cadre_id", "code"):
            batch.drop_column(column)
    with op.batch_alter_table("contacts") as batch:
        for column in ("corrected_at", "entered_by", "entry_source", "entered_at"):
            batch.drop_column(column)

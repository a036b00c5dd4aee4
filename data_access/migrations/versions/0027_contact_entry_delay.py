"""contacts.entry_delay_days: a contact's entry day minus its date in whole days
(entry_times.entry_delay_of), a column the database generates from the row itself — VIRTUAL on
SQLite, STORED on PostgreSQL — so every write of a contact keeps it, and an index on it, so 补录,
集中补录 and 临检突击 range over the delays instead of reading the year's contacts. The existing
rows get it here (the index build computes it on SQLite; the column's addition on PostgreSQL).

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

from data_access.entry_times import entry_delay_of

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

INDEX = "ix_contacts_entry_delay"


def upgrade() -> None:
    delay = entry_delay_of(sa.column("contact_date"), sa.column("entered_at"), sa.column("entry_source"))
    postgres = op.get_bind().dialect.name == "postgresql"
    # A plain ALTER TABLE … ADD COLUMN on both backends: SQLite adds only VIRTUAL generated columns
    # so (a batch table copy could not write into it); PostgreSQL indexes only STORED ones.
    op.add_column("contacts", sa.Column("entry_delay_days", sa.Integer(),
                                        sa.Computed(delay, persisted=True if postgres else None), nullable=True))
    op.create_index(INDEX, "contacts", ["entry_delay_days", "contact_date", "pairing_id"])
    bind = op.get_bind()
    if postgres:
        op.execute("ANALYZE contacts")
    elif bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        # an analysed database (the demo's): the planner's figures for the new index, the others' stand
        op.execute(f"ANALYZE {INDEX}")


def downgrade() -> None:
    op.drop_index(INDEX, table_name="contacts")
    op.execute("ALTER TABLE contacts DROP COLUMN entry_delay_days")

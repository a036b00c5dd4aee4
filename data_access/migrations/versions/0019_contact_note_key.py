"""contacts.note_key: the note without spaces and punctuation (notes.key), stored with the note so
雷同记录 groups an index instead of normalising every note of the year on each read; filled here
for the stored contacts, then by every write of a contact.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

from data_access import notes
from data_access.notes import note_text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("note_key", sa.Text(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # on a connection not made by db.py (alembic's own, a test's)
        notes.register_sqlite(bind.connection.driver_connection)
    contacts = sa.table("contacts", sa.column("content", sa.Text()), sa.column("note_key", sa.Text()))
    # note_text is notes.normalize on both backends (a registered function on SQLite)
    op.execute(
        contacts.update()
        .where(contacts.c.content.is_not(None))
        .values(note_key=sa.func.nullif(note_text(contacts.c.content), ""))
    )
    op.create_index("ix_contacts_note_key", "contacts", ["note_key", "contact_date", "pairing_id"])


def downgrade() -> None:
    op.drop_index("ix_contacts_note_key", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("note_key")

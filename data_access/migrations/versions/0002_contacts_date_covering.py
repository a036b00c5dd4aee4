"""contacts: a covering index for date-range figures

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contacts_date", table_name="contacts")
    op.create_index("ix_contacts_date_covering", "contacts", ["contact_date", "pairing_id", "method", "gift_yuan"])


def downgrade() -> None:
    op.drop_index("ix_contacts_date_covering", table_name="contacts")
    op.create_index("ix_contacts_date", "contacts", ["contact_date"])

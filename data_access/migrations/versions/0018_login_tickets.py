"""login tickets: a one-time, short-lived ticket the login page hands the browser, exchanged by a
server route for the HttpOnly session cookie (scripts in the page never see the cookie). The row
holds the ticket's hash and the session token sealed with a key only the ticket gives.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_tickets",
        sa.Column("ticket_hash", sa.String(64), primary_key=True),
        sa.Column("sealed_token", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_tickets")

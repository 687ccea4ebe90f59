"""bid traces: the certificate and the client address each bid was sent with

With the passkey credential (0005), what the signals of lent certificates compare
(`nara.domain.signals`). Existing bids keep NULL: they were sent before the records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bid", sa.Column("certificate_fingerprint", sa.String(length=64), nullable=True))
    op.add_column("bid", sa.Column("certificate_serial", sa.String(length=64), nullable=True))
    op.add_column("bid", sa.Column("client_address", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("bid", "client_address")
    op.drop_column("bid", "certificate_serial")
    op.drop_column("bid", "certificate_fingerprint")

"""tender urgent flag, client key (Idempotency-Key of the create request) and report indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Urgent announcements have a shorter notice period; extensions are checked by the same rule.
    op.add_column(
        "tender",
        sa.Column("urgent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("tender", sa.Column("client_key", sa.String(length=80), nullable=True))
    op.add_column("tender", sa.Column("request_hash", sa.String(length=64), nullable=True))
    # NULL keys never collide: creates without an Idempotency-Key are not constrained.
    op.create_unique_constraint("uq_tender_client_key", "tender", ["officer_id", "client_key"])
    op.create_index("ix_tender_announced_at", "tender", ["announced_at"])
    op.create_index("ix_opening_result_opened_at", "opening_result", ["opened_at"])
    op.create_index("ix_award_awarded_at", "award", ["awarded_at"])
    op.create_index("ix_payment_paid_at", "payment", ["paid_at"])


def downgrade() -> None:
    op.drop_index("ix_payment_paid_at", table_name="payment")
    op.drop_index("ix_award_awarded_at", table_name="award")
    op.drop_index("ix_opening_result_opened_at", table_name="opening_result")
    op.drop_index("ix_tender_announced_at", table_name="tender")
    op.drop_constraint("uq_tender_client_key", "tender", type_="unique")
    op.drop_column("tender", "request_hash")
    op.drop_column("tender", "client_key")
    op.drop_column("tender", "urgent")

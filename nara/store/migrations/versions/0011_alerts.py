"""personalised alerts: businesses' licences, subscriptions, the notification outbox

The registry kept no licences before; a business has none until an operator registers
them (PUT /businesses/{business_no}/licences).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 00:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_NOW = sa.text("now()")
_EMPTY = sa.text("'{}'")


def upgrade() -> None:
    op.create_table(
        "business_licence",
        sa.Column(
            "business_no", sa.String(12), sa.ForeignKey("business.business_no"), primary_key=True
        ),
        sa.Column("licence", sa.String(40), primary_key=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
    )
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "business_no", sa.String(12), sa.ForeignKey("business.business_no"), nullable=False
        ),
        sa.Column("created_by", sa.String(40), sa.ForeignKey("person.id"), nullable=False),
        sa.Column(
            "keywords", postgresql.ARRAY(sa.String(40)), server_default=_EMPTY, nullable=False
        ),
        sa.Column(
            "categories", postgresql.ARRAY(sa.String(16)), server_default=_EMPTY, nullable=False
        ),
        sa.Column(
            "regions", postgresql.ARRAY(sa.String(40)), server_default=_EMPTY, nullable=False
        ),
        sa.Column("min_amount", sa.BigInteger, nullable=True),
        sa.Column("max_amount", sa.BigInteger, nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
    )
    op.create_index("ix_alert_subscription_business_no", "alert_subscription", ["business_no"])
    op.create_index(
        "ix_alert_subscription_keywords",
        "alert_subscription",
        ["keywords"],
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )
    op.create_index(
        "ix_alert_subscription_any_keyword",
        "alert_subscription",
        ["id"],
        postgresql_where=sa.text("cardinality(keywords) = 0"),
    )
    op.create_table(
        "alert_notification",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("tender_id", postgresql.UUID, sa.ForeignKey("tender.id"), nullable=False),
        sa.Column(
            "business_no", sa.String(12), sa.ForeignKey("business.business_no"), nullable=False
        ),
        sa.Column("subscription_id", sa.BigInteger, nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tender_id", "business_no", name="uq_alert_notification_tender"),
    )
    op.create_index(
        "ix_alert_notification_feed",
        "alert_notification",
        ["business_no", sa.text("id DESC")],
    )
    op.create_index(
        "ix_alert_notification_due",
        "alert_notification",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("alert_notification")
    op.drop_table("alert_subscription")
    op.drop_table("business_licence")

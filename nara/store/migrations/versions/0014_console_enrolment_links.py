"""console enrolment links: single-use, short-lived, kept by their SHA-256 only

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 01:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_enrolment_link",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("token_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.Column("used_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["certificate_fingerprint"], ["person_certificate.fingerprint"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_console_enrolment_link_person_id", "console_enrolment_link", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_console_enrolment_link_person_id", table_name="console_enrolment_link")
    op.drop_table("console_enrolment_link")

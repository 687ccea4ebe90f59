"""identity: enrolled certificates, login challenges and sessions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_certificate",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=400), nullable=False),
        sa.Column("spki_sha256", sa.String(length=64), nullable=False),
        sa.Column("business_no", sa.String(length=12), nullable=True),
        sa.Column("not_before", _tz(), nullable=False),
        sa.Column("not_after", _tz(), nullable=False),
        sa.Column("enrolled_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_login_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("fingerprint"),
    )
    op.create_index("ix_person_certificate_person_id", "person_certificate", ["person_id"])
    op.create_index("ix_person_certificate_spki_sha256", "person_certificate", ["spki_sha256"])

    # No foreign key to person: a challenge is issued for any id, so that asking for one
    # never tells an outsider which people exist.
    op.create_table(
        "login_challenge",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.Column("used_at", _tz(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_challenge_expires_at", "login_challenge", ["expires_at"])

    op.create_table(
        "auth_session",
        sa.Column("id", postgresql.UUID(), nullable=False),
        sa.Column("token_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("certificate_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate_serial", sa.String(length=64), nullable=False),
        sa.Column("business_no", sa.String(length=12), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("created_at", _tz(), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.Column("last_seen_at", _tz(), nullable=False),
        sa.Column("ended_at", _tz(), nullable=True),
        sa.Column("end_reason", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["certificate_fingerprint"], ["person_certificate.fingerprint"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_auth_session_person_id", "auth_session", ["person_id"])


def downgrade() -> None:
    op.drop_table("auth_session")
    op.drop_table("login_challenge")
    op.drop_table("person_certificate")

"""The tables of certificate login: enrolled certificates, login challenges, sessions.

Apart from `tables.py` so that identity can grow (passkeys, credentials per bid) without
pushing that module past its size; they share its `Base` and metadata.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from nara.store.tables import Base, _now


class PersonCertificate(Base):
    """A certificate a person logged in with: enrolled for that person and nobody else."""

    __tablename__ = "person_certificate"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 of the certificate's DER, lower-case hex."""
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    serial: Mapped[str] = mapped_column(String(64))
    """The CA's serial number, lower-case hex (what its CRL lists)."""
    issuer: Mapped[str] = mapped_column(String(400))
    spki_sha256: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the certified public key: one key belongs to one person, across renewals."""
    business_no: Mapped[str | None] = mapped_column(String(12))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    enrolled_at: Mapped[datetime] = _now()
    last_login_at: Mapped[datetime | None]


class LoginChallenge(Base):
    """A single-use nonce to sign; issued for any person id (it never says who exists)."""

    __tablename__ = "login_challenge"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class AuthSession(Base):
    """A logged-in session; the token itself is never stored, only its SHA-256."""

    __tablename__ = "auth_session"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    token_sha256: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    certificate_fingerprint: Mapped[str] = mapped_column(
        ForeignKey("person_certificate.fingerprint")
    )
    certificate_serial: Mapped[str] = mapped_column(String(64))
    business_no: Mapped[str | None] = mapped_column(String(12))
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(16), server_default="certificate")
    """How the session was opened: "certificate" (login by challenge) or "passkey"."""
    passkey_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    """The passkey a passkey login used (removing the passkey ends the session)."""

"""What the identity use cases take and return (never HTTP schemas or table rows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from nara.domain.enums import Role
from nara.services.base import ServiceModel
from nara.services.registry import PersonView


@dataclass(frozen=True)
class SessionPolicy:
    """How long challenges and sessions live (LOGIN_CHALLENGE_TTL_S, SESSION_TTL_S,
    SESSION_IDLE_S)."""

    challenge_ttl: timedelta = timedelta(seconds=60)
    session_ttl: timedelta = timedelta(hours=8)
    idle_timeout: timedelta = timedelta(minutes=30)

    @property
    def touch_after(self) -> timedelta:
        """A session's last-seen time is written at most this often: a request is one read,
        and the idle timeout is exact to within this (a minute, or a quarter of it)."""
        return min(timedelta(seconds=60), self.idle_timeout / 4)


class Challenge(ServiceModel):
    """A single-use login challenge: sign `login_message(nonce)` before `expires_at`."""

    challenge_id: uuid.UUID
    nonce: bytes
    expires_at: datetime


class LoginResult(ServiceModel):
    """A new session. `token` is shown here once; the server keeps only its hash."""

    token: str
    session_id: uuid.UUID
    expires_at: datetime
    idle_timeout_s: int
    person: PersonView
    certificate_enrolled: bool
    """True when this login enrolled the certificate for the person (its first use)."""


class SessionView(ServiceModel):
    """What a session says about its person (`GET /auth/whoami`)."""

    session_id: uuid.UUID
    person_id: str
    name: str
    role: Role
    agency_code: str | None
    certificate_serial: str
    certificate_fingerprint: str
    business_no: str | None
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    idle_timeout_s: int
    client_address: str | None

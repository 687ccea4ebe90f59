"""Login by challenge and sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from nara.api.schemas.base import ApiModel, Code, PersonId, ReadModel, Text
from nara.api.schemas.registry import PersonRead
from nara.domain.enums import Role

CertificatePem = Annotated[str, Text(20_000, lines=True)]
"""A PEM certificate (intermediates may follow it); what is inside is the login's to check."""
Signature = Annotated[
    str,
    Code(
        r"[A-Za-z0-9+/]{4,400}={0,2}",
        what="a base64 signature",
        accepted="base64 (standard alphabet) of a DER ECDSA signature, 4 to 400 characters",
    ),
]


class ChallengeCreate(ApiModel):
    person_id: PersonId = Field(description="who is logging in")


class ChallengeRead(ReadModel):
    challenge_id: uuid.UUID
    nonce: str = Field(
        description="32 random bytes, base64: sign b'nara-login\\0' + the decoded bytes"
    )
    expires_at: datetime


class LoginCreate(ApiModel):
    challenge_id: uuid.UUID
    certificate: CertificatePem = Field(
        description="the person's certificate, PEM (intermediates may follow it)"
    )
    signature: Signature = Field(
        description="base64 of the DER ECDSA-SHA256 signature over b'nara-login\\0' + nonce, "
        "made with the certificate's key"
    )


class LoginRead(ReadModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown only here")
    token_type: str = "Bearer"
    session_id: uuid.UUID
    expires_at: datetime
    idle_timeout_s: int = Field(description="the session ends after this long without requests")
    person: PersonRead
    role: Role
    certificate_enrolled: bool = Field(
        description="true when this login enrolled the certificate for the person"
    )


class WhoAmIRead(ReadModel):
    session_id: uuid.UUID
    person_id: str
    name: str
    role: Role
    agency_code: str | None
    certificate_serial: str
    certificate_fingerprint: str = Field(description="SHA-256 of the certificate's DER, hex")
    business_no: str | None = Field(description="the business the certificate is bound to")
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    idle_timeout_s: int
    client_address: str | None = Field(description="the address the session was opened from")

"""What the passkey use cases take and return (never HTTP schemas or table rows).

Credentials are WebAuthn's JSON (`PublicKeyCredential.toJSON()`): bytes as base64url
strings, held here with snake_case names; `as_webauthn()` gives the JSON again for the
`webauthn` library.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nara.services.base import ServiceModel


@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are made for and where they are used (WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME,
    WEBAUTHN_ORIGIN), and how long a challenge lives (PASSKEY_CHALLENGE_TTL_S)."""

    rp_id: str
    rp_name: str
    origin: str
    challenge_ttl: timedelta = timedelta(seconds=120)


class AttestationResponse(ServiceModel):
    client_data_json: str
    attestation_object: str
    transports: list[str] | None = None


class RegistrationCredential(ServiceModel):
    """The answer of `navigator.credentials.create()` (attestation "none" is enough)."""

    id: str
    raw_id: str
    type: str = "public-key"
    response: AttestationResponse

    @classmethod
    def from_webauthn(cls, credential: dict[str, Any]) -> RegistrationCredential:
        """From WebAuthn's JSON (what a browser's or the software authenticator's
        `create` gives), for in-process callers."""
        response = credential["response"]
        return cls(
            id=credential["id"],
            raw_id=credential["rawId"],
            type=credential.get("type", "public-key"),
            response=AttestationResponse(
                client_data_json=response["clientDataJSON"],
                attestation_object=response["attestationObject"],
                transports=response.get("transports"),
            ),
        )

    def as_webauthn(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rawId": self.raw_id,
            "type": self.type,
            "response": {
                "clientDataJSON": self.response.client_data_json,
                "attestationObject": self.response.attestation_object,
                "transports": self.response.transports or [],
            },
            "clientExtensionResults": {},
        }


class AssertionResponse(ServiceModel):
    client_data_json: str
    authenticator_data: str
    signature: str
    user_handle: str | None = None


class PasskeyAssertion(ServiceModel):
    """The answer of `navigator.credentials.get()`: what a bid or a passkey login carries."""

    id: str
    raw_id: str
    type: str = "public-key"
    response: AssertionResponse

    @classmethod
    def from_webauthn(cls, credential: dict[str, Any]) -> PasskeyAssertion:
        """From WebAuthn's JSON (what `get` gives), for in-process callers."""
        response = credential["response"]
        return cls(
            id=credential["id"],
            raw_id=credential["rawId"],
            type=credential.get("type", "public-key"),
            response=AssertionResponse(
                client_data_json=response["clientDataJSON"],
                authenticator_data=response["authenticatorData"],
                signature=response["signature"],
                user_handle=response.get("userHandle"),
            ),
        )

    def as_webauthn(self) -> dict[str, Any]:
        response = {
            "clientDataJSON": self.response.client_data_json,
            "authenticatorData": self.response.authenticator_data,
            "signature": self.response.signature,
        }
        if self.response.user_handle:
            response["userHandle"] = self.response.user_handle
        return {
            "id": self.id,
            "rawId": self.raw_id,
            "type": self.type,
            "response": response,
            "clientExtensionResults": {},
        }


class CeremonyOptions(ServiceModel):
    """A single-use challenge and the options to pass to `navigator.credentials.create()`
    (registration) or `.get()` (login), as WebAuthn's JSON; answer with `challenge_id`."""

    challenge_id: uuid.UUID
    expires_at: datetime
    public_key: dict[str, Any]


class PasskeyView(ServiceModel):
    """One of the person's passkeys (never its key)."""

    id: uuid.UUID
    credential_id: str
    name: str
    aaguid: str
    sign_count: int
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Confirmation:
    """A verified assertion, not yet recorded: `record_use` moves the counter (once)."""

    passkey_id: uuid.UUID
    credential_id: str
    person_id: str
    sign_count: int
    certificate_fingerprint: str | None

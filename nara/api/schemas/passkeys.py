"""Passkeys: WebAuthn's own JSON in and out (`PublicKeyCredential.toJSON()`, the options of
`navigator.credentials.create()` and `.get()`), bytes as base64url strings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from nara.api.schemas.base import ApiModel, Checked, Code, ReadModel, Text, Whole
from nara.services.passkeys import models


def _base64url(max_length: int) -> Checked:
    return Code(
        rf"[A-Za-z0-9_-]{{1,{max_length}}}={{0,2}}",
        what="base64url",
        accepted=f"base64url (A-Z, a-z, 0-9, - and _), 1 to {max_length:,} characters",
    )


B64 = Annotated[str, _base64url(2_000)]
"""Base64url (WebAuthn's encoding of bytes in JSON): ids, client data, a signature."""
B64Large = Annotated[str, _base64url(20_000)]
"""Base64url of an attestation object (a certificate chain may ride in it)."""
Word = Annotated[str, Text(32)]


class _Credential(ApiModel):
    id: B64 = Field(description="the credential id, base64url")
    raw_id: B64 = Field(alias="rawId", description="the same id (WebAuthn sends both)")
    type: Literal["public-key"] = "public-key"
    client_extension_results: dict[str, Any] = Field(
        default_factory=dict,
        alias="clientExtensionResults",
        max_length=16,
        description="ignored and never stored (no extension is asked for)",
    )
    authenticator_attachment: Word | None = Field(None, alias="authenticatorAttachment")


class AssertionResponseBody(ApiModel):
    client_data_json: B64 = Field(alias="clientDataJSON")
    authenticator_data: B64 = Field(alias="authenticatorData")
    signature: B64
    user_handle: B64 | None = Field(None, alias="userHandle")


class PasskeyAssertionBody(_Credential):
    """What `navigator.credentials.get()` answered (`PublicKeyCredential.toJSON()`)."""

    response: AssertionResponseBody

    def to_service(self) -> models.PasskeyAssertion:
        r = self.response
        return models.PasskeyAssertion(
            id=self.id,
            raw_id=self.raw_id,
            type=self.type,
            response=models.AssertionResponse(
                client_data_json=r.client_data_json,
                authenticator_data=r.authenticator_data,
                signature=r.signature,
                user_handle=r.user_handle,
            ),
        )


class AttestationResponseBody(ApiModel):
    client_data_json: B64 = Field(alias="clientDataJSON")
    attestation_object: B64Large = Field(alias="attestationObject")
    transports: list[Word] | None = Field(None, max_length=8)
    # What browsers' toJSON() adds; the attestation object holds all of it already.
    authenticator_data: B64Large | None = Field(None, alias="authenticatorData")
    public_key: B64Large | None = Field(None, alias="publicKey")
    public_key_algorithm: Annotated[int, Whole(-65_536, 65_536)] | None = Field(
        None, alias="publicKeyAlgorithm"
    )


class RegistrationCredentialBody(_Credential):
    """What `navigator.credentials.create()` answered (`PublicKeyCredential.toJSON()`)."""

    response: AttestationResponseBody

    def to_service(self) -> models.RegistrationCredential:
        r = self.response
        return models.RegistrationCredential(
            id=self.id,
            raw_id=self.raw_id,
            type=self.type,
            response=models.AttestationResponse(
                client_data_json=r.client_data_json,
                attestation_object=r.attestation_object,
                transports=r.transports,
            ),
        )


class CeremonyOptionsRead(ReadModel):
    challenge_id: uuid.UUID = Field(description="send it back with the answer")
    expires_at: datetime
    public_key: dict[str, Any] = Field(
        description="the options for navigator.credentials.create() (registration) or .get() "
        "(login), as WebAuthn's JSON (PublicKeyCredential.parse*OptionsFromJSON)",
    )


class PasskeyCreate(ApiModel):
    challenge_id: uuid.UUID = Field(description="of POST /passkeys/registration/options")
    name: Annotated[str, Text(80)] = Field("passkey", description="yours to recognise it")
    credential: RegistrationCredentialBody


class PasskeyRead(ReadModel):
    """One of your passkeys (never its key)."""

    id: uuid.UUID
    credential_id: str = Field(description="the credential id, base64url")
    name: str
    aaguid: str = Field(description="the authenticator model, if it says")
    sign_count: int = Field(description="the signature counter last seen")
    created_at: datetime
    last_used_at: datetime | None


class PasskeyLoginCreate(ApiModel):
    challenge_id: uuid.UUID = Field(description="of POST /auth/passkey/options")
    assertion: PasskeyAssertionBody

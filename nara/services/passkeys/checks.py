"""The checks of a WebAuthn registration or assertion, done by the `webauthn` library.

Before handing a credential to the library, the checks that deserve their own answer
are made here on the parsed client data and authenticator data (the ceremony type, the
challenge, the origin, the relying party, user verification), so a refusal
says which one failed; the library then verifies everything again, and the signature or
attestation, and any refusal of its own is `invalid` with its words. `Check` carries a
`PasskeyProblem`; the use cases turn it into the error of their catalogue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import (
    base64url_to_bytes,
    parse_attestation_object,
    parse_authenticator_data,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticatorData

from nara.domain.passkeys import PasskeyProblem
from nara.services.passkeys.models import RelyingParty

_UNREADABLE = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError, IndexError)
"""What reading hostile bytes can raise (bad base64, UTF-8, JSON, CBOR, a field of the
wrong type): a malformed or invalid credential, never a server error."""


class Check(Exception):
    """A failed check: which one (`problem`) and the words for it."""

    def __init__(self, problem: PasskeyProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class Registered:
    """A verified registration."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str


def decode(value: str, what: str) -> bytes:
    """Bytes from base64url, or a `malformed` check naming what could not be read."""
    try:
        return base64url_to_bytes(value)
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.MALFORMED, f"{what} is not base64url: {error}") from None


def _client_data(raw: str, *, ceremony: str, challenge: bytes, rp: RelyingParty) -> None:
    try:
        client_data = parse_client_data_json(decode(raw, "clientDataJSON"))
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.MALFORMED, f"clientDataJSON: {error}") from None
    if client_data.type != ceremony:
        raise Check(
            PasskeyProblem.WRONG_TYPE,
            f"the client data is of a {client_data.type!r} ceremony, not {ceremony!r}",
        )
    if client_data.challenge != challenge:
        raise Check(
            PasskeyProblem.WRONG_DOCUMENT,
            "the passkey signed another challenge than the one this request needs",
        )
    if client_data.origin != rp.origin:
        raise Check(
            PasskeyProblem.WRONG_ORIGIN,
            f"the passkey was used on {client_data.origin!r}, not on {rp.origin!r}",
        )


def _authenticator_data(raw: bytes, rp: RelyingParty) -> AuthenticatorData:
    try:
        data = parse_authenticator_data(raw)
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.MALFORMED, f"authenticatorData: {error}") from None
    _scope_and_flags(data, rp)
    return data


def _scope_and_flags(data: AuthenticatorData, rp: RelyingParty) -> None:
    if data.rp_id_hash != hashlib.sha256(rp.rp_id.encode()).digest():
        raise Check(
            PasskeyProblem.WRONG_RP,
            f"the passkey is scoped to another relying party than {rp.rp_id!r}",
        )
    if not (data.flags.up and data.flags.uv):
        raise Check(
            PasskeyProblem.NOT_USER_VERIFIED,
            "the authenticator did not verify the user (user present and verified flags "
            "must both be set: the fingerprint, a PIN or a face)",
        )


def registration(credential: dict[str, Any], *, challenge: bytes, rp: RelyingParty) -> Registered:
    """Verify the answer of `navigator.credentials.create()` to `challenge`."""
    response = credential["response"]
    _client_data(response["clientDataJSON"], ceremony="webauthn.create", challenge=challenge, rp=rp)
    try:
        attested = parse_attestation_object(decode(response["attestationObject"], "attestation"))
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.MALFORMED, f"attestationObject: {error}") from None
    _scope_and_flags(attested.auth_data, rp)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.INVALID, f"the registration did not verify: {error}") from None
    return Registered(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
    )


def assertion(
    credential: dict[str, Any],
    *,
    challenge: bytes,
    rp: RelyingParty,
    public_key: bytes,
) -> int:
    """Verify the answer of `navigator.credentials.get()` for `challenge`, made with the
    passkey whose key is given; the counter it presents.

    The counter is not judged here: `assertions.record` moves it forward in one statement
    or refuses (replayed), so the one decision is atomic and made under the caller's locks.
    """
    response = credential["response"]
    _client_data(response["clientDataJSON"], ceremony="webauthn.get", challenge=challenge, rp=rp)
    _authenticator_data(decode(response["authenticatorData"], "authenticatorData"), rp)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=0,  # judged by `assertions.record`, atomically
            require_user_verification=True,
        )
    except _UNREADABLE as error:
        raise Check(PasskeyProblem.INVALID, f"the assertion did not verify: {error}") from None
    return verified.new_sign_count

"""Passkeys (FIDO2/WebAuthn), in words both sides share: why one was refused, and the rules.

The server (`nara.services.passkeys`) checks registrations and assertions with the
`webauthn` library; the person's side (`nara.wallet.passkeys`) makes them. Both name a
refusal with a `PasskeyProblem`, carried as the `reason` of `PasskeyRefused` (a bid, an
enrolment) or `PasskeyLoginRefused` (a passkey login). Pure: no cryptography, no I/O.

The signature counter must strictly increase on every use, from any stored value, except
for an authenticator that keeps no counter at all (0 at enrolment and 0 every time since,
as many platform passkeys do; WebAuthn allows it): a counter that was ever above 0 and
comes back lower or equal is a copied assertion or a cloned authenticator (`REPLAYED`).
Without a counter, a bid is still bound to its document (the challenge is the hash of
the bid), so a replayed assertion can only resend the very same bid, which its client key
answers with the first receipt. The store applies the rule in one statement
(`store.passkeys.advance_sign_count`).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

ASSERTION_FIELD = "passkey_assertion"
"""The field of a bid that carries the passkey assertion (named by every bid refusal)."""

CHALLENGE_BYTES = 32
"""Length of a registration or login challenge (a bid's challenge is a SHA-256: also 32)."""

ONE_PASSKEY_ONE_PERSON = "one-passkey-one-person"
"""The rule that refuses enrolling a credential already enrolled (by anybody): a passkey is
a person's fingerprint, never lent."""


class PasskeyProblem(StrEnum):
    """Why a passkey registration or assertion was refused (the `reason` of the error)."""

    MISSING = "missing"
    """A bid without a passkey assertion."""
    MALFORMED = "malformed"
    """Not a WebAuthn credential: fields missing, bad base64url, unreadable data."""
    CHALLENGE_UNKNOWN = "challenge-unknown"
    CHALLENGE_EXPIRED = "challenge-expired"
    CHALLENGE_USED = "challenge-used"
    WRONG_DOCUMENT = "wrong-document"
    """The assertion's challenge is not the hash of this bid document (or this challenge)."""
    WRONG_ORIGIN = "wrong-origin"
    """Made on another web origin (a phishing page, another deployment)."""
    WRONG_RP = "wrong-relying-party"
    """Scoped to another relying party id."""
    WRONG_TYPE = "wrong-ceremony"
    """A registration offered as an assertion, or the reverse."""
    NOT_USER_VERIFIED = "not-user-verified"
    """The authenticator did not verify the user (no fingerprint, PIN or face)."""
    UNKNOWN_CREDENTIAL = "unknown-credential"
    """No enrolled passkey has this credential id (or it was removed)."""
    NOT_YOURS = "not-yours"
    """The credential is enrolled for another person than the one acting."""
    REPLAYED = "replayed-sign-count"
    """The signature counter did not increase: a replayed or cloned assertion."""
    INVALID = "invalid"
    """Any other failed check (the signature, the attestation); the detail says which."""
    ALREADY_ENROLLED = "already-enrolled"
    """This person enrolled this credential before."""
    NEEDS_CERTIFICATE = "needs-certificate-login"
    """Passkeys are enrolled from a certificate login, not from a passkey login."""


def user_handle(person_id: str) -> bytes:
    """The WebAuthn user handle of a person: stable, and not their id in clear (16 bytes)."""
    return hashlib.sha256(b"nara-user\x00" + person_id.encode("utf-8")).digest()[:16]

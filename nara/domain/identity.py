"""Who a person is to the system: the words of certificate login, shared by both sides.

The server (`nara.services.identity`) and the person's side (`nara.wallet`) agree here on
what a login signature covers and on the names of every refusal. Pure: no cryptography,
no I/O; the bytes are signed and checked elsewhere.
"""

from __future__ import annotations

from enum import StrEnum

LOGIN_CONTEXT = b"nara-login\x00"
"""Prefix of every login signature: a signature made for a login can never be replayed as
a signature over anything else (a bid document, a contract), and no other signature can
pass as a login."""

NONCE_BYTES = 32
"""Length of a login challenge's nonce."""


def login_message(nonce: bytes) -> bytes:
    """The exact bytes a person signs to answer a login challenge."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"a login nonce is {NONCE_BYTES} bytes, not {len(nonce)}")
    return LOGIN_CONTEXT + nonce


class CertificateProblem(StrEnum):
    """Why a certificate was refused (the `reason` of `CertificateRefused`)."""

    MALFORMED = "malformed"
    """Not one PEM X.509 certificate, or not of the profile (no person in it)."""
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REVOKED = "revoked"
    FOREIGN_CA = "foreign-ca"
    """Issued by an authority this system does not trust."""
    INVALID = "invalid"
    """Chains to a trusted authority but breaks the profile (key usage, constraints)."""
    SUBJECT_MISMATCH = "subject-not-the-person"
    """A valid certificate, of somebody else."""
    WRONG_BUSINESS = "wrong-business"
    """Bound to a business the person is not an agent of (or not the one asked for)."""


class LoginProblem(StrEnum):
    """Why a login by challenge was refused (the `reason` of `LoginRefused`)."""

    CHALLENGE_UNKNOWN = "challenge-unknown"
    CHALLENGE_EXPIRED = "challenge-expired"
    CHALLENGE_USED = "challenge-used"
    SIGNATURE_INVALID = "signature-invalid"
    UNKNOWN_PERSON = "unknown-person"


class SessionEnd(StrEnum):
    """Why a session token no longer works (the `reason` of `SessionEnded`)."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    IDLE = "idle"
    LOGGED_OUT = "logged-out"
    CERTIFICATE_REVOKED = "certificate-revoked"
    PASSKEY_REMOVED = "passkey-removed"

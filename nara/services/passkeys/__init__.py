"""Passkeys (FIDO2/WebAuthn), the fingerprint step, checked with the `webauthn` library.

- `enrolment`: registration options (a single-use challenge), enrolment of a credential
  for one person and nobody else, the person's list, removal;
- `assertions`: the fingerprint over one bid document (`confirm_bid`, then `record_bid_use`
  inside the bid's transaction), and the checks a passkey login shares;
- `checks`: what is verified, with which answer, around the library;
- `models`: what these take and return.

The person's side (the software authenticator) is `nara.wallet.passkeys`; both agree on
`nara.domain.bid_document` and `nara.domain.passkeys`.
"""

from nara.services.passkeys.models import (
    CeremonyOptions,
    Confirmation,
    PasskeyAssertion,
    PasskeyView,
    RegistrationCredential,
    RelyingParty,
)

__all__ = [
    "CeremonyOptions",
    "Confirmation",
    "PasskeyAssertion",
    "PasskeyView",
    "RegistrationCredential",
    "RelyingParty",
]

"""A bid's e-signature: the agent's certificate key over the bid document's canonical bytes.

The certificate must be one the agent enrolled (their login proved the key is theirs),
valid at the database's time, the very certificate of the request's session when there is
one (the session's check against the CA's revocation list then covers it), and, when it
is a business-use certificate, bound to the business the bid is for. The signature is
ECDSA-SHA256 (DER, base64), as the wallet makes it (`nara.wallet.bidder`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.bid_document import BidDocument, canonical_bytes
from nara.domain.errors import SignatureRefused
from nara.services.actors import Actor
from nara.store import identity

FIELD = "signature"
_FIXES = {
    "unreadable-certificate": "send the PEM of your certificate in signing_certificate",
    "unreadable-signature": "send the DER signature in base64",
    "not-yours": "sign with a certificate you logged in with",
    "not-this-session": "sign with the certificate of this session (or log in with the one "
    "you sign with)",
    "expired": "renew your certificate and log in with the new one",
    "other-business": "a business-use certificate signs bids for its own business only",
    "invalid": "sign exactly this bid's document (nara.domain.bid_document) with your key",
}


@dataclass(frozen=True)
class VerifiedSignature:
    fingerprint: str
    certificate_pem: str
    signature: str


def _refused(reason: str, detail: str) -> SignatureRefused:
    return SignatureRefused(
        f"the bid's signature was refused: {detail}",
        field=FIELD,
        fix=_FIXES[reason],
        reason=reason,
    )


async def verify_bid_signature(
    *,
    session: AsyncSession,
    actor: Actor,
    business_no: str,
    document: BidDocument,
    certificate_pem: str,
    signature: str,
    now: datetime,
) -> VerifiedSignature:
    """The signature, checked at `now` (the database's time); SignatureRefused (403 naming
    `signature`, `reason`) if not."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        public_key = certificate.public_key()
    except ValueError:
        raise _refused(
            "unreadable-certificate", "signing_certificate is not a PEM certificate"
        ) from None
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise _refused("unreadable-signature", "the signature is not base64") from None
    fingerprint = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    enrolled = await identity.find_certificate(session, fingerprint=fingerprint)
    if enrolled is None or enrolled.person_id != actor.id:
        raise _refused(
            "not-yours", f"certificate {fingerprint[:16]}… is not one {actor.id} enrolled"
        )
    if actor.auth is not None and actor.auth.certificate_fingerprint != fingerprint:
        raise _refused("not-this-session", "the certificate is not the one of this session")
    if not (enrolled.not_before <= now <= enrolled.not_after):
        raise _refused("expired", f"the certificate is valid until {enrolled.not_after:%Y-%m-%d}")
    if enrolled.business_no is not None and enrolled.business_no != business_no:
        raise _refused(
            "other-business",
            f"the certificate is bound to business {enrolled.business_no}, the bid is for "
            f"{business_no}",
        )
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise _refused("unreadable-certificate", "the certificate's key is not an EC key")
    try:
        public_key.verify(der, canonical_bytes(document), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _refused(
            "invalid", "it is not a signature of this bid by this certificate's key"
        ) from None
    return VerifiedSignature(fingerprint, certificate_pem, signature)

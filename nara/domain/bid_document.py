"""The bid document: the exact bytes a supplier signs with their certificate key and confirms
with their fingerprint (a passkey assertion).

A sealed bid's document names the tender (notice number and round), the business, the
client key, the guarantee certificate and the sealed parts (the tender key it was sealed
to, HPKE's `enc`, the SHA-256 of the price's and the picks' ciphertexts); never the price.
The supplier's side (`nara.wallet`) and the server (`nara.services`) both build it here
and nowhere else, so a signature or an assertion made for one bid can never pass for
another: change any field or one byte of a ciphertext and the bytes differ.

Canonical JSON (the rules of RFC 8785 for the values used here: strings, integers):
keys sorted, no whitespace, UTF-8, no escaping beyond what JSON requires;
`business_no` is written 123-45-67890 however it was sent. `kind` and `version` make the
bytes of a bid mean a bid and nothing else (version 1 carried the price in clear).

    {"bid_guarantee_cert":null,"business_no":"220-81-62517","client_key":"bid-20261201-a",
     "enc":"…","kind":"nara-bid","notice_no":"20261234567-00","picks_sealed_sha256":"…",
     "price_sealed_sha256":"…","round":0,"suite":"DHKEM(X25519, HKDF-SHA256), …",
     "tender_key_id":"…","version":2}

Pure: no I/O, no framework.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass

from nara.domain.errors import RuleViolation
from nara.domain.identifiers import NoticeNo, validate_business_no
from nara.domain.sealing import SUITE_NAME, SealedBid, b64url

KIND = "nara-bid"
VERSION = 2

__all__ = ["KIND", "VERSION", "BidDocument", "b64url", "bid_challenge", "canonical_bytes"]


@dataclass(frozen=True)
class BidDocument:
    """What a sealed bid says: the fields its signature and passkey assertion cover."""

    notice_no: str
    business_no: str
    client_key: str
    tender_key_id: str
    enc: str
    """HPKE's encapsulated key, base64url."""
    price_sealed_sha256: str
    picks_sealed_sha256: str
    bid_guarantee_cert: str | None = None

    @classmethod
    def of(
        cls,
        *,
        notice_no: str,
        business_no: str,
        client_key: str,
        tender_key_id: str,
        sealed: SealedBid,
        bid_guarantee_cert: str | None = None,
    ) -> BidDocument:
        """The document of a bid as the supplier sends it (the business number with or
        without its hyphens; the document holds it as 123-45-67890)."""
        return cls(
            notice_no=notice_no,
            business_no=written_business_no(business_no),
            client_key=client_key,
            tender_key_id=tender_key_id,
            enc=b64url(sealed.enc),
            price_sealed_sha256=sealed.price_sha256,
            picks_sealed_sha256=sealed.picks_sha256,
            bid_guarantee_cert=bid_guarantee_cert,
        )

    @property
    def round(self) -> int:
        """The announcement round of the notice (0 when the number does not parse)."""
        try:
            return NoticeNo.parse(self.notice_no).round
        except RuleViolation:
            return 0

    def as_dict(self) -> dict[str, object]:
        """The document as plain JSON values, `kind` and `version` included."""
        return {
            "kind": KIND,
            "version": VERSION,
            "notice_no": self.notice_no,
            "round": self.round,
            "business_no": self.business_no,
            "client_key": self.client_key,
            "bid_guarantee_cert": self.bid_guarantee_cert,
            "suite": SUITE_NAME,
            "tender_key_id": self.tender_key_id,
            "enc": self.enc,
            "price_sealed_sha256": self.price_sealed_sha256,
            "picks_sealed_sha256": self.picks_sealed_sha256,
        }


def written_business_no(business_no: str) -> str:
    """The business number as documents and sealing bind it (123-45-67890); one that is not
    a business number stays as sent (the bid is refused for that, not for its hash)."""
    with contextlib.suppress(RuleViolation):
        return validate_business_no(business_no)
    return business_no


def canonical_bytes(document: BidDocument) -> bytes:
    """The one serialisation of a bid document that is signed and hashed."""
    return json.dumps(
        document.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def bid_challenge(document: BidDocument) -> bytes:
    """The WebAuthn challenge of a bid: SHA-256 of its canonical bytes (32 bytes)."""
    return hashlib.sha256(canonical_bytes(document)).digest()


def document_sha256(document: BidDocument) -> str:
    """The bid's hash as receipts and replays name it: SHA-256 of the canonical bytes, hex."""
    return bid_challenge(document).hex()


def b64(data: bytes) -> str:
    """Standard base64 (a DER signature in JSON)."""
    return base64.b64encode(data).decode("ascii")

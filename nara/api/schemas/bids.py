"""Sealed bids: stored as rows in PostgreSQL, never in workflow history; the server never
sees a price before the opening (`nara.domain.sealing`, docs/sealed-bids.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from nara.api.schemas.base import ApiModel, BusinessNo, Checked, Code, ReadModel, Text
from nara.api.schemas.passkeys import PasskeyAssertionBody
from nara.domain import sealing

ClientKey = Annotated[str, Text(80, min_length=8)]
"""A key the client chooses so that a retried request answers the first one."""
CertificateNo = Annotated[str, Text(40)]


def _b64url_of(size: int, what: str) -> Checked:
    chars = -(-size * 4 // 3)  # unpadded base64url of `size` bytes
    return Code(
        rf"[A-Za-z0-9_-]{{{chars}}}",
        what=what,
        accepted=f"{size} bytes in base64url without padding ({chars} characters), as the "
        "bidder client (nara bidder) seals them",
    )


class SealedBody(ApiModel):
    """The sealed parts (HPKE, RFC 9180, suite `sealing.SUITE_NAME`), each base64url."""

    enc: Annotated[str, _b64url_of(sealing.ENC_BYTES, "the encapsulated key")] = Field(
        description="HPKE's encapsulated key (32 bytes)"
    )
    price: Annotated[str, _b64url_of(sealing.PRICE_SEALED, "the sealed price")] = Field(
        description="the price's ciphertext (80 bytes)"
    )
    picks: Annotated[str, _b64url_of(sealing.PICKS_SEALED, "the sealed picks")] = Field(
        description="the reserve-price picks' ciphertext (48 bytes)"
    )
    check: Annotated[str, _b64url_of(sealing.CHECK_BYTES, "the check value")] = Field(
        description="32 bytes exported from the HPKE context over both ciphertexts' hashes: "
        "proves to the key service that the bid will open"
    )

    def to_domain(self) -> sealing.SealedBid:
        return sealing.SealedBid.from_json(self.model_dump())


class BidCreate(ApiModel):
    business_no: BusinessNo = Field(description="the business the agent bids for")
    bid_guarantee_cert: CertificateNo | None = Field(
        None, description="bid guarantee certificate from a guarantee agency"
    )
    client_key: ClientKey = Field(
        description="chosen by the client; the same key and the same bid again answers the "
        "first receipt, the same key with another bid 409",
    )
    tender_key_id: Annotated[
        str, Code(r"[0-9a-f]{16}", what="a key id", accepted="16 lower-case hex digits")
    ] = Field(description="the tender key the bid is sealed to (GET .../sealing-key)")
    sealed: SealedBody
    signature: Annotated[
        str,
        Code(
            r"[A-Za-z0-9+/]{1,200}={0,2}",
            what="a signature",
            accepted="an ECDSA-SHA256 signature (DER) in base64, at most 200 characters",
        ),
    ] = Field(description="the agent's certificate key over the bid document's canonical bytes")
    signing_certificate: Annotated[str, Text(8_000, lines=True)] = Field(
        description="PEM of the certificate that signed (one the agent logged in with)"
    )
    passkey_assertion: PasskeyAssertionBody | None = Field(
        None,
        description="required: the bidder's passkey assertion (PublicKeyCredential.toJSON() of "
        "navigator.credentials.get()) whose challenge is the SHA-256 of this bid's document",
    )


class BidReceiptRead(ReadModel):
    """The caller's own bid as a receipt signed by the server; never its price."""

    id: str
    notice_no: str
    business_no: str
    client_key: str
    document_sha256: str = Field(description="SHA-256 of the bid document's canonical bytes")
    passkey_credential_id: str | None = Field(
        description="the passkey whose assertion confirmed the bid"
    )
    submitted_at: datetime = Field(description="the database's time of acceptance")
    status: str
    replayed: bool = Field(False, description="true when this answers an earlier submission")
    receipt: dict[str, Any] = Field(description="the fields the server signed")
    receipt_signature: str = Field(
        description="Ed25519 over the receipt's canonical JSON by the key it names "
        "(GET /.well-known/nara-keys), base64url"
    )


class SealingKeyRead(ReadModel):
    """What a bidder seals to: the tender's public key, and the reserve commitment."""

    notice_no: str
    key_id: str
    suite: str = Field(description="the HPKE cipher suite (RFC 9180)")
    public_key: str = Field(description="raw X25519 public key, base64url")
    reserve_commitment: str = Field(
        description="SHA-256 committing to the reserve secret revealed at the opening: the "
        "reserve prices can be recomputed and checked then, and by nobody before"
    )
    format: str = Field(description="how info and associated data bind tender and business")


class ServerKeyRead(ReadModel):
    key_id: str
    algorithm: str
    public_key: str = Field(description="raw public key, base64url")
    use: str = Field(description="bid-receipts or audit-log")


class ServerKeysRead(ReadModel):
    """The server's public keys: receipts and tree heads are signed by them."""

    keys: list[ServerKeyRead]

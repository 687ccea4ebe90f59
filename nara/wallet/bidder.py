"""The bidder client: fetch the tender's key, seal, sign, confirm, submit, check the receipt.

Everything a supplier's agent does to bid, on their own machine; the server never sees
the price before the opening:

    key = await fetch_tender_key(http, notice_no)              # GET .../sealing-key
    body = sealed_bid(credential, device, key, bid, origin=origin)
    answer = await submit_bid(http, headers, notice_no, body)  # POST .../bids
    receipt = check_receipt(answer, body, await fetch_server_keys(http))

`bid` holds what the agent decided: `business_no`, `price`, `reserve_picks`,
`client_key` and `bid_guarantee_cert`. `sealed_bid` seals the price and picks to the
tender key (HPKE, `nara.domain.sealing`), signs the bid document with the agent's
certificate key (ECDSA-SHA256) and confirms it with their passkey.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from nara.domain import merkle, receipts, sealing, tree_heads
from nara.domain.bid_document import (
    BidDocument,
    canonical_bytes,
    document_sha256,
    written_business_no,
)
from nara.domain.passkeys import ASSERTION_FIELD
from nara.wallet.keys import Credential
from nara.wallet.passkeys import SoftwareAuthenticator


class BidFailed(Exception):
    """The back office refused a call; `status` and `problem` (its problem JSON) say why."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


class ReceiptInvalid(Exception):
    """A receipt that does not prove the bid was accepted (its reason says why)."""


@dataclass(frozen=True)
class TenderKey:
    """A tender's sealing key as GET /tenders/{notice_no}/sealing-key answers it."""

    notice_no: str
    key_id: str
    public_key: bytes
    reserve_commitment: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TenderKey:
        if data.get("suite") != sealing.SUITE_NAME:
            raise ValueError(f"unknown cipher suite {data.get('suite')!r}")
        public_key = sealing.from_b64url(str(data["public_key"]))
        if sealing.key_id(public_key) != data["key_id"]:
            raise ValueError("the tender key's id does not name its public key")
        return cls(
            notice_no=str(data["notice_no"]),
            key_id=str(data["key_id"]),
            public_key=public_key,
            reserve_commitment=str(data["reserve_commitment"]),
        )


async def _json(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if not response.is_success:
        raise BidFailed(response.status_code, body if isinstance(body, dict) else {})
    return body


async def fetch_tender_key(http: httpx.AsyncClient, notice_no: str) -> TenderKey:
    """The tender's public key (anyone may read it)."""
    return TenderKey.from_json(await _json(await http.get(f"/tenders/{notice_no}/sealing-key")))


async def fetch_server_keys(
    http: httpx.AsyncClient, use: str = "bid-receipts"
) -> dict[str, Ed25519PublicKey]:
    """The server's keys of one use (`bid-receipts`, `audit-log`) by key id
    (GET /.well-known/nara-keys)."""
    return server_keys_of(await _json(await http.get("/.well-known/nara-keys")), use)


def server_keys_of(
    body: Mapping[str, Any], use: str = "bid-receipts"
) -> dict[str, Ed25519PublicKey]:
    """The keys of one use from the body of GET /.well-known/nara-keys."""
    return {
        str(k["key_id"]): receipts.public_key_of(str(k["public_key"]))
        for k in body["keys"]
        if k.get("algorithm") == receipts.ALGORITHM and k.get("use", "bid-receipts") == use
    }


def sign_document(key: ec.EllipticCurvePrivateKey, document: BidDocument) -> str:
    """ECDSA-SHA256 over the document's canonical bytes, DER in base64."""
    signature = key.sign(canonical_bytes(document), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode("ascii")


def sealed_bid(
    credential: Credential,
    device: SoftwareAuthenticator | None,
    tender_key: TenderKey,
    bid: Mapping[str, Any],
    *,
    origin: str,
    user_name: str | None = None,
) -> dict[str, Any]:
    """The body of POST /tenders/{notice_no}/bids: sealed, signed and (with a device)
    confirmed by the passkey. `bid` is what the agent decided (see the module text)."""
    notice_no = tender_key.notice_no
    business_no = str(bid["business_no"])
    sealed = sealing.seal_bid(
        tender_key.public_key,
        notice_no=notice_no,
        business_no=written_business_no(business_no),
        price=int(bid["price"]),
        picks=[int(p) for p in bid["reserve_picks"]],
    )
    document = BidDocument.of(
        notice_no=notice_no,
        business_no=business_no,
        client_key=str(bid["client_key"]),
        tender_key_id=tender_key.key_id,
        sealed=sealed,
        bid_guarantee_cert=bid.get("bid_guarantee_cert"),
    )
    body: dict[str, Any] = {
        "business_no": business_no,
        "client_key": str(bid["client_key"]),
        "bid_guarantee_cert": bid.get("bid_guarantee_cert"),
        "tender_key_id": tender_key.key_id,
        "sealed": sealed.as_json(),
        "signature": sign_document(credential.key, document),
        "signing_certificate": credential.certificate_pem,
    }
    if device is not None:
        body[ASSERTION_FIELD] = device.confirm_bid(
            document, rp_id=device.rp_id_of(user_name), origin=origin, user_name=user_name
        )
    return body


def body_sha256(body: Mapping[str, Any], notice_no: str) -> str:
    """The document hash of a bid body (what its receipt must name)."""
    return document_sha256(
        BidDocument.of(
            notice_no=notice_no,
            business_no=str(body["business_no"]),
            client_key=str(body["client_key"]),
            tender_key_id=str(body["tender_key_id"]),
            sealed=sealing.SealedBid.from_json(dict(body["sealed"])),
            bid_guarantee_cert=body.get("bid_guarantee_cert"),
        )
    )


async def submit_bid(
    http: httpx.AsyncClient, headers: Mapping[str, str], notice_no: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """POST the bid; the answer (a receipt) or BidFailed with the problem JSON."""
    answer: dict[str, Any] = await _json(
        await http.post(f"/tenders/{notice_no}/bids", json=dict(body), headers=dict(headers))
    )
    return answer


def check_receipt(
    answer: Mapping[str, Any],
    server_keys: Mapping[str, Ed25519PublicKey],
    *,
    notice_no: str | None = None,
    bid_sha256: str | None = None,
) -> receipts.Receipt:
    """The receipt of an answer, checked: signed by a published server key and, when given,
    naming this tender and this bid. ReceiptInvalid otherwise."""
    try:
        receipt = receipts.Receipt.from_dict(dict(answer["receipt"]))
        signature = str(answer["receipt_signature"])
    except (KeyError, TypeError, ValueError) as bad:
        raise ReceiptInvalid(f"not a receipt: {bad}") from None
    if not receipts.verify(receipt, signature, dict(server_keys)):
        raise ReceiptInvalid(
            f"the signature does not verify with the server's key {receipt.key_id}"
        )
    if notice_no is not None and receipt.notice_no != notice_no:
        raise ReceiptInvalid(f"the receipt is for {receipt.notice_no}, not {notice_no}")
    if bid_sha256 is not None and receipt.bid_sha256 != bid_sha256:
        raise ReceiptInvalid("the receipt names another bid than the one sent")
    return receipt


@dataclass(frozen=True)
class Inclusion:
    """Where a receipt's entry sits in the audit log, proven against a signed tree head."""

    seq: int
    tree_size: int
    root_hash: str


async def check_inclusion(
    http: httpx.AsyncClient,
    receipt: receipts.Receipt,
    log_keys: Mapping[str, Ed25519PublicKey],
) -> Inclusion | None:
    """Fetch the inclusion proof of the receipt's log entry and check it against the newest
    signed tree head (its signature by the log key included). None while the entry waits
    for the sequencer; ReceiptInvalid if a proof comes back and does not hold."""
    response = await http.get(
        "/audit/proofs/inclusion", params={"leaf_hash": receipt.log_leaf_hash}
    )
    if response.status_code == 404:
        return None
    body = await _json(response)
    head = tree_heads.SignedTreeHead.from_json(body["tree_head"])
    if not tree_heads.verify(head, dict(log_keys)):
        raise ReceiptInvalid("the log's tree head is not signed by the published log key")
    proven = merkle.verify_inclusion(
        bytes.fromhex(receipt.log_leaf_hash),
        int(body["seq"]),
        head.head.size,
        [bytes.fromhex(p) for p in body["proof"]],
        head.head.root_hash,
    )
    if not proven or int(body["tree_size"]) != head.head.size:
        raise ReceiptInvalid("the audit log's inclusion proof for this bid does not hold")
    return Inclusion(int(body["seq"]), head.head.size, head.head.root_hash.hex())


def save_receipt(path: Path, answer: Mapping[str, Any]) -> Path:
    """Keep a receipt (the signed fields and the signature) as JSON."""
    kept = {"receipt": answer["receipt"], "receipt_signature": answer["receipt_signature"]}
    path.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n")
    return path


def load_receipt(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data

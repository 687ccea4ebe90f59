"""The bid document a signature and a passkey cover: one canonical form, no price, and a
hash that changes with every field of the bid and every byte of its ciphertexts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from nara.domain import sealing
from nara.domain.bid_document import BidDocument, bid_challenge, canonical_bytes

KEY = sealing.KeyPair.generate()
SEALED = sealing.seal_bid(
    KEY.public_key,
    notice_no="20261234567-00",
    business_no="220-81-62517",
    price=98_760_000,
    picks=(3, 11),
)
BID = BidDocument.of(
    notice_no="20261234567-00",
    business_no="220-81-62517",
    client_key="bid-20261201-a",
    tender_key_id=sealing.key_id(KEY.public_key),
    sealed=SEALED,
)


def test_the_canonical_form_is_sorted_compact_json_without_the_price() -> None:
    text = canonical_bytes(BID)
    data = json.loads(text)
    compact = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text == compact.encode()
    assert data["kind"] == "nara-bid" and data["version"] == 2 and data["round"] == 0
    assert data["price_sealed_sha256"] == hashlib.sha256(SEALED.price).hexdigest()
    assert data["picks_sealed_sha256"] == hashlib.sha256(SEALED.picks).hexdigest()
    assert "price" not in data and b"98760000" not in text
    assert bid_challenge(BID) == hashlib.sha256(text).digest()


def test_the_business_no_has_one_form() -> None:
    same = BidDocument.of(
        notice_no=BID.notice_no,
        business_no="2208162517",
        client_key=BID.client_key,
        tender_key_id=BID.tender_key_id,
        sealed=SEALED,
    )
    assert bid_challenge(same) == bid_challenge(BID)


@pytest.mark.parametrize(
    "change",
    [
        {"notice_no": "20261234567-01"},
        {"business_no": "220-81-62518"},
        {"client_key": "bid-20261201-b"},
        {"bid_guarantee_cert": "BG-1"},
        {"tender_key_id": "0" * 16},
        {"enc": sealing.b64url(b"\1" * 32)},
        {"price_sealed_sha256": "0" * 64},
        {"picks_sealed_sha256": "0" * 64},
    ],
)
def test_any_other_bid_has_another_challenge(change: dict[str, object]) -> None:
    assert bid_challenge(replace(BID, **change)) != bid_challenge(BID)  # type: ignore[arg-type]


def test_one_byte_of_a_ciphertext_changes_the_document() -> None:
    flipped = replace(SEALED, price=bytes([SEALED.price[0] ^ 1]) + SEALED.price[1:])
    other = BidDocument.of(
        notice_no=BID.notice_no,
        business_no=BID.business_no,
        client_key=BID.client_key,
        tender_key_id=BID.tender_key_id,
        sealed=flipped,
    )
    assert bid_challenge(other) != bid_challenge(BID)


def test_text_is_utf8_not_escaped() -> None:
    korean = replace(BID, bid_guarantee_cert="보증-1")
    assert "보증-1".encode() in canonical_bytes(korean)

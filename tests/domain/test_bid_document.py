"""The bid document a passkey confirms: one canonical form, and a hash that changes with
every field of the bid."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from nara.domain.bid_document import BidDocument, bid_challenge, canonical_bytes

BID = BidDocument.of(
    notice_no="20261234567-00",
    business_no="220-81-62517",
    price=98_760_000,
    reserve_picks=[11, 3],
    client_key="bid-20261201-a",
)


def test_the_canonical_form_is_sorted_compact_json() -> None:
    assert canonical_bytes(BID) == (
        b'{"bid_guarantee_cert":null,"business_no":"220-81-62517",'
        b'"client_key":"bid-20261201-a","kind":"nara-bid","notice_no":"20261234567-00",'
        b'"price":98760000,"reserve_picks":[3,11],"version":1}'
    )
    assert bid_challenge(BID) == hashlib.sha256(canonical_bytes(BID)).digest()


def test_the_two_reserve_picks_are_a_set_and_the_business_no_has_one_form() -> None:
    same = BidDocument.of(
        notice_no=BID.notice_no,
        business_no="2208162517",
        price=BID.price,
        reserve_picks=[3, 11],
        client_key=BID.client_key,
    )
    assert bid_challenge(same) == bid_challenge(BID)


@pytest.mark.parametrize(
    "change",
    [
        {"notice_no": "20261234567-01"},
        {"business_no": "220-81-62518"},
        {"price": 98_760_001},
        {"reserve_picks": (3, 12)},
        {"client_key": "bid-20261201-b"},
        {"bid_guarantee_cert": "BG-1"},
    ],
)
def test_any_other_bid_has_another_challenge(change: dict[str, object]) -> None:
    assert bid_challenge(replace(BID, **change)) != bid_challenge(BID)  # type: ignore[arg-type]


def test_text_is_utf8_not_escaped() -> None:
    korean = replace(BID, bid_guarantee_cert="보증-1")
    assert "보증-1".encode() in canonical_bytes(korean)

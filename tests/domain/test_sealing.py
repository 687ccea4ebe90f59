"""Sealing (HPKE, RFC 9180): what opens, what is refused at submission, what the opening
absorbs, and the reserve commitment."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nara.domain import sealing

NOTICE, OTHER_NOTICE = "20261234567-00", "20261234568-00"
BUSINESS, OTHER_BUSINESS = "220-81-62517", "110-81-00010"
KEY = sealing.KeyPair.generate()


def seal(
    price: int = 98_760_000, picks: tuple[int, ...] = (3, 11), **where: str
) -> sealing.SealedBid:
    return sealing.seal_bid(
        KEY.public_key,
        notice_no=where.get("notice_no", NOTICE),
        business_no=where.get("business_no", BUSINESS),
        price=price,
        picks=picks,
    )


@given(
    price=st.integers(min_value=-(2**63), max_value=2**63),
    a=st.integers(0, 99),
    b=st.integers(0, 99),
)
@settings(max_examples=50, deadline=None)
def test_what_is_sealed_opens_as_sent_and_every_ciphertext_has_one_size(
    price: int, a: int, b: int
) -> None:
    sealed = seal(price, (a, b))
    assert len(sealed.price) == sealing.PRICE_SEALED and len(sealed.picks) == sealing.PICKS_SEALED
    assert sealing.check_value(KEY.private_key, sealed, notice_no=NOTICE, business_no=BUSINESS)
    opened = sealing.open_bid(KEY.private_key, sealed, notice_no=NOTICE, business_no=BUSINESS)
    assert opened == sealing.OpenedBid(price, (a, b))


def test_the_ciphertext_does_not_contain_the_price() -> None:
    sealed = seal(123_456_789)
    assert b"123456789" not in sealed.enc + sealed.price + sealed.picks + sealed.check


@pytest.mark.parametrize(
    "where",
    [{"notice_no": OTHER_NOTICE}, {"business_no": OTHER_BUSINESS}],
    ids=["another tender", "another business"],
)
def test_a_ciphertext_moved_to_another_tender_or_business_fails_the_check_and_does_not_open(
    where: dict[str, str],
) -> None:
    sealed = seal()
    at = {"notice_no": NOTICE, "business_no": BUSINESS} | where
    assert not sealing.check_value(KEY.private_key, sealed, **at)
    assert sealing.open_bid(KEY.private_key, sealed, **at).unreadable


def test_a_bid_sealed_to_another_key_fails_the_check() -> None:
    other = sealing.KeyPair.generate()
    sealed = sealing.seal_bid(
        other.public_key, notice_no=NOTICE, business_no=BUSINESS, price=1, picks=(1, 2)
    )
    assert not sealing.check_value(KEY.private_key, sealed, notice_no=NOTICE, business_no=BUSINESS)


@pytest.mark.parametrize("part", ["price", "picks", "check", "enc"])
def test_one_changed_byte_in_any_part_fails_the_check(part: str) -> None:
    sealed = seal()
    value = getattr(sealed, part)
    changed = replace(sealed, **{part: bytes([value[0] ^ 1]) + value[1:]})
    assert not sealing.check_value(KEY.private_key, changed, notice_no=NOTICE, business_no=BUSINESS)


def test_a_part_of_the_wrong_size_is_refused_by_name() -> None:
    parts = seal().as_json()
    truncated = parts | {"price": parts["price"][:-4]}
    with pytest.raises(ValueError, match=r"sealed\.price has 77 bytes"):
        sealing.SealedBid.from_json(truncated)
    with pytest.raises(ValueError, match=r"sealed\.check is missing"):
        sealing.SealedBid.from_json({k: v for k, v in parts.items() if k != "check"})
    assert sealing.SealedBid.from_json(parts).as_json() == parts


def test_a_garbage_ciphertext_with_a_matching_check_is_unreadable_at_the_opening() -> None:
    """What the check does not prove: a client that derives the check over garbage (its own
    bid's content is its own affair) passes, and the opening records why it did not open."""
    import os

    enc, context = sealing.SUITE.create_sender_context(
        sealing.SUITE.kem.deserialize_public_key(KEY.public_key),
        info=sealing.info(notice_no=NOTICE, business_no=BUSINESS),
    )
    price, picks = os.urandom(sealing.PRICE_SEALED), os.urandom(sealing.PICKS_SEALED)
    check = context.export(sealing._exporter_context(price, picks), sealing.CHECK_BYTES)
    garbage = sealing.SealedBid(enc=enc, price=price, picks=picks, check=check)
    assert sealing.check_value(KEY.private_key, garbage, notice_no=NOTICE, business_no=BUSINESS)
    opened = sealing.open_bid(KEY.private_key, garbage, notice_no=NOTICE, business_no=BUSINESS)
    assert opened.price is None and "did not decrypt" in (opened.unreadable or "")


def test_a_plaintext_that_is_not_a_bid_is_unreadable_not_an_exception() -> None:
    enc, context = sealing.SUITE.create_sender_context(
        sealing.SUITE.kem.deserialize_public_key(KEY.public_key),
        info=sealing.info(notice_no=NOTICE, business_no=BUSINESS),
    )
    aad = sealing.aad(notice_no=NOTICE, business_no=BUSINESS, part="price")
    price = context.seal(b'{"price":"1e9"}'.ljust(sealing.PRICE_PLAINTEXT), aad=aad)
    picks = context.seal(
        b"\xff".ljust(sealing.PICKS_PLAINTEXT),
        aad=sealing.aad(notice_no=NOTICE, business_no=BUSINESS, part="picks"),
    )
    bad = sealing.SealedBid(enc=enc, price=price, picks=picks, check=b"\0" * 32)
    opened = sealing.open_bid(KEY.private_key, bad, notice_no=NOTICE, business_no=BUSINESS)
    assert opened.price is None and opened.unreadable


def test_the_reserve_secret_is_committed_to_and_checked() -> None:
    secret = b"s" * 32
    commitment = sealing.reserve_commitment(notice_no=NOTICE, secret=secret)
    assert sealing.verify_reserve_secret(notice_no=NOTICE, secret=secret, commitment=commitment)
    assert not sealing.verify_reserve_secret(
        notice_no=NOTICE, secret=b"t" * 32, commitment=commitment
    )
    assert not sealing.verify_reserve_secret(
        notice_no=OTHER_NOTICE, secret=secret, commitment=commitment
    )
    assert 0 <= sealing.reserve_seed(secret) < 2**62


def test_a_batch_opens_every_bid_in_order() -> None:
    """The opening's batch (its speed is measured by bench/sealing.py, not here)."""
    sealed = [(BUSINESS, seal(1_000 + i)) for i in range(200)]
    opened = sealing.open_bids(KEY.private_key, sealed, notice_no=NOTICE)
    assert [o.price for o in opened] == [1_000 + i for i in range(200)]

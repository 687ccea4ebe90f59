"""The key service on real PostgreSQL: a tender key is made once and kept wrapped; it is
used only after the database records the close, every use and refusal is audited, and the
secrets cannot be opened with another master key or moved to another tender."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from nara.domain import sealing
from nara.domain.errors import SealedUntilClose
from nara.keys import KeyService
from nara.store import tenders
from nara.store.tables import AuditEvent, Tender, TenderKey
from tests.factories import make_registry, tender_terms

BUSINESS = "220-81-62517"


async def _announced(engine: AsyncEngine, *, closed: bool) -> str:
    """A stored tender; with `closed`, its deadline passed and bidding closed."""
    reg = await make_registry(engine, businesses=0)
    t = tender_terms(reg)
    sessions = async_sessionmaker(engine)
    async with sessions.begin() as s:
        await tenders.upsert_bidding(
            s,
            tender=tenders.new_tender(
                notice_no=t.notice_no,
                agency_code=t.agency_code,
                agency_kind=t.agency_kind,
                officer_id=t.officer_id,
                title=t.title,
                category=t.category,
                method=t.method,
                estimated_price=t.estimated_price,
                base_amount=t.base_amount,
                announced_at=t.announced_at,
                deadline=t.deadline,
                opening_at=t.opening_at,
            ),
        )
    if closed:
        past = datetime.now(UTC) - timedelta(minutes=1)
        async with sessions.begin() as s:
            await s.execute(
                update(Tender).where(Tender.notice_no == t.notice_no).values(deadline=past)
            )
            await tenders.close_bidding(s, notice_no=t.notice_no)
    return t.notice_no


async def _actions(engine: AsyncEngine, notice_no: str) -> list[str]:
    async with async_sessionmaker(engine)() as s:
        rows = await s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity == f"tender:{notice_no}")
            .order_by(AuditEvent.id)
        )
        return list(rows)


@pytest.fixture
def keys(db_engine: AsyncEngine, tmp_path: Path) -> KeyService:
    return KeyService.local(async_sessionmaker(db_engine), tmp_path / "keys")


async def test_a_tender_key_is_made_once_and_kept_only_wrapped(
    db_engine: AsyncEngine, keys: KeyService, tmp_path: Path
) -> None:
    notice = await _announced(db_engine, closed=False)
    made = await keys.make_tender_key(notice_no=notice, actor="officer-1")
    again = await keys.make_tender_key(notice_no=notice, actor="officer-1")
    assert again == made and made.key_id == sealing.key_id(made.public_key)
    assert await _actions(db_engine, notice) == ["sealing-key-made"]
    master = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(master.stat().st_mode) == 0o600

    async with async_sessionmaker(db_engine)() as s:
        row = (await s.execute(select(TenderKey).where(TenderKey.notice_no == notice))).scalar_one()
    # The database holds the public key and the commitment in clear, nothing that opens.
    assert row.public_key == made.public_key
    assert row.reserve_commitment == made.reserve_commitment
    assert len(row.wrapped_private_key) == 12 + 32 + 16  # nonce, key, tag
    other = KeyService.local(async_sessionmaker(db_engine), tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="not this key's"):
        other.wrapper.unwrap(
            row.wrapped_private_key, context=f"nara-tender-key/1|{notice}|private-key".encode()
        )
    with pytest.raises(ValueError, match="not for this tender"):
        keys.wrapper.unwrap(
            row.wrapped_private_key, context=b"nara-tender-key/1|20990000001-00|private-key"
        )


async def test_before_the_close_the_key_service_refuses_and_the_refusal_is_audited(
    db_engine: AsyncEngine, keys: KeyService
) -> None:
    notice = await _announced(db_engine, closed=False)
    key = await keys.make_tender_key(notice_no=notice, actor="officer-1")
    sealed = sealing.seal_bid(
        key.public_key, notice_no=notice, business_no=BUSINESS, price=77_000_000, picks=(2, 9)
    )
    # While bidding, the only use is the check; it says the bid will open.
    assert await keys.check_bid(notice_no=notice, business_no=BUSINESS, sealed=sealed)
    with pytest.raises(SealedUntilClose) as refused:
        await keys.open_tender(notice_no=notice, bids=[(BUSINESS, sealed)], actor="workflow")
    assert refused.value.field == "notice_no" and "KST" in refused.value.detail
    assert await _actions(db_engine, notice) == ["sealing-key-made", "sealing-key-refused"]
    async with async_sessionmaker(db_engine)() as s:
        row = (await s.execute(select(TenderKey).where(TenderKey.notice_no == notice))).scalar_one()
    assert row.released_at is None


async def test_a_deadline_passed_without_the_close_recorded_still_refuses(
    db_engine: AsyncEngine, keys: KeyService
) -> None:
    """The database's record of the close decides, not the clock alone (nor a caller)."""
    notice = await _announced(db_engine, closed=False)
    await keys.make_tender_key(notice_no=notice, actor="officer-1")
    async with async_sessionmaker(db_engine).begin() as s:
        await s.execute(
            update(Tender)
            .where(Tender.notice_no == notice)
            .values(deadline=datetime.now(UTC) - timedelta(minutes=1))
        )
    with pytest.raises(SealedUntilClose):
        await keys.open_tender(notice_no=notice, bids=[], actor="workflow")


async def test_after_the_close_every_bid_opens_as_sent_and_the_use_is_audited(
    db_engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = async_sessionmaker(db_engine)
    keys = KeyService.local(sessions, tmp_path / "keys")
    notice = await _announced(db_engine, closed=False)
    key = await keys.make_tender_key(notice_no=notice, actor="officer-1")
    sent = {f"110-81-{i:05d}": (50_000_000 + i * 1_001, (1 + i % 15, 15 - i % 7)) for i in range(6)}
    sealed = [
        (b, sealing.seal_bid(key.public_key, notice_no=notice, business_no=b, price=p, picks=k))
        for b, (p, k) in sent.items()
    ]
    # Close it (the deadline passed and the close is recorded): the key is released.
    async with sessions.begin() as s:
        await s.execute(
            update(Tender)
            .where(Tender.notice_no == notice)
            .values(deadline=datetime.now(UTC) - timedelta(seconds=1))
        )
        await tenders.close_bidding(s, notice_no=notice)
    # A fresh process (no cache) opens them too.
    opened = await KeyService.local(sessions, tmp_path / "keys").open_tender(
        notice_no=notice, bids=sealed, actor="workflow"
    )
    assert [(o.price, o.picks) for o in opened.bids] == list(sent.values())
    assert sealing.verify_reserve_secret(
        notice_no=notice, secret=opened.reserve_secret, commitment=key.reserve_commitment
    )
    assert (await _actions(db_engine, notice))[-1] == "sealing-key-used"

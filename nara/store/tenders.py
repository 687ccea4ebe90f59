"""The tender row: built in one place, then read, locked and updated by notice number.

`new_tender` is the only place a `Tender` is built. The announcement service stores it
with `insert`; the announce activity stores it with `upsert_bidding` (a re-announced
round has no row yet; a first round's row is opened for bidding). Its search columns
(`search_key`, `search_jamo`) are kept by a database trigger on every insert and on every
change of title, description or agency (migration 0010), whoever writes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.enums import AgencyKind, Category, Method, Phase, Role
from nara.domain.identifiers import NoticeNo, tender_workflow_id
from nara.store.tables import Tender

Lock = Literal["share", "update"]


def new_tender(
    *,
    notice_no: str,
    agency_code: str,
    agency_kind: AgencyKind,
    officer_id: str,
    title: str,
    category: Category,
    method: Method,
    estimated_price: int,
    base_amount: int,
    announced_at: datetime,
    deadline: datetime,
    opening_at: datetime,
    description: str = "",
    region: str | None = None,
    urgent: bool = False,
    client_key: str | None = None,
    request_hash: str | None = None,
    a_value_items: dict[str, int] | None = None,
    sme_competitive: bool = False,
) -> Tender:
    """A tender as announced, not yet stored: bidding closed until its workflow opens it."""
    notice = NoticeNo.parse(notice_no)
    return Tender(
        notice_no=notice_no,
        base_no=notice.base,
        round=notice.round,
        workflow_id=tender_workflow_id(notice_no),
        agency_code=agency_code,
        officer_id=officer_id,
        title=title,
        description=description,
        category=category,
        method=method,
        agency_kind=agency_kind,
        region=region,
        urgent=urgent,
        a_value_items=dict(a_value_items or {}),
        sme_competitive=sme_competitive,
        estimated_price=estimated_price,
        base_amount=base_amount,
        announced_at=announced_at,
        deadline=deadline,
        opening_at=opening_at,
        bidding_open=False,
        phase=Phase.ANNOUNCED,
        client_key=client_key,
        request_hash=request_hash,
    )


async def insert(session: AsyncSession, *, tender: Tender) -> None:
    """Store a new tender in a savepoint; IntegrityError if its notice or client key is taken."""
    async with session.begin_nested():
        session.add(tender)
        await session.flush()


async def upsert_bidding(session: AsyncSession, *, tender: Tender) -> None:
    """Store the tender open for bidding, or open bidding on its row if still announced."""
    opened = {"bidding_open": True, "phase": Phase.BIDDING}
    await session.execute(
        pg_insert(Tender)
        .values(**(_column_values(tender) | opened))
        .on_conflict_do_update(
            index_elements=[Tender.notice_no],
            set_=opened | {"updated_at": func.now()},
            where=Tender.phase == Phase.ANNOUNCED,
        )
    )


async def find(session: AsyncSession, *, notice_no: str, lock: Lock | None = None) -> Tender | None:
    """The tender with this notice number, if any; `lock` takes its row lock (share or update)."""
    query = select(Tender).where(Tender.notice_no == notice_no)
    if lock is not None:
        query = query.with_for_update(read=lock == "share").execution_options(
            populate_existing=True
        )
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, *, notice_no: str, lock: Lock | None = None) -> Tender:
    """The tender with this notice number; NoResultFound if there is none."""
    tender = await find(session, notice_no=notice_no, lock=lock)
    if tender is None:
        raise NoResultFound(f"no tender {notice_no}")
    return tender


async def update_phase(
    session: AsyncSession,
    *,
    notice_no: str,
    phase: Phase,
    awaiting_role: Role | None,
    note: str | None,
) -> None:
    """Mirror the workflow's phase, whose turn it is and why, onto the row."""
    await session.execute(
        update(Tender)
        .where(Tender.notice_no == notice_no)
        .values(
            phase=phase,
            awaiting_role=awaiting_role,
            outcome_note=note,
            updated_at=func.now(),
        )
    )


async def update_schedule(
    session: AsyncSession,
    *,
    notice_no: str,
    deadline: datetime,
    opening_at: datetime,
    reopen_bidding: bool = False,
) -> None:
    """Move the deadline and opening; `reopen_bidding` opens a closed, unopened tender again."""
    values: dict[str, Any] = {
        "deadline": deadline,
        "opening_at": opening_at,
        "updated_at": func.now(),
    }
    if reopen_bidding:
        values |= {"bidding_open": True, "bidding_closed_at": None}
    await session.execute(update(Tender).where(Tender.notice_no == notice_no).values(**values))


async def close_bidding(session: AsyncSession, *, notice_no: str) -> Tender:
    """Close bidding under the row lock (once: a retry keeps the first closing time)."""
    tender = await get(session, notice_no=notice_no, lock="update")
    if tender.bidding_open:
        tender.bidding_open = False
        tender.bidding_closed_at = datetime.now(UTC)
    return tender


def _column_values(tender: Tender) -> dict[str, Any]:
    """The columns set on an unsaved row; the rest take their defaults on insert."""
    values = {attr.key: getattr(tender, attr.key) for attr in inspect(Tender).column_attrs}
    return {key: value for key, value in values.items() if value is not None}


# --- for the tender services: announcing, scheduling, reading ---------------------------

# pg_advisory_xact_lock(class, hour): serialises announcements that count one deadline hour.
_DEADLINE_HOUR_LOCK = 7301


async def next_notice_seq(session: AsyncSession) -> int:
    """The next serial of a notice number (`notice_seq`), never handed out twice."""
    sequence = await session.scalar(text("SELECT nextval('notice_seq')"))
    return int(sequence or 0)


async def find_by_client_key(
    session: AsyncSession, *, officer_id: str, client_key: str
) -> Tender | None:
    """The tender this officer announced with this Idempotency-Key, if any."""
    return (
        await session.execute(
            select(Tender).where(Tender.officer_id == officer_id, Tender.client_key == client_key)
        )
    ).scalar_one_or_none()


async def find_next_round(session: AsyncSession, *, base_no: str, round: int) -> str | None:
    """The notice number of the re-announcement after `round` of `base_no`, if any."""
    notice_no: str | None = await session.scalar(
        select(Tender.notice_no).where(Tender.base_no == base_no, Tender.round == round + 1)
    )
    return notice_no


async def find_many(session: AsyncSession, *, notice_nos: Collection[str]) -> Sequence[Tender]:
    """The tenders with these notice numbers, read fresh from the database."""
    return (
        (
            await session.execute(
                select(Tender)
                .where(Tender.notice_no.in_(notice_nos))
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )


async def list(
    session: AsyncSession,
    *,
    phase: Phase | None = None,
    agency_code: str | None = None,
    category: Category | None = None,
    before: str | None = None,
    limit: int,
) -> Sequence[Tender]:
    """Up to `limit` tenders, newest notice first, with notice numbers below `before`."""
    query = select(Tender).order_by(Tender.notice_no.desc()).limit(limit)
    if phase is not None:
        query = query.where(Tender.phase == phase)
    if agency_code is not None:
        query = query.where(Tender.agency_code == agency_code)
    if category is not None:
        query = query.where(Tender.category == category)
    if before is not None:
        query = query.where(Tender.notice_no < before)
    return (await session.execute(query)).scalars().all()


async def lock_deadline_hour(session: AsyncSession, *, hour: datetime) -> None:
    """Serialise, until the transaction ends, the writers that count deadlines in `hour`."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:cls, :hour)"),
        {"cls": _DEADLINE_HOUR_LOCK, "hour": int(hour.timestamp() // 3600)},
    )


async def count_deadlines(
    session: AsyncSession, *, start: datetime, end: datetime, excluding: str | None = None
) -> int:
    """How many tenders have their deadline in [start, end), other than `excluding`."""
    # Catalogue rows (`nara seed`) have no workflow and take no capacity.
    query = select(func.count()).where(
        Tender.deadline >= start, Tender.deadline < end, Tender.catalogue.is_(False)
    )
    if excluding is not None:
        query = query.where(Tender.notice_no != excluding)
    return await session.scalar(query) or 0


async def count_deadlines_per_hour(
    session: AsyncSession, *, start: datetime, end: datetime
) -> dict[datetime, int]:
    """Tenders per deadline hour (truncated) for deadlines in [start, end)."""
    hour = func.date_trunc("hour", Tender.deadline)
    rows = await session.execute(
        select(hour, func.count())
        .where(Tender.deadline >= start, Tender.deadline < end, Tender.catalogue.is_(False))
        .group_by(hour)
    )
    return {at: n for at, n in rows.all()}


async def stop_bidding(session: AsyncSession, *, notice_no: str) -> None:
    """Refuse bids from now on (a cancellation asked for; the workflow records the rest)."""
    await session.execute(
        update(Tender).where(Tender.notice_no == notice_no).values(bidding_open=False)
    )

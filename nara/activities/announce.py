"""Announcement steps of a tender: store it open for bidding, mirror its phase and schedule,
close bidding. Each is idempotent: a retry never writes twice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.contracts import activities as declared
from nara.contracts import steps as m
from nara.contracts.activities import implements
from nara.domain.sealing import b64url
from nara.keys import KeyService
from nara.store import alerts, audit, bids, ocds, tenders


class AnnounceSteps:
    """Activities that keep the tender row in step with its workflow."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], keys: KeyService) -> None:
        self.sessions = sessions
        self.keys = keys

    @implements(declared.make_tender_key)
    async def make_tender_key(self, step: m.SealingStep) -> m.SealingKey:
        """The tender's sealing key and reserve commitment (the key service keeps the rest)."""
        key = await self.keys.make_tender_key(notice_no=step.notice_no, actor=step.officer_id)
        return m.SealingKey(
            key_id=key.key_id,
            public_key=b64url(key.public_key),
            reserve_commitment=key.reserve_commitment,
        )

    @implements(declared.announce_tender)
    async def announce_tender(self, step: m.AnnounceStep) -> None:
        """Create (or confirm) the tender row, open bidding and queue its alerts."""
        t = step.terms
        tender = tenders.new_tender(
            notice_no=t.notice_no,
            agency_code=t.agency_code,
            agency_kind=t.agency_kind,
            officer_id=t.officer_id,
            title=t.title,
            description=t.description,
            category=t.category,
            method=t.method,
            region=t.region,
            estimated_price=t.estimated_price,
            base_amount=t.base_amount,
            announced_at=t.announced_at,
            deadline=t.deadline,
            opening_at=t.opening_at,
            a_value_items=t.a_value_items,
            sme_competitive=t.sme_competitive,
        )
        async with self.sessions.begin() as session:
            # Idempotent by itself: it stores a new round, or opens a row still announced.
            await tenders.upsert_bidding(session, tender=tender)
            await audit.record(
                session,
                actor=t.officer_id,
                entity=audit.tender_entity(t.notice_no),
                action="announced",
                key=f"{t.notice_no}:announced",
                payload={
                    "deadline": t.deadline.isoformat(),
                    "opening_at": t.opening_at.isoformat(),
                    "estimated_price": t.estimated_price,
                    "round": tender.round,
                },
            )
            await ocds.publish_tender(session, notice_no=t.notice_no)
            # Alerts: matched in the announcement's own transaction (docs/alerts.md), so the
            # notifications commit with it and a retry finds them written.
            await alerts.match_announcement(session, notice_no=t.notice_no)

    @implements(declared.record_phase)
    async def record_phase(self, step: m.PhaseStep) -> None:
        """Mirror a phase change onto the tender row and the audit log."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor=step.actor,
                entity=audit.tender_entity(step.notice_no),
                action=step.phase.value,
                key=f"{step.notice_no}:{step.step}",
                payload={"note": step.note, **step.payload},
                then=lambda: tenders.update_phase(
                    session,
                    notice_no=step.notice_no,
                    phase=step.phase,
                    awaiting_role=step.awaiting_role,
                    note=step.note,
                ),
            )
            await ocds.publish_phase(
                session,
                notice_no=step.notice_no,
                phase=step.phase,
                actor=step.actor,
                note=step.note,
            )

    @implements(declared.record_schedule)
    async def record_schedule(self, step: m.ScheduleStep) -> None:
        """Write a moved deadline and opening to the tender row (the bid check reads it)."""
        async with self.sessions.begin() as session:
            await audit.record(
                session,
                actor="workflow",
                entity=audit.tender_entity(step.notice_no),
                action="bidding-reopened" if step.reopen_bidding else "schedule-moved",
                key=f"{step.notice_no}:schedule:{step.version}",
                payload={
                    "deadline": step.deadline.isoformat(),
                    "opening_at": step.opening_at.isoformat(),
                    "note": step.note,
                },
                then=lambda: tenders.update_schedule(
                    session,
                    notice_no=step.notice_no,
                    deadline=step.deadline,
                    opening_at=step.opening_at,
                    reopen_bidding=step.reopen_bidding,
                ),
            )
            await ocds.publish_amendment(
                session,
                notice_no=step.notice_no,
                version=step.version,
                deadline=step.deadline,
                note=step.note,
            )

    @implements(declared.close_bidding)
    async def close_bidding(self, step: m.CloseStep) -> m.CloseResult:
        """Flip the tender to closed under its row lock: no bid slips in after this commits."""
        async with self.sessions.begin() as session:
            tender = await tenders.close_bidding(session, notice_no=step.notice_no)
            count = await bids.count(session, tender_id=tender.id)
            assert tender.bidding_closed_at is not None
            return m.CloseResult(bid_count=count, closed_at=tender.bidding_closed_at)

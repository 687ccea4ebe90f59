"""Declaring an outage: every tender it caught gets its deadline and opening moved.

`declare` works in the caller's transaction: it records the outage, moves the deadline and
opening of each tender the outage caught (the domain's `extend_for_outage` decides, per
the terms of use) and appends the audit events, holding the audit head and then the tender
rows (the one lock order). Only after the caller commits does `signals.notify` tell
each tender's workflow. Declaring the same window again answers the first declaration.

A tender whose bidding had already closed (its deadline passed before the outage was
declared) but has not been opened gets its bidding reopened until the new deadline: the
bidders the outage kept out can still bid. When even the new deadline has passed, only
the opening moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nara.domain.clock import SEOUL, format_kst
from nara.domain.enums import Phase, Role
from nara.domain.errors import Conflict, RuleViolation
from nara.domain.outage import extend_for_outage
from nara.domain.rules import rules_on
from nara.services.actors import Actor, require_role
from nara.services.base import Created
from nara.services.locks import lock_named
from nara.services.outages.models import OutageView
from nara.store import audit, clock, outages, tenders
from nara.store.tables import Tender

FUTURE_SKEW = timedelta(minutes=2)
"""How far ahead of the database clock a recovery time may be (an operator's clock)."""
LONGEST_OUTAGE = timedelta(days=7)
"""A longer window is refused as a typing error: it would move most open tenders."""

_AUDITED = ("deadline_before", "deadline_after", "opening_before", "opening_after", "rule", "note")
CAUGHT_PHASES = (Phase.ANNOUNCED, Phase.BIDDING, Phase.CLOSED)


def _entity(outage_id: int) -> str:
    return f"outage:{outage_id}"


async def declare(
    *,
    session: AsyncSession,
    actor: Actor,
    started_at: datetime,
    recovered_at: datetime,
    reason: str,
) -> Created[OutageView]:
    """Record an outage that has ended and move what it caught. Caller commits."""
    require_role(actor, Role.OPERATOR, doing="declare an outage")
    await lock_named(session, "outage-declarations")  # one declaration at a time
    start, back = started_at, recovered_at
    first = await outages.find_window(session, started_at=start, recovered_at=back)
    if first is not None:
        return Created(OutageView.model_validate(first), False)
    now = await clock.now(session)
    _check_window(start, back, now)
    await _refuse_overlap(session, start, back)

    outage = await outages.insert(
        session,
        started_at=start,
        recovered_at=back,
        reason=reason,
        declared_by=actor.id,
        declared_at=now,
    )

    moves: list[dict[str, Any]] = []
    for tender in await _caught(session, start, back):
        move = _move(tender, start=start, back=back, now=now)
        if move is None:
            continue
        await tenders.update_schedule(
            session,
            notice_no=tender.notice_no,
            deadline=datetime.fromisoformat(move["deadline_after"]),
            opening_at=datetime.fromisoformat(move["opening_after"]),
        )
        await audit.append(
            session,
            actor=actor.id,
            entity=f"tender:{tender.notice_no}",
            action="outage-extension",
            idempotency_key=f"{_entity(outage.id)}:{tender.notice_no}",
            payload={"outage": outage.id, **{k: v for k, v in move.items() if k in _AUDITED}},
        )
        moves.append(move)
    await outages.update_moves(session, outage=outage, moves=moves)
    await audit.append(
        session,
        actor=actor.id,
        entity=_entity(outage.id),
        action="outage-declared",
        idempotency_key=f"{_entity(outage.id)}:declared",
        payload={
            "started_at": start.isoformat(),
            "recovered_at": back.isoformat(),
            "reason": reason,
            "tenders": [m["notice_no"] for m in moves],
        },
    )
    await session.flush()
    return Created(OutageView.model_validate(outage), True)


def _check_window(start: datetime, back: datetime, now: datetime) -> None:
    if back > now + FUTURE_SKEW:
        raise RuleViolation(
            rule="outage-declared-after-recovery",
            message=f"recovered_at {format_kst(back)} is in the future "
            f"(server time {format_kst(now)}): an outage is declared once the site is back",
            field="recovered_at",
            fix="declare the outage after recovery, with the time the site came back",
            value=back.isoformat(),
            accepted=f"a time up to {format_kst(now + FUTURE_SKEW)}",
        )
    if back - start > LONGEST_OUTAGE:
        raise RuleViolation(
            rule="outage-length",
            message=f"an outage from {format_kst(start)} to {format_kst(back)} lasts over "
            f"{LONGEST_OUTAGE.days} days, which would move most open tenders",
            field="started_at",
            fix="check started_at; declare separate outages for separate failures",
            value=start.isoformat(),
            accepted=f"a time after {format_kst(back - LONGEST_OUTAGE)}",
        )


async def _refuse_overlap(session: AsyncSession, start: datetime, back: datetime) -> None:
    """Overlapping windows would move the same deadlines twice."""
    other = await outages.find_overlapping(session, started_at=start, recovered_at=back)
    if other is not None:
        raise Conflict(
            f"outage {other.id} ({format_kst(other.started_at)} to "
            f"{format_kst(other.recovered_at)}) overlaps this window; the deadlines it caught "
            "were already moved",
            field="started_at",
            fix=f"see GET /outages/{other.id}; if the site stayed down longer, declare only "
            f"the time after {format_kst(other.recovered_at)}",
            outage_id=other.id,
        )


async def _caught(session: AsyncSession, start: datetime, back: datetime) -> Sequence[Tender]:
    """Tenders the outage may have caught, locked in one order (the domain decides each):
    a deadline in the window or soon after it, or an opening in the window."""
    near = timedelta(hours=rules_on(start.astimezone(SEOUL).date()).outage().near_window_hours)
    return await outages.lock_caught_tenders(
        session,
        phases=CAUGHT_PHASES,
        deadline_from=start,
        deadline_to=back + near,
        opening_from=start,
        opening_before=back,
    )


def _move(
    tender: Tender, *, start: datetime, back: datetime, now: datetime
) -> dict[str, Any] | None:
    """The tender's new schedule under the outage rule, or None when nothing moves."""
    new = extend_for_outage(
        deadline=tender.deadline, opening_at=tender.opening_at, outage_start=start, recovery=back
    )
    if not new.moved:
        return None
    deadline, note = new.deadline, None
    closed = (
        tender.phase is Phase.CLOSED
        or tender.bidding_closed_at is not None
        or tender.deadline <= now
    )
    if closed and deadline != tender.deadline:
        if deadline > now:
            # The workflow reopens bidding of a closed, unopened tender until then.
            note = (
                f"bidding had closed at {format_kst(tender.deadline)}; it reopens until "
                f"{format_kst(deadline)}"
            )
        else:
            deadline = tender.deadline
            note = (
                f"bidding had closed at {format_kst(tender.deadline)} and the new deadline "
                "has passed too, so only the opening moved"
            )
            if new.opening_at == tender.opening_at:
                return None
    return {
        "notice_no": tender.notice_no,
        "title": tender.title,
        "workflow_id": tender.workflow_id,
        "phase": tender.phase,
        "deadline_before": tender.deadline.astimezone(SEOUL).isoformat(),
        "deadline_after": deadline.astimezone(SEOUL).isoformat(),
        "opening_before": tender.opening_at.astimezone(SEOUL).isoformat(),
        "opening_after": new.opening_at.astimezone(SEOUL).isoformat(),
        "rule": new.reason,
        "note": note,
        "signal": "pending",
        "signal_error": None,
    }

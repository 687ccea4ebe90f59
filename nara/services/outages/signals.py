"""Telling the workflows of the tenders an outage moved: one `ExtendDeadline` signal each.

Runs after the declaration is committed. Signals go out concurrently (a bounded number at
a time), so a workflow that cannot be told is recorded as `failed` without holding back
the others; declaring the same window again re-sends only the signals not yet delivered.
A tender whose schedule changed again since (an officer's extension, a later outage) is
`superseded`: that change carried its own signal.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from nara.contracts.ops import schedule_args
from nara.contracts.tender import ExtendDeadline
from nara.domain.enums import Role
from nara.domain.errors import NaraError, WrongPhase
from nara.keys import KeyService
from nara.logs import get_logger
from nara.services import processes
from nara.services.actors import Actor
from nara.services.ops import tokens
from nara.services.outages.models import OutageView
from nara.services.outages.reading import outage_row
from nara.store import outages, tenders
from nara.workflows.tender import TenderWorkflow

SIGNALS_IN_FLIGHT = 16
"""Workflows told at once; an outage at 10:00 can catch over a thousand tenders."""

log = get_logger("nara.outages")


async def notify(
    *, session: AsyncSession, temporal: Client, outage_id: int, keys: KeyService
) -> OutageView:
    """Send ExtendDeadline to each moved tender's workflow not yet told; record how it went."""
    outage = await outage_row(session, outage_id)
    moves = [dict(move) for move in outage.tenders]
    waiting = [move for move in moves if move["signal"] in ("pending", "failed")]
    if not waiting:
        return OutageView.model_validate(outage)
    rows = {
        tender.notice_no: tender
        for tender in await tenders.find_many(session, notice_nos=[m["notice_no"] for m in waiting])
    }
    gate = asyncio.Semaphore(SIGNALS_IN_FLIGHT)
    # The operator who declared it, as the workflows check it (a signed person token).
    declarer = Actor(id=outage.declared_by, name="", role=Role.OPERATOR, agency_code=None)

    async def tell(move: dict[str, Any]) -> None:
        deadline = datetime.fromisoformat(move["deadline_after"])
        opening = datetime.fromisoformat(move["opening_after"])
        tender = rows.get(move["notice_no"])
        if tender is None or (tender.deadline, tender.opening_at) != (deadline, opening):
            # Moved again since (an officer's extension or a later outage): that change
            # carried its own signal, and sending ours now could move the opening back.
            move["signal"], move["signal_error"] = "superseded", None
            return
        reason = f"outage {outage.id}: {outage.reason}"
        change = ExtendDeadline(
            deadline=deadline,
            opening_at=opening,
            reason=reason,
            requested_by=outage.declared_by,
            token=tokens.issue(
                keys=keys,
                actor=declarer,
                action="extend",
                workflow_id=move["workflow_id"],
                reason=reason,
                args=schedule_args(deadline, opening),
            ),
        )
        try:
            async with gate:
                await processes.signal(
                    temporal,
                    move["workflow_id"],
                    TenderWorkflow.extend_deadline,
                    change,
                    closed=lambda: _ended(move["notice_no"]),
                )
        except NaraError as error:
            move["signal"], move["signal_error"] = "failed", error.detail
        except Exception as error:  # one workflow's failure must not lose the others
            log.exception("outage signal failed", outage=outage.id, notice_no=move["notice_no"])
            move["signal"], move["signal_error"] = "failed", f"{type(error).__name__}: {error}"
        else:
            move["signal"], move["signal_error"] = "sent", None

    await asyncio.gather(*(tell(move) for move in waiting))
    await outages.update_moves(session, outage=outage, moves=moves)
    failed = [m["notice_no"] for m in moves if m["signal"] == "failed"]
    if failed:
        log.warning("outage signals failed", outage=outage.id, tenders=failed)
    return OutageView.model_validate(outage)


async def _ended(notice_no: str) -> NaraError:
    return WrongPhase(
        f"the workflow of tender {notice_no} has ended",
        fix=f"see GET /tenders/{notice_no}; an ended tender needs no extension",
    )

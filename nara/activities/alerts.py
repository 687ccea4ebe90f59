"""The worker's delivery of the alerts outbox (`alert_notification`) through the
e-mail and SMS adapters (`nara.partners.messaging`): a loop the worker process runs
beside its Temporal worker (`nara.workers.main`), not a Temporal activity.

A round takes up to ALERTS_BATCH_SIZE due rows with `FOR UPDATE SKIP LOCKED` (workers
never take the same row) and leases them (one attempt counted, not due again for
`LEASE`), commits, then delivers each: a success marks it delivered, a failure records
the error and makes it due again after `nara.domain.alerts.backoff` (30 s doubled per
attempt, at most an hour) until ALERTS_MAX_ATTEMPTS, then failed. Delivery is at least
once: a worker that dies between sending and marking leaves the row to be sent again
after the lease.

Between rounds the loop sleeps on PostgreSQL `LISTEN nara_alerts` (the matching
statement NOTIFYs when it queues deliveries), waking at the latest after ALERTS_IDLE_S
for retries that fell due: no busy polling.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nara.domain.alerts import backoff
from nara.domain.calendar import SEOUL
from nara.logs import get_logger
from nara.partners.messaging import EmailSender, Message, SmsSender
from nara.store import alerts

LEASE = timedelta(minutes=5)
"""A taken row is not due again for this long: longer than any one delivery."""
RECONNECT_S = 5.0
"""The pause before the loop opens a lost database connection again."""


@dataclass(frozen=True)
class Round:
    """What one round did."""

    taken: int
    delivered: int
    failed: int


def _message(due: alerts.Due) -> Message:
    deadline = due.deadline.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")
    return Message(
        notification_id=due.id,
        business_no=due.business_no,
        address=due.address or "",
        subject=f"[Nara] {due.notice_no} {due.title}"[:120],
        body=f"{due.title}\nnotice {due.notice_no}, bids until {deadline}\nwhy: {due.reason}",
    )


class AlertDelivery:
    """Delivers the outbox; `run` until cancelled, or `deliver_round` once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        email: EmailSender,
        sms: SmsSender,
        batch_size: int = 100,
        max_attempts: int = 8,
        idle_s: float = 30.0,
    ) -> None:
        self.sessions = sessions
        self.email = email
        self.sms = sms
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.idle_s = idle_s
        self.log = get_logger("nara.alerts.delivery")

    async def _send(self, due: alerts.Due) -> None:
        message = _message(due)
        if due.channel == "email":
            await self.email.send_email(message)
        elif due.channel == "sms":
            await self.sms.send_sms(message)
        else:
            raise ValueError(f"no adapter for channel {due.channel!r}")

    async def deliver_round(self) -> Round:
        """Take the due notifications, deliver each, record every outcome."""
        async with self.sessions.begin() as session:
            taken = await alerts.claim_due(session, limit=self.batch_size, lease=LEASE)
        delivered = failed = 0
        for due in taken:
            try:
                await self._send(due)
            except Exception as error:  # any adapter failure is retried later
                failed += 1
                retry_in = backoff(due.attempts) if due.attempts < self.max_attempts else None
                self.log.warning(
                    "alert delivery failed",
                    notification_id=due.id,
                    channel=due.channel,
                    attempt=due.attempts,
                    error=type(error).__name__,
                    retry_in_s=retry_in.total_seconds() if retry_in else None,
                )
                async with self.sessions.begin() as session:
                    await alerts.mark_failed(
                        session,
                        notification_id=due.id,
                        error=f"{type(error).__name__}: {error}",
                        retry_in=retry_in,
                    )
                continue
            delivered += 1
            async with self.sessions.begin() as session:
                await alerts.mark_delivered(session, notification_id=due.id)
        return Round(taken=len(taken), delivered=delivered, failed=failed)

    async def run(self, database_url: str) -> None:
        """Deliver until cancelled; a lost connection is opened again after a pause."""
        dsn = make_url(database_url).set(drivername="postgresql")
        self.log.info("alert delivery started", batch_size=self.batch_size)
        while True:
            try:
                await self._listen_and_deliver(dsn.render_as_string(hide_password=False))
            except (psycopg.Error, OSError) as error:
                self.log.warning("alert delivery lost the database", error=type(error).__name__)
                await asyncio.sleep(min(self.idle_s, RECONNECT_S))

    async def _listen_and_deliver(self, dsn: str) -> None:
        """A round, then (unless it was full) wait for a NOTIFY or `idle_s`; again."""
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
            await listener.execute(f"LISTEN {alerts.CHANNEL}")
            while True:
                try:
                    done = await self.deliver_round()
                except Exception as error:  # the database away: wait, then try again
                    self.log.warning("alert delivery round failed", error=type(error).__name__)
                    done = Round(0, 0, 0)
                if done.taken == self.batch_size:
                    continue  # more are due now
                async for _ in listener.notifies(timeout=self.idle_s, stop_after=1):
                    pass

"""The key service on the time-skipping server's clock (tests/workflows, bench/lifecycle.py).

On Temporal's time-skipping server a 30-day notice period passes in a second: the workflow
closes bidding at the deadline by the *server's* clock and asks for the opening, while the
database's clock is still weeks before that deadline. The real key service judges the
close by the database clock, so it would refuse every opening there. `TimeSkippingKeys`
judges it by the time-skipping server's clock instead, with the same conditions (the
close recorded on the tender row, the deadline passed); everything else is the real key
service's: keys wrapped in files under `key_dir`, the check value, the audit events, and
the audited refusal when the tender is not closed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from nara.keys import KeyService
from nara.store import tenders


class TimeSkippingKeys(KeyService):
    """The local key service, judging "bidding has closed" by the time-skipping server.

    Args:
        sessions: its own transactions.
        key_dir: where the master and receipt keys are kept (made on first use).
        env: the time-skipping server whose clock the workflows run on.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], key_dir: Path, env: WorkflowEnvironment
    ) -> None:
        local = KeyService.local(sessions, key_dir)
        super().__init__(sessions, local.wrapper, local.receipts, local.log, local.actions)
        self.env = env

    async def _require_closed(self, notice_no: str, *, purpose: str, actor: str) -> None:
        async with self.sessions() as session:
            tender = await tenders.find(session, notice_no=notice_no)
        now = await self.env.get_current_time()
        if (
            tender is not None
            and not tender.bidding_open
            and tender.bidding_closed_at is not None
            and now >= tender.deadline
        ):
            return
        # Not closed by the workflows' clock either: the real refusal (audited, raised).
        await super()._require_closed(notice_no, purpose=purpose, actor=actor)

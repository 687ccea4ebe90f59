"""One watcher for the phases of every tender of the replay, instead of a poll per tender.

A story waiting for its tender's next phase used to ask `GET /tenders/{n}` every poll
interval, and every such read queries the tender's workflow: with hundreds of tenders
open that was hundreds of workflow queries a second, most of the API's and the driver's
work (docs/replay.md, "Bottlenecks"). `PhaseWatch` reads the recorded phase of every
tender of the replay's agencies from `GET /tenders?agency_code=` (one page of up to 200
rows from PostgreSQL per agency, no workflow query) about once a second; a story sleeps
until its tender's recorded phase is one it waits for, then reads the live state once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Collection, Sequence

from nara.demo.api import Api, DemoError

PAGE = 200


class PhaseWatch:
    """The recorded phase of each tender of `agencies` announced in the replay (`announced`,
    the week's list: pages older than its first notice are not read)."""

    def __init__(
        self, api: Api, agencies: Sequence[str], announced: list[str], *, every_s: float = 1.0
    ) -> None:
        self.api, self.agencies, self.every_s = api, list(agencies), every_s
        self.announced = announced
        self.phases: dict[str, str] = {}
        self.sweeps = 0
        self.requests = 0
        self.swept_at = time.monotonic()
        """When the last sweep ended (or the watch started)."""
        self._changed = asyncio.Condition()

    async def run(self) -> None:
        """Sweep until cancelled; a sweep that fails (the API busy) is skipped."""
        self.swept_at = time.monotonic()
        while True:
            with contextlib.suppress(DemoError):
                await self.sweep()
            await asyncio.sleep(self.every_s)

    async def sweep(self) -> None:
        """Read every agency's newest tenders down to the replay's first, then wake the
        waiters."""
        if not self.announced:
            return
        since = min(self.announced)
        for agency in self.agencies:
            cursor: str | None = None
            while True:
                query = f"/tenders?agency_code={agency}&limit={PAGE}"
                page = await self.api.call("GET", query + (f"&cursor={cursor}" if cursor else ""))
                self.requests += 1
                for item in page["items"]:
                    self.phases[item["notice_no"]] = item["phase"]
                cursor = page.get("next_cursor")
                if cursor is None or cursor < since:
                    break
        self.sweeps += 1
        self.swept_at = time.monotonic()
        async with self._changed:
            self._changed.notify_all()

    def stale(self, after_s: float) -> bool:
        """No sweep has ended for `after_s` seconds."""
        return time.monotonic() - self.swept_at > after_s

    async def until(self, notice: str, phases: Collection[str], *, timeout_s: float) -> bool:
        """Wait until `notice`'s recorded phase is one of `phases` (True), or `timeout_s`
        passed (False)."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.phases.get(notice) in phases),
                    timeout_s,
                )
            except TimeoutError:
                return False
        return True

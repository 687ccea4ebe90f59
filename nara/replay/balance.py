"""Spread the replay's requests over several API processes, as a load balancer would.

The back office's API processes are stateless replicas (sessions, challenges and idempotency
keys live in PostgreSQL; keys in NARA_KEY_DIR), so any request may go to any of them.
`RoundRobin` is an httpx transport that sends each request to the next replica in turn:
the replay needs no proxy of its own to drive two API processes.

It also bounds the requests in flight: thousands of stories asking at once (the full week
announces 7,885 tenders within its first minute) would otherwise wait in httpcore's pool,
which scans its whole queue for every request it hands a connection, so the driver spends
its time on the queue instead of the requests (docs/replay.md, bottleneck 11).

The bound is the driver's, not the users': the week's people do not share one queue. So
the requests have a lane each by who makes them. Bids (and the sealing keys bidders
read) have one: a bid has a deadline, and at scale 0.1 bids queued behind the officers'
and winners' Updates (seconds each while the worker is busy) for minutes, until 38
re-announced rounds closed with none (bottleneck 13). Reads have one: a read of a
tender's live state is a workflow query, seconds when the worker is busy. The other
writes (announcements, decisions, claims) have the third.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Sequence

import httpx

BIDDERS_PATHS = ("/bids", "/sealing-key")
"""Paths ending so are the bidders' (`lane`)."""


def lane(request: httpx.Request) -> str:
    """Whose queue a request waits in: "bids", "reads" (other GETs) or "writes"."""
    if request.url.path.endswith(BIDDERS_PATHS):
        return "bids"
    return "reads" if request.method == "GET" else "writes"


class RoundRobin(httpx.AsyncBaseTransport):
    """Each request to the next of `urls` (scheme, host and port; the path is kept), at
    most `in_flight` at once in each `lane` (the rest wait here, in order, in their
    lane)."""

    def __init__(self, urls: Sequence[str], *, limits: httpx.Limits, in_flight: int) -> None:
        if not urls:
            raise ValueError("RoundRobin needs at least one URL")
        self._lanes = {name: asyncio.Semaphore(in_flight) for name in ("bids", "reads", "writes")}
        self.urls = list(urls)
        self.origins = [httpx.URL(url) for url in urls]
        self._next = itertools.cycle(range(len(self.origins)))
        self._inner = httpx.AsyncHTTPTransport(limits=limits)
        self.sent: Counter[str] = Counter()
        """Requests sent to each replica, by its URL."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        replica = next(self._next)
        origin = self.origins[replica]
        request.url = request.url.copy_with(
            scheme=origin.scheme, host=origin.host, port=origin.port
        )
        request.headers["Host"] = origin.netloc.decode("ascii")
        self.sent[self.urls[replica]] += 1
        async with self._lanes[lane(request)]:
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

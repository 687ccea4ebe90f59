"""Spread the replay's requests over several API processes, as a load balancer would.

The back office's API processes are stateless replicas (sessions, challenges and idempotency
keys live in PostgreSQL; keys in NARA_KEY_DIR), so any request may go to any of them.
`RoundRobin` is an httpx transport that sends each request to the next replica in turn:
the replay needs no proxy of its own to drive two API processes.

It also bounds the requests in flight: thousands of stories asking at once (the full week
announces 7,885 tenders within its first minute) would otherwise wait in httpcore's pool,
which scans its whole queue for every request it hands a connection, so the driver spends
its time on the queue instead of the requests (docs/replay.md, bottleneck 11). Reads and
writes have a lane each: a read of a tender's live state is a workflow query, seconds
when the worker is busy, and a bid must not wait behind such reads for its deadline.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Sequence

import httpx


class RoundRobin(httpx.AsyncBaseTransport):
    """Each request to the next of `urls` (scheme, host and port; the path is kept), at
    most `in_flight` reads (GET) and `in_flight` writes at once (the rest wait here, in
    order, each in its lane)."""

    def __init__(self, urls: Sequence[str], *, limits: httpx.Limits, in_flight: int) -> None:
        if not urls:
            raise ValueError("RoundRobin needs at least one URL")
        self._reads = asyncio.Semaphore(in_flight)
        self._writes = asyncio.Semaphore(in_flight)
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
        async with self._reads if request.method == "GET" else self._writes:
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

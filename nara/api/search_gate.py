"""The search path's own door: a pool, a concurrency limit, and a fast 503 when either fails.

Search reads on an engine of its own (`SEARCH_DATABASE_URL`, else `DATABASE_URL`): a
small read-only pool of `SEARCH_MAX_CONCURRENCY` connections with no overflow, every
statement bounded by `SEARCH_STATEMENT_TIMEOUT_MS`. At most that many searches run at
once per process; as many more may wait up to `SEARCH_QUEUE_WAIT_MS` for a slot, and any
other is answered 503 with `Retry-After` at once: nothing queues behind the others. A
search the database cancels (timeout) or cannot serve is a 503 too, and after a failed
connection every search is answered 503 at once for `RETRY_AFTER_S`, without dialling.
The business path's pool, sessions and slots are others: nothing here can take them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from nara.domain.errors import SearchUnavailable
from nara.settings import Settings, reveal
from nara.store.db import create_engine, session_factory

RETRY_AFTER_S = 1


class SearchGate:
    """Sessions on the search pool, one per admitted search."""

    def __init__(self, engine: AsyncEngine, *, max_concurrency: int, queue_wait_ms: int) -> None:
        self.engine = engine
        self.max_concurrency = max_concurrency
        self.queue_wait_s = queue_wait_ms / 1000
        self.running = 0
        self._sessions = session_factory(engine)
        self._failing_until = 0.0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchGate:
        """The gate the API runs with: its own engine on the replica or the primary."""
        url = reveal(settings.search_database_url) or reveal(settings.database_url) or ""
        engine = create_engine(
            url,
            pool_size=settings.search_max_concurrency,
            max_overflow=0,
            pool_timeout_s=1.0,
            statement_timeout_ms=settings.search_statement_timeout_ms,
            application_name="nara-search",
            read_only=True,
            connect_timeout_s=2,
        )
        return cls(
            engine,
            max_concurrency=settings.search_max_concurrency,
            queue_wait_ms=settings.search_queue_wait_ms,
        )

    async def _admit(self) -> None:
        if time.monotonic() < self._failing_until:
            raise _unavailable("the search database failed a moment ago")
        if self.running < self.max_concurrency:
            self.running += 1
            return
        # A short wait for a slot, by no more searches than there are slots; the rest are
        # answered at once. A released slot passes straight to the first waiter.
        if self.queue_wait_s <= 0 or len(self._waiters) >= self.max_concurrency:
            raise _unavailable(f"{self.running} searches are running, the most at once")
        turn = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.queue_wait_s)
        except TimeoutError:
            if turn.done():  # the slot came as the wait ended: keep it
                return
            turn.cancel()
            raise _unavailable(f"{self.running} searches are running, the most at once") from None
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self._release()  # a slot was handed over: pass it on
            turn.cancel()
            raise
        finally:
            if turn in self._waiters:
                self._waiters.remove(turn)

    def _release(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot changes hands: `running` stays
                return
        self.running -= 1

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A search session, or SearchUnavailable (503, Retry-After) when saturated or failing."""
        await self._admit()
        try:
            async with self._sessions() as session:
                yield session
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "57014":
                self._failing_until = time.monotonic() + RETRY_AFTER_S
            raise _unavailable(_why(error)) from error
        except (DBAPIError, PoolTimeout) as error:
            raise _unavailable(_why(error)) from error
        finally:
            self._release()

    async def aclose(self) -> None:
        await self.engine.dispose()


def _why(error: Exception) -> str:
    if getattr(getattr(error, "orig", None), "sqlstate", None) == "57014":
        return "the search took longer than SEARCH_STATEMENT_TIMEOUT_MS"
    if isinstance(error, PoolTimeout):
        return "no search connection was free"
    return "the search database did not answer"


def _unavailable(why: str) -> SearchUnavailable:
    return SearchUnavailable(
        f"search is unavailable: {why}; bidding and every other route are not affected",
        fix=f"retry the search in {RETRY_AFTER_S} s; narrow it (filters, a longer keyword) "
        "if it timed out",
        retry_after_s=RETRY_AFTER_S,
    )

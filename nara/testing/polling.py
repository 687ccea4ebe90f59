"""`eventually`: wait, in real time, for something asynchronous to show.

Tests and benchmarks poll for what a workflow, the visibility index or a partner does a
moment later; this is the one loop they all use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout_s: float = 20.0,
    every_s: float = 0.05,
    what: str | Callable[[], str] = "the condition",
    error: type[Exception] = AssertionError,
) -> T:
    """Await `probe()` every `every_s` seconds until it answers something truthy; return it.

    Args:
        probe: an async callable; any falsy answer means "not yet", an exception ends it.
        timeout_s: give up after this many seconds of real time.
        every_s: the pause between two probes.
        what: what was awaited, for the message; a callable is asked only on failure (so
            it can say what the probe saw last).
        error: the exception raised on timeout (AssertionError in tests).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            described = what() if callable(what) else what
            raise error(f"{described} did not happen within {timeout_s:g} s")
        await asyncio.sleep(every_s)

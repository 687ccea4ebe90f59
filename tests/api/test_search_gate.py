"""The search gate's admission, without a database (a session connects only when used):
a few searches wait briefly for a slot, the rest are refused at once, and a slot is never
lost, not even to a client that goes away while waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from nara.api.search_gate import SearchGate
from nara.domain.errors import SearchUnavailable
from nara.store.db import create_engine


@pytest.fixture
async def gate() -> AsyncIterator[SearchGate]:
    engine = create_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)
    yield SearchGate(engine, max_concurrency=1, queue_wait_ms=200)
    await engine.dispose()


async def _hold(gate: SearchGate, seconds: float) -> None:
    async with gate.session():
        await asyncio.sleep(seconds)


async def test_a_waiter_gets_the_slot_and_the_rest_are_refused_at_once(gate: SearchGate) -> None:
    holder = asyncio.create_task(_hold(gate, 0.05))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_hold(gate, 0))
    await asyncio.sleep(0)
    started = time.perf_counter()
    with pytest.raises(SearchUnavailable) as refused:
        await _hold(gate, 0)
    assert time.perf_counter() - started < 0.01
    assert refused.value.extra["retry_after_s"] == 1
    await asyncio.gather(holder, waiter)  # the waiter got the slot the holder released
    assert gate.running == 0


async def test_a_wait_ends_in_a_refusal_and_a_cancelled_waiter_loses_no_slot(
    gate: SearchGate,
) -> None:
    gate.queue_wait_s = 0.02
    holder = asyncio.create_task(_hold(gate, 0.1))
    await asyncio.sleep(0)
    with pytest.raises(SearchUnavailable):
        await _hold(gate, 0)
    leaver = asyncio.create_task(_hold(gate, 0))
    await asyncio.sleep(0)
    leaver.cancel()
    await asyncio.gather(holder, leaver, return_exceptions=True)
    assert gate.running == 0
    await _hold(gate, 0)  # the slot is free again
    assert gate.running == 0

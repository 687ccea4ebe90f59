"""The replay's transport (`RoundRobin`): each request to the next API process in turn,
and never more than its bound in flight, against two real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from nara.replay.balance import RoundRobin, lane


class Load:
    """Requests held at once by all the servers together, and the most seen."""

    def __init__(self) -> None:
        self.open = 0
        self.most = 0


class SlowServer:
    """An HTTP/1.1 server that answers every request after a pause, counting on `load`."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.served = 0
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.load.open += 1
                self.load.most = max(self.load.most, self.load.open)
                await asyncio.sleep(0.01)
                self.load.open -= 1
                self.served += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_requests_alternate_and_stay_within_the_bound() -> None:
    load = Load()
    servers = [SlowServer(load), SlowServer(load)]
    for server in servers:
        await server.start()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    transport = RoundRobin([s.url for s in servers], limits=limits, in_flight=6)
    try:
        async with httpx.AsyncClient(base_url=servers[0].url, transport=transport) as http:
            answers = await asyncio.gather(*(http.get(f"/tenders/{i}") for i in range(300)))
    finally:
        for server in servers:
            await server.stop()
    assert Counter(a.status_code for a in answers) == {200: 300}
    assert [s.served for s in servers] == [150, 150]
    assert transport.sent == Counter({servers[0].url: 150, servers[1].url: 150})
    assert 2 <= load.most <= 6, load.most  # side by side, never more than the bound


@pytest.mark.parametrize(
    ("crowd", "urgent"),
    [
        (("GET", "/tenders/{i}"), ("POST", "/tenders/1/bids")),
        (("GET", "/tenders/{i}"), ("POST", "/tenders/1/award")),
        (("POST", "/tenders/{i}/award"), ("POST", "/tenders/1/bids")),
        (("POST", "/tenders/{i}/award"), ("GET", "/tenders/1/sealing-key")),
    ],
    ids=["bid-past-reads", "update-past-reads", "bid-past-updates", "sealing-key-past-updates"],
)
async def test_a_lane_does_not_wait_behind_another(
    crowd: tuple[str, str], urgent: tuple[str, str]
) -> None:
    """Bids, reads and other writes have a lane each: a request goes straight in while
    every slot of another lane is held and its queue is long."""
    load = Load()
    server = SlowServer(load)
    await server.start()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    transport = RoundRobin([server.url], limits=limits, in_flight=2)
    method, path = crowd
    try:
        async with httpx.AsyncClient(base_url=server.url, transport=transport) as http:
            crowding = [
                asyncio.create_task(http.request(method, path.format(i=i))) for i in range(40)
            ]
            await asyncio.sleep(0.005)  # the crowd holds both slots of its lane, 38 queue
            began = asyncio.get_running_loop().time()
            answer = await http.request(*urgent)
            took = asyncio.get_running_loop().time() - began
            await asyncio.gather(*crowding)
    finally:
        await server.stop()
    assert answer.status_code == 200
    # 40 requests two at a time take 0.2 s; the other lane's request goes straight in.
    assert took < 0.1, took


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/tenders/20260000001-00/bids", "bids"),
        ("GET", "/tenders/20260000001-00/sealing-key", "bids"),
        ("GET", "/tenders/20260000001-00", "reads"),
        ("GET", "/tenders?agency_code=A1", "reads"),
        ("POST", "/tenders/20260000001-00/award", "writes"),
        ("POST", "/tenders", "writes"),
    ],
)
def test_each_request_has_its_lane(method: str, path: str, expected: str) -> None:
    assert lane(httpx.Request(method, "http://127.0.0.1" + path)) == expected

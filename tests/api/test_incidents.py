"""An unexpected error: a 500 problem with an incident id, one log record without local
variables, and a keep-alive connection that still serves the next request.

Runs a real uvicorn server on loopback with the API's problem handlers installed, and
talks to it over one raw socket, so a connection reset would show as an empty answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from nara.api.problems import install_problem_handlers
from nara.logs import configure_logging

SECRET = "hunter2-database-password"


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        database_password = SECRET  # a local the traceback must not print
        raise RuntimeError(f"failed after reading {len(database_password)} characters")

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"status": "fine"}

    return app


@pytest.fixture
async def server() -> AsyncIterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(_app(), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        srv.should_exit = True
        await task


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: nara\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, json.loads(body)


@pytest.fixture
def captured_logs() -> Iterator[tuple[list[str], Callable[[str], None]]]:
    """The root logger's output, as the project configures it, captured line by line."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    def configure(fmt: str) -> None:
        configure_logging(level="INFO", fmt=fmt)
        keep = Keep()
        keep.setFormatter(root.handlers[0].formatter)
        root.handlers[:] = [keep]

    yield lines, configure
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.parametrize("fmt", ["json", "console"])
async def test_an_unexpected_error_is_one_incident_and_the_connection_lives_on(
    server: int, captured_logs: tuple, fmt: str
) -> None:
    lines, configure = captured_logs
    configure(fmt)
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    try:
        status, headers, problem = await _get(reader, writer, "/boom")
        assert status == 500 and headers["content-type"] == "application/problem+json"
        assert problem["code"] == "internal" and problem["incident"] in problem["detail"]
        assert SECRET not in json.dumps(problem)

        # The same connection answers the next request.
        status, _, body = await _get(reader, writer, "/ok")
        assert status == 200 and body == {"status": "fine"}
    finally:
        writer.close()

    records = [line for line in lines if "unexpected error" in line]
    assert len(records) == 1, lines  # logged once: not again by the server
    record = records[0]
    assert problem["incident"] in record and "RuntimeError" in record
    assert SECRET not in "\n".join(lines), "a local variable reached the log"
    if fmt == "json":
        parsed = json.loads(record)
        assert parsed["incident"] == problem["incident"] and parsed["path"] == "/boom"
        frames = parsed["exception"][0]["frames"]
        assert frames and all(not frame.get("locals") for frame in frames)

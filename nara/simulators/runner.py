"""Serve a simulator on a real loopback socket in a background thread.

For tests and the embedded stack:

    from nara.simulators import bank
    from nara.simulators.runner import serve_in_thread

    with serve_in_thread(bank.create_app()) as sim:  # or: sim = serve_in_thread(...); sim.stop()
        client = BankClient(sim.url, timeout_s=2)
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn
from fastapi import FastAPI


@dataclass
class ServerHandle:
    """A simulator served in a background thread; `url` has no trailing slash."""

    url: str
    host: str
    port: int
    app: FastAPI
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop serving and wait for the thread; requests still hanging are cut off after 1 s."""
        self._server.should_exit = True
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout_s)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve_in_thread(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0, *, startup_timeout_s: float = 10.0
) -> ServerHandle:
    """Serve `app` with uvicorn in a daemon thread and return once `/health` answers.

    Args:
        app: a simulator app (anything with `GET /health`).
        host: the interface to bind, loopback by default.
        port: 0 picks a free port; the socket is bound here, so the port is known and held.
        startup_timeout_s: how long to wait for `/health` before giving up.

    Raises:
        RuntimeError: the server did not come up in time.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
    # log_config=None: leave the process's logging alone (uvicorn would reconfigure it).
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"simulator-{port}"
    )
    thread.start()
    handle = ServerHandle(url=url, host=host, port=port, app=app, _server=server, _thread=thread)
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"{app.title} stopped while starting on {url}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return handle
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    handle.stop()
    raise RuntimeError(f"{app.title} did not answer {url}/health within {startup_timeout_s} s")

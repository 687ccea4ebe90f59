"""Serve a simulator on a real loopback socket in a background thread.

For tests and the embedded stack:

    from nara.simulators import bank
    from nara.simulators.runner import serve_in_thread

    with serve_in_thread(bank.create_app()) as sim:  # or: sim = serve_in_thread(...); sim.stop()
        client = BankClient(sim.url, timeout_s=2)
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass, field

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

    def stop(self, *, wait: bool = True, timeout_s: float = 5.0) -> None:
        """Stop serving; requests still hanging are cut off after 1 s.

        Args:
            wait: block until the server has shut down and closed its ledger (uvicorn takes
                0.1-0.2 s). A test whose in-memory simulator nobody reopens can pass False.
            timeout_s: how long to wait before forcing the exit.
        """
        self._server.should_exit = True
        if not wait:
            return
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
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every keep-alive request waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    port = sock.getsockname()[1]
    url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
    # log_config=None: leave the process's logging alone (uvicorn would reconfigure it).
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
        proxy_headers=False,  # the client is the connection's peer (see TRUSTED_PROXIES)
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
        if _answers_health(host, port):
            return handle
        time.sleep(0.005)
    handle.stop()
    raise RuntimeError(f"{app.title} did not answer {url}/health within {startup_timeout_s} s")


def _answers_health(host: str, port: int) -> bool:
    # http.client rather than httpx: no TLS context to build on every probe
    connection = http.client.HTTPConnection(host, port, timeout=1.0)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()

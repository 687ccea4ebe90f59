"""Starting simulators: serve_in_thread for tests, `python -m nara.simulators` for people."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from nara.simulators import bank
from nara.simulators.runner import serve_in_thread
from tests.support import eventually


def test_serve_in_thread_picks_a_free_port_and_stop_releases_it() -> None:
    sim = serve_in_thread(bank.create_app())
    other = serve_in_thread(bank.create_app())
    try:
        assert sim.port != other.port
        assert sim.url == f"http://127.0.0.1:{sim.port}"
        assert httpx.get(f"{sim.url}/health").json()["status"] == "ok"
    finally:
        sim.stop()
        other.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sim.url}/health")


async def test_the_module_command_serves_a_simulator_on_the_given_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ledger = tmp_path / "bank.sqlite3"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nara.simulators",
            "bank",
            "--port",
            str(port),
            "--ledger",
            str(ledger),
            "--log-level",
            "warning",
        ],
    )

    async def answers() -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=1) as http:
                body: dict[str, Any] = (await http.get(f"http://127.0.0.1:{port}/health")).json()
                return body
        except httpx.TransportError:
            assert process.poll() is None, "the simulator exited"
            return None

    try:
        health = await eventually(answers, timeout_s=15, what="the simulator's /health")
    finally:
        process.terminate()
        process.wait(10)

    assert health["ledger"] == str(ledger)
    assert ledger.exists()


def test_the_module_command_explains_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nara.simulators", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    for word in ("guarantee", "bank", "--ledger", "--port", "/_faults", "commit_then_timeout"):
        assert word in result.stdout

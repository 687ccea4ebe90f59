"""Starting simulators: serve_in_thread for tests, `python -m nara.simulators` for people."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nara.simulators import bank
from nara.simulators.runner import serve_in_thread


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


def test_the_module_command_serves_a_simulator_on_the_given_port(tmp_path: Path) -> None:
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
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
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

"""Starting simulators: serve_in_thread for tests, `python -m nara.simulators` for people."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from nara.simulators import bank
from nara.simulators.runner import serve_in_thread
from nara.testing.servers import SIMULATOR_ADMIN_TOKEN
from tests.support import eventually


def test_serve_in_thread_picks_a_free_port_and_stop_releases_it() -> None:
    sim = serve_in_thread(bank.create_app(admin_token=SIMULATOR_ADMIN_TOKEN))
    other = serve_in_thread(bank.create_app(admin_token=SIMULATOR_ADMIN_TOKEN))
    try:
        assert sim.port != other.port
        assert sim.url == f"http://127.0.0.1:{sim.port}"
        assert httpx.get(f"{sim.url}/health").json()["status"] == "ok"
    finally:
        sim.stop()
        other.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sim.url}/health")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SIMULATOR_ADMIN_TOKEN"}
    return {**env, **values}


async def test_the_module_command_serves_a_simulator_on_the_given_port(tmp_path: Path) -> None:
    port = _free_port()
    ledger = tmp_path / "bank.sqlite3"
    token = "module-command-admin-token-0123456789"
    output = tmp_path / "simulator.log"
    with output.open("wb") as log:
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
                "info",
            ],
            env=_env(SIMULATOR_ADMIN_TOKEN=token),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    async def answers() -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=1) as http:
                body: dict[str, Any] = (await http.get(f"http://127.0.0.1:{port}/health")).json()
                return body
        except httpx.TransportError:
            assert process.poll() is None, "the simulator exited"
            return None

    fault = {"mode": "error_5xx", "path_prefix": "/transfers", "count": 1}
    try:
        health = await eventually(answers, timeout_s=15, what="the simulator's /health")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            wrong = await http.post(
                "/_faults", json=fault, headers={"Authorization": "Bearer not-the-token-at-all"}
            )
            armed = await http.post(
                "/_faults", json=fault, headers={"Authorization": f"Bearer {token}"}
            )
            unlisted = await http.get("/_faults")
    finally:
        process.terminate()
        process.wait(10)

    assert health["ledger"] == str(ledger)
    assert ledger.exists()
    # the token from SIMULATOR_ADMIN_TOKEN guards the admin routes
    assert (wrong.status_code, armed.status_code, unlisted.status_code) == (401, 201, 401)
    # and never shows in what the simulator wrote, access log and fault log included
    logged = output.read_text(errors="replace")
    assert "fault armed" in logged and "/_faults" in logged, logged
    assert token not in logged


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ([], {}),
        ([], {"SIMULATOR_ADMIN_TOKEN": ""}),
        (["--admin-token", "too-short"], {}),
        ([], {"SIMULATOR_ADMIN_TOKEN": "spaces are not allowed in it"}),
    ],
    ids=["unset", "empty", "too-short", "not-a-header-token"],
)
def test_the_module_command_refuses_to_start_without_a_usable_admin_token(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    port = _free_port()
    result = subprocess.run(
        [sys.executable, "-m", "nara.simulators", "bank", "--port", str(port), *args],
        env=_env(**env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "admin token" in result.stderr
    assert "SIMULATOR_ADMIN_TOKEN" in result.stderr or "at least 16" in result.stderr
    for value in ("too-short", "spaces are not allowed"):
        assert value not in result.stderr  # the refusal never echoes the token
    assert "Uvicorn running" not in result.stdout + result.stderr


def test_the_module_command_explains_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nara.simulators", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    for word in ("guarantee", "bank", "--ledger", "--port", "/_faults", "commit_then_timeout"):
        assert word in result.stdout

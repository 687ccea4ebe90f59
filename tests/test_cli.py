"""`nara --help` is the first thing a newcomer runs: it must list and explain every command."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from nara import embedded
from nara.cli import app
from nara.settings import Settings

runner = CliRunner()
COMMANDS = [
    "dev",
    "worker",
    "api",
    "demo",
    "login",
    "whoami",
    "logout",
    "db",
    "temporal",
    "simulators",
    "people",
    "ca",
    "passkey",
    "replay",
]


def _help(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_top_level_help_lists_every_command() -> None:
    output = _help()
    for command in COMMANDS:
        assert f" {command} " in output, f"`{command}` missing from nara --help"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["dev"], ["--no-demo", "--exit-after-demo", "--tenders", "Ctrl-C", "DATABASE_URL"]),
        (["worker"], ["TEMPORAL_ADDRESS"]),
        (["api"], ["--host", "--port", "/docs"]),
        (["demo"], ["--tenders", "--api-url", "SIMULATOR_ADMIN_TOKEN"]),
        (
            ["replay", "launch-week"],
            ["--scale", "--minutes", "--seed", "7,885", "SIMULATOR_ADMIN_TOKEN", "replay.md"],
        ),
        (["db"], ["upgrade"]),
        (["db", "upgrade"], ["--database-url", "DATABASE_URL", "head"]),
        (["temporal", "setup"], ["search attributes", "--wait"]),
        (["simulators"], ["guarantee", "bank", "ca"]),
        (["simulators", "ca"], ["--ca-dir", "CA_URL", "TRUSTED_CA_CERTS", "--admin-token"]),
        (["people", "add"], ["--id", "--role", "--agency", "operator", "DATABASE_URL"]),
        (["ca"], ["init", "issue", "revoke"]),
        (["ca", "issue"], ["--business", "--days", "wallet", "SIMULATOR_ADMIN_TOKEN"]),
        (["ca", "revoke"], ["--reason", "CRL_MAX_AGE_S"]),
        (["login"], ["challenge", "session.json", "0600", "--api-url"]),
        (["whoami"], ["person", "role"]),
        (["logout"], ["session"]),
        (["passkey"], ["enrol", "list", "login"]),
        (["passkey", "enrol"], ["--name", "WEBAUTHN_ORIGIN", "passkeys.json", "0600"]),
        (["passkey", "list"], ["GET /passkeys"]),
        (["passkey", "login"], ["POST /auth/passkey", "--api-url", "session.json"]),
        (
            ["simulators", "guarantee"],
            ["--port", "--ledger", "GUARANTEE_AGENCY_URL", "--admin-token", "SIMULATOR_ADMIN"],
        ),
        (
            ["simulators", "bank"],
            ["--port", "--ledger", "BANK_URL", "--admin-token", "SIMULATOR_ADMIN_TOKEN"],
        ),
    ],
)
def test_each_command_explains_itself(args: list[str], expected: list[str]) -> None:
    output = _help(*args)
    for word in expected:
        assert word in output, f"`nara {' '.join(args)} --help` does not mention {word}"


def test_replay_refuses_a_scale_beyond_the_real_week() -> None:
    result = runner.invoke(app, ["replay", "launch-week", "--scale", "2"], env={"NO_COLOR": "1"})
    assert result.exit_code == 2, result.output
    assert "--scale" in result.output


def test_python_dash_m_nara_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nara", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: nara" in result.stdout
    assert " dev " in result.stdout and " worker " in result.stdout


def _readme_configuration() -> dict[str, str]:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.+?) \|", section, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def _shown(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


def test_readme_configuration_table_matches_settings() -> None:
    documented = _readme_configuration()
    known = {field.alias or name.upper(): field for name, field in Settings.model_fields.items()}
    for variable, field in known.items():
        assert variable in documented, f"README configuration table lacks {variable}"
        assert documented[variable] == _shown(field.default), (
            f"README says {variable} defaults to {documented[variable]!r}, "
            f"nara/settings.py says {_shown(field.default)!r}"
        )
    unknown = set(documented) - set(known)
    assert not unknown, f"README documents settings that do not exist: {unknown}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _processes_of(var_dir: Path) -> list[psutil.Process]:
    """Live processes whose environment points at `var_dir` (every child of `nara dev`)."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("NARA_VAR_DIR") == str(
                var_dir
            ):
                found.append(proc)
    return found


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("nara.api.app") is None, reason="nara.api.app not there yet"
)
@pytest.mark.timeout(180)
def test_nara_dev_brings_the_stack_up_and_leaves_nothing_running(
    tmp_path: Path, database_url: str
) -> None:
    var_dir = tmp_path / "var"
    names = ("temporal", "ui", "api", "guarantee", "bank", "ca", "temporal_metrics", "worker")
    ports = {name: _free_port() for name in names}
    env = {
        **os.environ,
        "NARA_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "TEMPORAL_DEV_PORT": str(ports["temporal"]),
        "TEMPORAL_UI_PORT": str(ports["ui"]),
        "NARA_API_PORT": str(ports["api"]),
        "GUARANTEE_AGENCY_URL": f"http://127.0.0.1:{ports['guarantee']}",
        "BANK_URL": f"http://127.0.0.1:{ports['bank']}",
        "CA_URL": f"http://127.0.0.1:{ports['ca']}",
        "TEMPORAL_METRICS_PORT": str(ports["temporal_metrics"]),
        "WORKER_METRICS_ADDRESS": f"127.0.0.1:{ports['worker']}",
        "COLUMNS": "200",
    }
    env.pop("TEMPORAL_ADDRESS", None)
    env.pop("TRUSTED_CA_CERTS", None)
    env.pop("SIMULATOR_ADMIN_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "nara", "dev", "--no-demo", "--exit-after-demo"],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Nara back office is up" in result.stdout
    assert f"http://localhost:{ports['api']}/docs" in result.stdout
    assert f"http://localhost:{ports['ui']}" in result.stdout
    assert f"worker http://127.0.0.1:{ports['worker']}/metrics" in result.stdout
    assert f"Temporal http://localhost:{ports['temporal_metrics']}/metrics" in result.stdout
    for name, port in ports.items():
        assert not embedded.port_open("127.0.0.1", port), f"{name} still listening on {port}"
    assert _processes_of(var_dir) == []
    assert (var_dir / "temporal.db").exists()
    assert {p.name for p in (var_dir / "logs").iterdir()} >= {"worker.log", "api.log", "ca.log"}
    # The CA simulator's root, made in var/ca (its key private), is what the API trusted.
    assert stat.S_IMODE((var_dir / "ca" / "root-key.pem").stat().st_mode) == 0o600
    assert "Certificate authority" in result.stdout

    # The simulators' admin token: made private in var/, shown by where it is, never by value.
    token_file = var_dir / "simulators" / "admin-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert "Bearer token in" in result.stdout  # then the path, perhaps folded
    assert token not in result.stdout + result.stderr
    for log in (var_dir / "logs").iterdir():
        assert token not in log.read_text(errors="replace"), f"the admin token is in {log}"

"""The first operator of a new installation, from the console to a session: `nara people
add`, `nara ca issue`, `nara login`, `nara whoami`, `nara ca revoke`, `nara logout`, each
a real process against the stack's database, CA and API."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from tests.integration.support import ApiStack


def _nara(stack: ApiStack, var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    api = urlsplit(stack.api_url)
    env = {
        **os.environ,
        "NARA_VAR_DIR": str(var_dir),
        "DATABASE_URL": stack.database_url,
        "CA_URL": stack.ca_url,
        "SIMULATOR_ADMIN_TOKEN": stack.simulator_admin_token,
        "NARA_API_HOST": api.hostname or "127.0.0.1",
        "NARA_API_PORT": str(api.port),
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "nara", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_operator_logs_in_from_the_console(stack: ApiStack, tmp_path: Path) -> None:
    who = f"operator-{uuid.uuid4().hex[:6]}"
    added = _nara(
        stack, tmp_path, "people", "add", "--id", who, "--name", "Kim", "--role", "operator"
    )
    assert added.returncode == 0, added.stderr
    assert f"{who} (operator) registered" in added.stdout
    again = _nara(
        stack, tmp_path, "people", "add", "--id", who, "--name", "Kim", "--role", "operator"
    )
    assert "already registered" in again.stdout

    refused = _nara(stack, tmp_path, "login", who)
    assert refused.returncode == 1 and f"nara ca issue {who}" in refused.stderr

    issued = _nara(stack, tmp_path, "ca", "issue", who)
    assert issued.returncode == 0, issued.stderr
    key = tmp_path / "wallet" / who / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    serial = issued.stdout.split()[1]

    logged_in = _nara(stack, tmp_path, "login", who)
    assert logged_in.returncode == 0, logged_in.stderr
    saved = tmp_path / "wallet" / "session.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    token = json.loads(saved.read_text())["token"]
    assert f"token {token[:6]}…" in logged_in.stdout
    assert token not in logged_in.stdout + logged_in.stderr

    me = _nara(stack, tmp_path, "whoami")
    assert me.returncode == 0, me.stderr
    assert f"{who} (Kim), operator" in me.stdout and f"certificate {serial}" in me.stdout
    assert token not in me.stdout

    out = _nara(stack, tmp_path, "logout")
    assert out.returncode == 0 and f"{who} logged out" in out.stdout
    assert not saved.exists()
    assert _nara(stack, tmp_path, "whoami").returncode == 1

    revoked = _nara(stack, tmp_path, "ca", "revoke", serial, "--reason", "key_compromise")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert _nara(stack, tmp_path, "ca", "revoke", serial, "--reason", "boredom").returncode == 1

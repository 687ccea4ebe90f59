"""`nara passkey enrol|list|login`: a person's development passkey from the console, each
command a real process against the stack's database, CA and API."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

from tests.integration.support import ApiStack
from tests.integration.test_cli_identity import _nara


def test_a_passkey_is_enrolled_listed_and_logs_in_from_the_console(
    stack: ApiStack, tmp_path: Path
) -> None:
    who = f"operator-{uuid.uuid4().hex[:6]}"
    for args in (
        ("people", "add", "--id", who, "--name", "Kim", "--role", "operator"),
        ("ca", "issue", who),
    ):
        assert _nara(stack, tmp_path, *args).returncode == 0

    nobody = _nara(stack, tmp_path, "passkey", "enrol")
    assert nobody.returncode == 1 and "nara login" in nobody.stderr
    none_yet = _nara(stack, tmp_path, "passkey", "login", who)
    assert none_yet.returncode == 1 and "nara passkey enrol" in none_yet.stderr

    assert _nara(stack, tmp_path, "login", who).returncode == 0
    assert "has no passkey" in _nara(stack, tmp_path, "passkey", "list").stdout
    enrolled = _nara(stack, tmp_path, "passkey", "enrol", "--name", "laptop")
    assert enrolled.returncode == 0, enrolled.stderr
    assert f"(laptop) enrolled for {who}" in enrolled.stdout
    device = tmp_path / "wallet" / who / "passkeys.json"
    assert stat.S_IMODE(device.stat().st_mode) == 0o600
    (credential,) = json.loads(device.read_text())["credentials"]
    assert credential["sign_count"] == 0 and "PRIVATE KEY" in credential["private_key_pem"]

    logged_in = _nara(stack, tmp_path, "passkey", "login", who)
    assert logged_in.returncode == 0, logged_in.stderr
    assert f"logged in with a passkey as {who} (operator)" in logged_in.stdout
    listed = _nara(stack, tmp_path, "passkey", "list")
    assert "laptop  counter 1" in listed.stdout, listed.stdout
    assert who in _nara(stack, tmp_path, "whoami").stdout

    # One passkey of a person per authenticator (the server excludes the ones it knows).
    again = _nara(stack, tmp_path, "passkey", "enrol")
    assert again.returncode == 1 and "already holds a passkey" in again.stderr

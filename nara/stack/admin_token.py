"""The simulators' admin token on one machine: SIMULATOR_ADMIN_TOKEN, else a file under var/.

The partner simulators answer their admin routes (`/_faults`, `/_ledger`, bank
`POST /accounts`) only to `Authorization: Bearer <token>`. `nara dev` and `nara simulators`
take the token from SIMULATOR_ADMIN_TOKEN when it is set; otherwise they generate one the
first time and keep it in NARA_VAR_DIR/simulators/admin-token (mode 0600), where the next
run, `nara demo` and a person with curl find it:

    curl -H "Authorization: Bearer $(cat var/simulators/admin-token)" localhost:8102/_faults

The value is handed to the processes that need it through their environment, never on a
command line, and never printed: what is shown is where it comes from (`AdminToken.source`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from nara.settings import Settings, reveal

ENV_VAR = "SIMULATOR_ADMIN_TOKEN"
TOKEN_FILE = Path("simulators") / "admin-token"
"""Where the generated token lives, relative to NARA_VAR_DIR."""


@dataclass(frozen=True)
class AdminToken:
    """The token and where it comes from; only `source` is fit to show."""

    value: str = field(repr=False)
    source: str
    """`SIMULATOR_ADMIN_TOKEN`, or the path of the file that holds it."""

    def env(self) -> dict[str, str]:
        """The environment that gives it to a simulator process."""
        return {ENV_VAR: self.value}


def token_path(var_dir: Path) -> Path:
    return var_dir / TOKEN_FILE


def admin_token(settings: Settings, var_dir: Path) -> AdminToken:
    """SIMULATOR_ADMIN_TOKEN if set, else the token kept under `var_dir` (made on first use)."""
    configured = reveal(settings.simulator_admin_token)
    if configured:
        return AdminToken(configured, ENV_VAR)
    path = token_path(var_dir)
    return AdminToken(read_token_file(path) or _write_new_token(path), str(path))


def existing_admin_token(settings: Settings, var_dir: Path) -> AdminToken | None:
    """Like `admin_token`, but never makes one: None when neither is there."""
    configured = reveal(settings.simulator_admin_token)
    if configured:
        return AdminToken(configured, ENV_VAR)
    path = token_path(var_dir)
    value = read_token_file(path)
    return AdminToken(value, str(path)) if value else None


def read_token_file(path: Path) -> str | None:
    """The token in `path`, or None if there is none; a file others may read is made 0600."""
    try:
        value = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return value or None


def _write_new_token(path: Path) -> str:
    """A new random token, written to `path` (0600) in one step: no reader sees half a file."""
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # left by a run that died here
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, f"{token}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return token

"""Where `nara login` keeps its session between commands, and how a token is shown.

One JSON file, `<NARA_VAR_DIR>/wallet/session.json`, created with mode 0600 (readable
by its owner only). A token is a password: it is shown by its first characters only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from nara.wallet.keys import write_private
from nara.wallet.login import Session

SESSION_FILE = "session.json"


def masked(token: str) -> str:
    """A token as it may be printed or logged: its first 6 characters, then an ellipsis."""
    return f"{token[:6]}…" if len(token) > 6 else "…"


@dataclass(frozen=True)
class SavedSession:
    api_url: str
    person_id: str
    role: str
    token: str
    expires_at: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def save(wallet_dir: Path, api_url: str, session: Session) -> Path:
    wallet_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = wallet_dir / SESSION_FILE
    saved = SavedSession(
        api_url=api_url,
        person_id=session.person_id,
        role=session.role,
        token=session.token,
        expires_at=session.expires_at.isoformat(),
    )
    write_private(path, json.dumps(asdict(saved), indent=2).encode())
    return path


def load(wallet_dir: Path) -> SavedSession | None:
    path = wallet_dir / SESSION_FILE
    if not path.exists():
        return None
    return SavedSession(**json.loads(path.read_text()))


def forget(wallet_dir: Path) -> bool:
    """Delete the saved session; whether there was one."""
    path = wallet_dir / SESSION_FILE
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def expires(saved: SavedSession) -> datetime:
    return datetime.fromisoformat(saved.expires_at)

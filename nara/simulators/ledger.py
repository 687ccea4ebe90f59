"""The simulators' ledger: one SQLite database (a file, or in memory) and its idempotency keys.

A simulator keeps one connection behind a lock: requests run in the server's thread
pool, and SQLite is fast enough that serialising them costs nothing a test would see.
Every write runs in one `BEGIN IMMEDIATE` transaction, and the idempotency record is
written in the same transaction as the work it protects, so a crash can never leave
money moved without the key that proves it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nara.simulators.problems import Problem

_IDEMPOTENCY_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    """What an idempotent write answered, and whether it is a replay of an earlier answer."""

    status: int
    body: dict[str, Any]
    replayed: bool


class Ledger:
    """A SQLite database with transactions and idempotency keys.

    Args:
        path: the database file; None keeps everything in memory (lost on shutdown).
        schema: the simulator's `CREATE TABLE IF NOT EXISTS` statements.
    """

    def __init__(self, path: Path | None, schema: str) -> None:
        self.path = path
        self._schema = schema + _IDEMPOTENCY_SCHEMA
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None

    def open(self) -> None:
        """Open (and create) the database now, so a bad path fails at start-up."""
        with self._lock:
            self._connection()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path) if self.path else ":memory:",
                check_same_thread=False,
                isolation_level=None,  # transactions are explicit, see `transaction`
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 5000")
            if self.path is not None:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(self._schema)
            self._conn = conn
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[dict[str, Any]]:
        """Rows of a read-only statement, as plain dicts."""
        with self._lock:
            return [dict(row) for row in self._connection().execute(sql, params)]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def run_idempotent(
        self,
        *,
        scope: str,
        key: str | None,
        request: dict[str, Any],
        work: Callable[[sqlite3.Connection], tuple[int, dict[str, Any]]],
    ) -> Outcome:
        """Do `work` once per (scope, key); a repeat of the same request replays the answer.

        Only successful answers are remembered. A rejection moves nothing, and a
        client that fixes the cause (funds arrive, an account opens) may retry with
        the same key, which a workflow deriving its key from the business key will do.

        Raises:
            Problem: 400 without a key; 409 when the key was used for a different request;
                whatever `work` raises (the transaction is then rolled back).
        """
        if not key:
            raise Problem(
                400,
                "idempotency-key-required",
                "this request moves value and needs an Idempotency-Key header",
                field="Idempotency-Key",
                fix="send a key derived from the business key, the same on every retry",
            )
        request_hash = hashlib.sha256(
            json.dumps(request, sort_keys=True, default=str).encode()
        ).hexdigest()
        with self.transaction() as conn:
            earlier = conn.execute(
                "SELECT request_hash, status, response FROM idempotency_keys"
                " WHERE scope = ? AND key = ?",
                (scope, key),
            ).fetchone()
            if earlier is not None:
                if earlier["request_hash"] != request_hash:
                    raise Problem(
                        409,
                        "idempotency-key-reused",
                        f"Idempotency-Key {key!r} was first used for a different request",
                        field="Idempotency-Key",
                        fix="use a new key for a new request; repeat the original "
                        "request unchanged to learn its result",
                    )
                return Outcome(earlier["status"], json.loads(earlier["response"]), replayed=True)
            status, body = work(conn)
            conn.execute(
                "INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?)",
                (scope, key, request_hash, status, json.dumps(body), utc_now().isoformat()),
            )
        return Outcome(status, body, replayed=False)

"""Bank simulator: accounts, transfers and their ledger, with idempotency keys and fault injection.

Endpoints:
    POST /accounts (admin token: a real bank opens accounts elsewhere), GET /accounts/{account_no}
    POST /transfers (Idempotency-Key), GET /transfers/{transfer_id},
    GET /transfers?idempotency_key=... | ?reference=...
    plus /_faults, /_ledger and /health from `nara.simulators.base`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse

from nara.partners.bank import Account, AccountOpen, Transfer, TransferList, TransferRequest
from nara.simulators.admin import ADMIN_ONLY
from nara.simulators.base import new_simulator_app, outcome_response
from nara.simulators.ledger import Ledger, utc_now
from nara.simulators.problems import Problem

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    balance INTEGER NOT NULL CHECK (balance >= 0),
    opened_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    from_account TEXT NOT NULL REFERENCES accounts (account_no),
    to_account TEXT NOT NULL REFERENCES accounts (account_no),
    reference TEXT NOT NULL,
    memo TEXT NOT NULL,
    completed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_by_reference ON transfers (reference);
"""

_TRANSFER_COLUMNS = (
    "transfer_id, idempotency_key, status, amount, from_account, to_account,"
    " reference, memo, completed_at"
)


def create_app(
    ledger_path: Path | None = None, *, admin_token: str, hang_ms: int = 30_000
) -> FastAPI:
    """The bank simulator.

    Args:
        ledger_path: SQLite file that keeps accounts and transfers across restarts;
            None keeps them in memory.
        admin_token: the bearer token of the admin routes (SIMULATOR_ADMIN_TOKEN).
        hang_ms: how long injected timeouts hang unless the fault says otherwise.

    Raises:
        ValueError: no usable admin token (see `nara.simulators.admin`).
    """
    ledger = Ledger(ledger_path, SCHEMA)
    app = new_simulator_app(
        title="Bank simulator",
        description="Accounts and idempotent transfers, with fault injection.",
        ledger=ledger,
        ledger_tables=("accounts", "transfers"),
        hang_ms=hang_ms,
        admin_token=admin_token,
    )

    @app.post(
        "/accounts",
        status_code=201,
        response_model=Account,
        tags=["accounts"],
        dependencies=ADMIN_ONLY,
    )
    def open_account(request: AccountOpen) -> JSONResponse:
        """Open an account (admin token); the same account for the same holder answers the
        existing one (200)."""
        with ledger.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM accounts WHERE account_no = ?", (request.account_no,)
            ).fetchone()
            if row is not None:
                if row["holder"] != request.holder:
                    raise Problem(
                        409,
                        "account-exists",
                        f"account {request.account_no} belongs to another holder",
                        field="account_no",
                        fix="choose another account number",
                    )
                return JSONResponse(dict(row), status_code=200)
            account = Account(
                account_no=request.account_no,
                holder=request.holder,
                balance=request.balance,
                opened_at=utc_now(),
            )
            conn.execute(
                "INSERT INTO accounts VALUES (:account_no, :holder, :balance, :opened_at)",
                account.model_dump(mode="json"),
            )
        return JSONResponse(account.model_dump(mode="json"), status_code=201)

    @app.get("/accounts/{account_no}", response_model=Account, tags=["accounts"])
    def get_account(account_no: str) -> dict[str, Any]:
        """The account and its balance."""
        rows = ledger.query("SELECT * FROM accounts WHERE account_no = ?", (account_no,))
        if not rows:
            raise Problem(404, "account-not-found", f"no account {account_no}", field="account_no")
        return rows[0]

    @app.post("/transfers", status_code=201, response_model=Transfer, tags=["transfers"])
    def create_transfer(
        request: TransferRequest,
        idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    ) -> JSONResponse:
        """Move money once per Idempotency-Key; a repeat answers the original transfer."""

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            assert idempotency_key is not None  # run_idempotent checked it
            transfer = _transfer(conn, request, idempotency_key)
            return 201, transfer.model_dump(mode="json")

        return outcome_response(
            ledger.run_idempotent(
                scope="transfers",
                key=idempotency_key,
                request=request.model_dump(mode="json"),
                work=work,
            )
        )

    @app.get("/transfers/{transfer_id}", response_model=Transfer, tags=["transfers"])
    def get_transfer(transfer_id: str) -> dict[str, Any]:
        rows = ledger.query(
            f"SELECT {_TRANSFER_COLUMNS} FROM transfers WHERE transfer_id = ?", (transfer_id,)
        )
        if not rows:
            raise Problem(
                404, "transfer-not-found", f"no transfer {transfer_id}", field="transfer_id"
            )
        return rows[0]

    @app.get("/transfers", response_model=TransferList, tags=["transfers"])
    def list_transfers(
        idempotency_key: str | None = None, reference: str | None = None
    ) -> dict[str, Any]:
        """Transfers by idempotency key (did my timed-out transfer happen?) and/or reference."""
        rows = ledger.query(
            f"SELECT {_TRANSFER_COLUMNS} FROM transfers"
            " WHERE (:key IS NULL OR idempotency_key = :key)"
            " AND (:reference IS NULL OR reference = :reference) ORDER BY seq",
            {"key": idempotency_key, "reference": reference},
        )
        return {"items": rows}

    return app


def _transfer(conn: sqlite3.Connection, request: TransferRequest, idempotency_key: str) -> Transfer:
    """Check and book one transfer inside the caller's transaction."""
    if request.amount <= 0:
        raise Problem(
            422,
            "invalid-amount",
            f"amount must be a positive number of KRW, not {request.amount}",
            field="amount",
        )
    if request.from_account == request.to_account:
        raise Problem(
            422,
            "invalid-account",
            "from_account and to_account are the same account",
            field="to_account",
            fix="send to another account",
        )
    balances = {}
    for field in ("from_account", "to_account"):
        account_no = getattr(request, field)
        row = conn.execute(
            "SELECT balance FROM accounts WHERE account_no = ?", (account_no,)
        ).fetchone()
        if row is None:
            raise Problem(
                422,
                "invalid-account",
                f"{field} {account_no} does not exist at this bank",
                field=field,
                fix="check the account number with its holder",
            )
        balances[field] = row["balance"]
    if balances["from_account"] < request.amount:
        raise Problem(
            422,
            "insufficient-funds",
            f"account {request.from_account} holds {balances['from_account']} KRW, "
            f"{request.amount} KRW were asked",
            field="amount",
            fix="fund the account, then retry with the same idempotency key",
        )
    (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM transfers").fetchone()
    transfer = Transfer(
        transfer_id=f"TRF-{seq:08d}",
        idempotency_key=idempotency_key,
        status="completed",
        amount=request.amount,
        from_account=request.from_account,
        to_account=request.to_account,
        reference=request.reference,
        memo=request.memo,
        completed_at=utc_now(),
    )
    conn.execute(
        "UPDATE accounts SET balance = balance - ? WHERE account_no = ?",
        (request.amount, request.from_account),
    )
    conn.execute(
        "UPDATE accounts SET balance = balance + ? WHERE account_no = ?",
        (request.amount, request.to_account),
    )
    conn.execute(
        f"INSERT INTO transfers (seq, {_TRANSFER_COLUMNS}) VALUES (:seq, :transfer_id,"
        " :idempotency_key, :status, :amount, :from_account, :to_account, :reference,"
        " :memo, :completed_at)",
        {"seq": seq, **transfer.model_dump(mode="json")},
    )
    return transfer

"""Guarantee agency simulator: issues, confirms and pays claims on guarantee certificates.

Endpoints:
    POST /guarantees (Idempotency-Key), GET /guarantees/{certificate_no},
    POST /guarantees/{certificate_no}/confirm,
    POST /guarantees/{certificate_no}/claims (Idempotency-Key)
    plus /_faults, /_ledger and /health from `nara.simulators.base`.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse

from nara.partners.guarantee import (
    Claim,
    ClaimRequest,
    Guarantee,
    GuaranteeConfirm,
    GuaranteeConfirmation,
    GuaranteeIssue,
    GuaranteeKind,
)
from nara.simulators.base import new_simulator_app, outcome_response
from nara.simulators.ledger import Ledger, utc_now
from nara.simulators.problems import Problem

SCHEMA = """
CREATE TABLE IF NOT EXISTS guarantees (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    business_no TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    beneficiary TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL,
    claimed_amount INTEGER NOT NULL DEFAULT 0 CHECK (claimed_amount <= amount),
    issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id TEXT NOT NULL UNIQUE,
    certificate_no TEXT NOT NULL REFERENCES guarantees (certificate_no),
    amount INTEGER NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    paid_at TEXT NOT NULL
);
"""

_CERTIFICATE_PREFIX = {
    GuaranteeKind.BID: "BG",
    GuaranteeKind.PERFORMANCE: "PG",
    GuaranteeKind.ADVANCE_PAYMENT: "AG",
    GuaranteeKind.DEFECT: "DG",
}
_KST = timezone(timedelta(hours=9), "KST")  # validity dates are Korean calendar days


def create_app(
    ledger_path: Path | None = None, *, admin_token: str, hang_ms: int = 30_000
) -> FastAPI:
    """The guarantee agency simulator.

    Args:
        ledger_path: SQLite file that keeps certificates and claims across restarts;
            None keeps them in memory.
        admin_token: the bearer token of the admin routes (SIMULATOR_ADMIN_TOKEN).
        hang_ms: how long injected timeouts hang unless the fault says otherwise.

    Raises:
        ValueError: no usable admin token (see `nara.simulators.admin`).
    """
    ledger = Ledger(ledger_path, SCHEMA)
    app = new_simulator_app(
        title="Guarantee agency simulator",
        description="Bid, performance, advance-payment and defect guarantees; fault injection.",
        ledger=ledger,
        ledger_tables=("guarantees", "claims"),
        hang_ms=hang_ms,
        admin_token=admin_token,
    )

    def find(certificate_no: str) -> Guarantee | None:
        rows = ledger.query("SELECT * FROM guarantees WHERE certificate_no = ?", (certificate_no,))
        return Guarantee.model_validate(rows[0]) if rows else None

    @app.post("/guarantees", status_code=201, response_model=Guarantee, tags=["guarantees"])
    def issue(
        request: GuaranteeIssue, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
    ) -> JSONResponse:
        """Issue a certificate once per Idempotency-Key; a repeat answers the first certificate."""

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            return 201, _issue(conn, request).model_dump(mode="json")

        return outcome_response(
            ledger.run_idempotent(
                scope="guarantees",
                key=idempotency_key,
                request=request.model_dump(mode="json"),
                work=work,
            )
        )

    @app.get("/guarantees/{certificate_no}", response_model=Guarantee, tags=["guarantees"])
    def get(certificate_no: str) -> Guarantee:
        """The certificate as the agency holds it."""
        guarantee = find(certificate_no)
        if guarantee is None:
            raise _not_found(404, certificate_no)
        return guarantee

    @app.post(
        "/guarantees/{certificate_no}/confirm",
        response_model=GuaranteeConfirmation,
        tags=["guarantees"],
    )
    def confirm(certificate_no: str, request: GuaranteeConfirm) -> GuaranteeConfirmation:
        """Confirm the certificate secures what the contracting agency expects (422 if not)."""
        guarantee = find(certificate_no)
        if guarantee is None:
            raise _not_found(422, certificate_no)
        _check_confirmable(guarantee, request)
        return GuaranteeConfirmation(
            confirmed=True,
            certificate_no=guarantee.certificate_no,
            kind=guarantee.kind,
            reference=guarantee.reference,
            business_no=guarantee.business_no,
            amount=guarantee.amount,
            valid_until=guarantee.valid_until,
            confirmed_at=utc_now(),
        )

    @app.post(
        "/guarantees/{certificate_no}/claims",
        status_code=201,
        response_model=Claim,
        tags=["claims"],
    )
    def claim(
        certificate_no: str,
        request: ClaimRequest,
        idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    ) -> JSONResponse:
        """Pay a claim once per Idempotency-Key; claims may not exceed the guaranteed amount."""

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            return 201, _claim(conn, certificate_no, request).model_dump(mode="json")

        return outcome_response(
            ledger.run_idempotent(
                scope="claims",
                key=idempotency_key,
                request={"certificate_no": certificate_no, **request.model_dump(mode="json")},
                work=work,
            )
        )

    return app


def _today() -> date:
    return datetime.now(_KST).date()


def _not_found(status: int, certificate_no: str) -> Problem:
    return Problem(
        status,
        "guarantee-not-found",
        f"no guarantee certificate {certificate_no} at this agency",
        field="certificate_no",
        fix="check the certificate number with the business",
    )


def _same_business(a: str, b: str) -> bool:
    """Business numbers compare by digits: 123-45-67890 is 1234567890."""
    return a.replace("-", "").strip() == b.replace("-", "").strip()


def _issue(conn: sqlite3.Connection, request: GuaranteeIssue) -> Guarantee:
    if request.amount <= 0:
        raise Problem(
            422,
            "invalid-amount",
            f"amount must be a positive number of KRW, not {request.amount}",
            field="amount",
        )
    if request.valid_until is not None and request.valid_until < _today():
        raise Problem(
            422,
            "invalid-validity",
            f"valid_until {request.valid_until} is in the past",
            field="valid_until",
            fix="ask for a validity that covers the contract",
        )
    (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM guarantees").fetchone()
    issued_at = utc_now()
    guarantee = Guarantee(
        certificate_no=f"{_CERTIFICATE_PREFIX[request.kind]}-{issued_at:%Y}-{seq:06d}",
        kind=request.kind,
        reference=request.reference,
        business_no=request.business_no,
        amount=request.amount,
        beneficiary=request.beneficiary,
        valid_until=request.valid_until,
        status="issued",
        claimed_amount=0,
        issued_at=issued_at,
    )
    conn.execute(
        "INSERT INTO guarantees (seq, certificate_no, kind, reference, business_no, amount,"
        " beneficiary, valid_until, status, claimed_amount, issued_at) VALUES (:seq,"
        " :certificate_no, :kind, :reference, :business_no, :amount, :beneficiary,"
        " :valid_until, :status, :claimed_amount, :issued_at)",
        {"seq": seq, **guarantee.model_dump(mode="json")},
    )
    return guarantee


def _check_confirmable(guarantee: Guarantee, request: GuaranteeConfirm) -> None:
    """Raise the first reason the certificate does not secure what was asked."""
    if guarantee.kind != request.kind:
        raise Problem(
            422,
            "wrong-kind",
            f"{guarantee.certificate_no} is a {guarantee.kind} guarantee, not {request.kind}",
            field="kind",
            fix=f"submit a {request.kind} guarantee certificate",
        )
    if guarantee.reference != request.reference:
        raise Problem(
            422,
            "reference-mismatch",
            f"{guarantee.certificate_no} secures {guarantee.reference}, not {request.reference}",
            field="reference",
            fix="submit the certificate issued for this notice or contract",
        )
    if not _same_business(guarantee.business_no, request.business_no):
        raise Problem(
            422,
            "reference-mismatch",
            f"{guarantee.certificate_no} was issued to business {guarantee.business_no}, "
            f"not {request.business_no}",
            field="business_no",
            fix="submit the certificate issued to this business",
        )
    if guarantee.status == "claimed":
        raise Problem(
            422,
            "guarantee-claimed",
            f"{guarantee.certificate_no} has already been claimed",
            field="certificate_no",
            fix="the business needs a new guarantee",
        )
    if guarantee.valid_until is not None and guarantee.valid_until < _today():
        raise Problem(
            422,
            "guarantee-expired",
            f"{guarantee.certificate_no} expired on {guarantee.valid_until}",
            field="valid_until",
            fix="the business needs a guarantee that is still valid",
        )
    if guarantee.amount < request.min_amount:
        raise Problem(
            422,
            "amount-too-low",
            f"{guarantee.certificate_no} guarantees {guarantee.amount} KRW, "
            f"at least {request.min_amount} KRW are required",
            field="amount",
            fix="the business needs a guarantee for at least the required amount",
        )


def _claim(conn: sqlite3.Connection, certificate_no: str, request: ClaimRequest) -> Claim:
    row = conn.execute(
        "SELECT amount, claimed_amount FROM guarantees WHERE certificate_no = ?", (certificate_no,)
    ).fetchone()
    if row is None:
        raise _not_found(404, certificate_no)
    if request.amount <= 0:
        raise Problem(
            422,
            "invalid-amount",
            f"a claim must be a positive number of KRW, not {request.amount}",
            field="amount",
        )
    left = row["amount"] - row["claimed_amount"]
    if request.amount > left:
        raise Problem(
            422,
            "claim-exceeds-guarantee",
            f"{certificate_no} has {left} KRW left to claim of {row['amount']} KRW, "
            f"{request.amount} KRW were claimed",
            field="amount",
            fix=f"claim at most {left} KRW",
        )
    (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM claims").fetchone()
    claim = Claim(
        claim_id=f"CLM-{seq:08d}",
        certificate_no=certificate_no,
        amount=request.amount,
        reason=request.reason,
        status="paid",
        paid_at=utc_now(),
    )
    conn.execute(
        "INSERT INTO claims (seq, claim_id, certificate_no, amount, reason, status, paid_at)"
        " VALUES (:seq, :claim_id, :certificate_no, :amount, :reason, :status, :paid_at)",
        {"seq": seq, **claim.model_dump(mode="json")},
    )
    conn.execute(
        "UPDATE guarantees SET claimed_amount = claimed_amount + ?, status = 'claimed'"
        " WHERE certificate_no = ?",
        (request.amount, certificate_no),
    )
    return claim

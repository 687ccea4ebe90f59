"""Certificate authority simulator: certifies people's keys, revokes, publishes a CRL.

Endpoints:
    POST /certificates (admin): certify the key of a CSR for a person (and a business)
    GET /certificates/{serial}: the certificate and whether it is revoked
    POST /certificates/{serial}/revoke (admin): revoke it; the next CRL lists it
    GET /crl: the revocation list, DER (`application/pkix-crl`), signed by the root
    GET /ca.pem: the root certificate
    plus /_faults, /_ledger and /health from `nara.simulators.base`.

Issue and revoke are admin routes (`nara.simulators.admin`: `Authorization: Bearer <the
simulators' admin token>`): the token stands in for the registration desk where a real CA
checks a person's papers before certifying a key, so nobody on the network can mint a
certificate in another person's name. The profile of
what is issued is described in `nara.partners.ca`.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from nara.partners.ca import (
    CRL_MEDIA_TYPE,
    CertificateRequest,
    IssuedCertificate,
    RevocationRequest,
)
from nara.simulators.admin import ADMIN_ONLY
from nara.simulators.authority import (
    CLOCK_SKEW,
    CertificateAuthority,
    Revoked,
    fingerprint,
    serial_hex,
)
from nara.simulators.base import new_simulator_app
from nara.simulators.ledger import Ledger, utc_now
from nara.simulators.problems import Problem

SCHEMA = """
CREATE TABLE IF NOT EXISTS certificates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    serial TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    business_no TEXT,
    fingerprint_sha256 TEXT NOT NULL UNIQUE,
    not_before TEXT NOT NULL,
    not_after TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    revoked_at TEXT,
    revocation_reason TEXT
);
"""


def create_app(
    ledger_path: Path | None = None,
    *,
    ca_dir: Path,
    admin_token: str | None,
    hang_ms: int = 30_000,
) -> FastAPI:
    """The CA simulator.

    Args:
        ledger_path: SQLite file of issued and revoked certificates; None keeps them in
            memory (then a restart forgets revocations, so `nara dev` always gives a file).
        ca_dir: where the root key and certificate live (made on first start).
        admin_token: the bearer token of issue, revoke and the simulator's admin routes.
        hang_ms: how long injected timeouts hang unless the fault says otherwise.

    Raises:
        ValueError: no usable admin token (the CA never issues to anyone who asks).
    """
    ledger = Ledger(ledger_path, SCHEMA)
    app = new_simulator_app(
        title="Certificate authority simulator",
        description="Personal certificates for the people of the back office; CRL; revocation.",
        ledger=ledger,
        ledger_tables=("certificates",),
        hang_ms=hang_ms,
        admin_token=admin_token or "",
    )
    authority, _ = CertificateAuthority.load_or_create(ca_dir)
    app.state.authority = authority
    crl = _CrlCache(authority, ledger)

    @app.post(
        "/certificates",
        status_code=201,
        response_model=IssuedCertificate,
        tags=["certificates"],
        dependencies=ADMIN_ONLY,
    )
    def issue(request: CertificateRequest) -> JSONResponse:
        """Certify the CSR's key for the person (the CSR's signature proves its key)."""
        csr = _csr(request.csr_pem)
        not_before = request.not_before or (utc_now() - CLOCK_SKEW)
        not_after = request.not_after or (not_before + timedelta(days=request.valid_days))
        if not_after <= not_before:
            raise Problem(
                422,
                "invalid-validity",
                f"not_after {not_after.isoformat()} is not after not_before "
                f"{not_before.isoformat()}",
                field="not_after",
            )
        try:
            certificate = authority.issue(
                csr,
                person_id=request.person_id,
                business_no=request.business_no,
                not_before=not_before,
                not_after=not_after,
            )
        except ValueError as error:
            raise Problem(422, "invalid-key", str(error), field="csr_pem") from error
        row = _row(certificate, request)
        with ledger.transaction() as conn:
            conn.execute(
                "INSERT INTO certificates (serial, person_id, business_no, fingerprint_sha256,"
                " not_before, not_after, certificate_pem, issued_at) VALUES (:serial,"
                " :person_id, :business_no, :fingerprint_sha256, :not_before, :not_after,"
                " :certificate_pem, :issued_at)",
                row,
            )
        return JSONResponse(_answer(row), status_code=201)

    @app.get("/certificates/{serial}", response_model=IssuedCertificate, tags=["certificates"])
    def get_certificate(serial: str) -> dict[str, Any]:
        """The certificate with this serial (hex) and its status."""
        return _answer(_find(ledger, serial))

    @app.post(
        "/certificates/{serial}/revoke",
        response_model=IssuedCertificate,
        tags=["certificates"],
        dependencies=ADMIN_ONLY,
    )
    def revoke(serial: str, request: RevocationRequest) -> dict[str, Any]:
        """Revoke a certificate; revoking it again answers the first revocation."""
        with ledger.transaction() as conn:
            row = _find(ledger, serial)
            if row["revoked_at"] is None:
                conn.execute(
                    "UPDATE certificates SET revoked_at = ?, revocation_reason = ?"
                    " WHERE serial = ?",
                    (utc_now().isoformat(), request.reason, row["serial"]),
                )
        crl.invalidate()
        return _answer(_find(ledger, serial))

    @app.get(
        "/crl",
        response_class=Response,
        tags=["revocation"],
        responses={200: {"content": {CRL_MEDIA_TYPE: {}}}},
    )
    def get_crl() -> Response:
        """The certificate revocation list (DER), signed by the root."""
        return Response(crl.current(), media_type=CRL_MEDIA_TYPE)

    @app.get("/ca.pem", response_class=Response, tags=["revocation"])
    def get_root() -> Response:
        """The root certificate (PEM): what relying parties put in TRUSTED_CA_CERTS."""
        return Response(authority.root_pem, media_type="application/x-pem-file")

    return app


class _CrlCache:
    """The CRL, signed again only after a revocation or when half its validity has passed."""

    def __init__(self, authority: CertificateAuthority, ledger: Ledger) -> None:
        self._authority = authority
        self._ledger = ledger
        self._lock = threading.Lock()
        self._der: bytes | None = None
        self._signed_at = datetime.min.replace(tzinfo=UTC)

    def invalidate(self) -> None:
        with self._lock:
            self._der = None

    def current(self) -> bytes:
        with self._lock:
            now = utc_now()
            if self._der is None or now - self._signed_at > timedelta(minutes=5):
                rows = self._ledger.query(
                    "SELECT serial, revoked_at, revocation_reason FROM certificates"
                    " WHERE revoked_at IS NOT NULL ORDER BY revoked_at"
                )
                revoked = [
                    Revoked(
                        int(r["serial"], 16),
                        datetime.fromisoformat(r["revoked_at"]),
                        x509.ReasonFlags[r["revocation_reason"] or "unspecified"],
                    )
                    for r in rows
                ]
                # CRL numbers must grow, across restarts too: milliseconds since 1970 do.
                number = int(now.timestamp() * 1000)
                self._der = self._authority.crl(revoked, number=number, now=now)
                self._signed_at = now
            return self._der


def _csr(pem: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
    except ValueError as error:
        raise Problem(
            422,
            "invalid-csr",
            f"csr_pem is not a PEM certificate request: {error}",
            field="csr_pem",
        ) from error
    if not csr.is_signature_valid:
        raise Problem(
            422,
            "invalid-csr",
            "the CSR's signature does not verify: it was not signed by the key it names",
            field="csr_pem",
            fix="sign the CSR with the private key to be certified",
        )
    return csr


def _row(certificate: x509.Certificate, request: CertificateRequest) -> dict[str, Any]:
    return {
        "serial": serial_hex(certificate.serial_number),
        "person_id": request.person_id,
        "business_no": request.business_no,
        "fingerprint_sha256": fingerprint(certificate),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        "issued_at": utc_now().isoformat(),
        "revoked_at": None,
        "revocation_reason": None,
    }


def _find(ledger: Ledger, serial: str) -> dict[str, Any]:
    rows = ledger.query("SELECT * FROM certificates WHERE serial = ?", (serial.lower(),))
    if not rows:
        raise Problem(404, "certificate-not-found", f"no certificate {serial}", field="serial")
    return rows[0]


def _answer(row: dict[str, Any] | sqlite3.Row) -> dict[str, Any]:
    row = dict(row)
    return {
        "serial": row["serial"],
        "person_id": row["person_id"],
        "business_no": row["business_no"],
        "fingerprint_sha256": row["fingerprint_sha256"],
        "not_before": row["not_before"],
        "not_after": row["not_after"],
        "certificate_pem": row["certificate_pem"],
        "status": "revoked" if row["revoked_at"] else "valid",
        "revoked_at": row["revoked_at"],
        "revocation_reason": row["revocation_reason"],
    }

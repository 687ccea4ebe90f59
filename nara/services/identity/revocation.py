"""Revocation: the CA's CRL, fetched, checked against the trusted roots, kept a short while.

One CRL per API process, re-read when it is older than `max_age_s` (CRL_MAX_AGE_S, 30 s
by default); concurrent requests share one fetch. A CRL counts only if a trusted root
signed it. Two uses, two rules when the CA cannot be reached:

- a login needs a CRL inside its own validity (`nextUpdate` not passed at the server's
  time): without one, no login is accepted (`TrustUnavailable`, 503; fail closed);
- an open session is checked against the newest CRL that ever verified, however old: the
  session's certificate was checked against a current CRL at login, and an outage of the
  CA should not log everybody out. The warning is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from cryptography import x509

from nara.domain.errors import NaraError, TrustUnavailable
from nara.services.identity.certificates import TrustedRoots

log = structlog.get_logger("nara.identity")


@dataclass(frozen=True)
class Crl:
    """A verified CRL: the revoked serials (lower-case hex) and until when it is good."""

    revoked: frozenset[str]
    next_update: datetime | None
    fetched_at: float
    """`time.monotonic()` of the fetch."""


class RevocationList:
    """The CA's revocation list as this process last read it.

    Args:
        roots: the trusted roots; a CRL must be signed by one of them.
        fetch: reads the CRL's DER from the CA (e.g. `CertificateAuthorityClient.crl`).
        max_age_s: re-read a CRL older than this.
    """

    def __init__(
        self, roots: TrustedRoots, fetch: Callable[[], Awaitable[bytes]], *, max_age_s: float
    ) -> None:
        self.roots = roots
        self._fetch = fetch
        self.max_age_s = max_age_s
        self._crl: Crl | None = None
        self._lock = asyncio.Lock()
        self.last_error: str | None = None

    async def current(self) -> Crl | None:
        """The newest CRL that verified, re-read if older than `max_age_s`."""
        crl = self._crl
        if crl is not None and time.monotonic() - crl.fetched_at < self.max_age_s:
            return crl
        async with self._lock:
            crl = self._crl
            if crl is not None and time.monotonic() - crl.fetched_at < self.max_age_s:
                return crl
            try:
                self._crl = self._verify(await self._fetch())
                self.last_error = None
            except (NaraError, ValueError) as error:
                self.last_error = str(error)
                log.warning("revocation list unavailable", error=self.last_error)
            return self._crl

    def _verify(self, der: bytes) -> Crl:
        crl = x509.load_der_x509_crl(der)
        signer = next(
            (
                root
                for root in self.roots.roots
                if crl.issuer == root.subject and crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
            ),
            None,
        )
        if signer is None:
            raise ValueError(f"the CRL of {crl.issuer.rfc4514_string()} is not signed by a root")
        return Crl(
            revoked=frozenset(f"{entry.serial_number:x}" for entry in crl),
            next_update=crl.next_update_utc,
            fetched_at=time.monotonic(),
        )

    async def for_login(self, now: datetime) -> frozenset[str]:
        """Revoked serials from a CRL current at `now`; TrustUnavailable without one."""
        crl = await self.current()
        if crl is None or (crl.next_update is not None and crl.next_update < now):
            raise TrustUnavailable(
                "the certificate authority's revocation list cannot be read or is out of "
                f"date ({self.last_error or 'stale'}), so no certificate can be checked now",
                fix="retry in a moment; if it persists, check CA_URL and the CA",
            )
        return crl.revoked

    async def for_session(self) -> frozenset[str]:
        """Revoked serials from the newest CRL that verified (empty before the first)."""
        crl = await self.current()
        if crl is None:
            return frozenset()
        if crl.next_update is not None and crl.next_update < datetime.now(UTC):
            log.warning("checking sessions against an out-of-date revocation list")
        return crl.revoked

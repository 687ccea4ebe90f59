"""Many people at once, each logging in as they would: for the demo, benchmarks and tests.

A `Keyring` asks the CA to certify a fresh key for each person it is told about (it plays
the CA's registration desk, so it holds the CA's admin token), logs them in by challenge,
and keeps their session tokens:

    keyring = Keyring(ca_url, admin_token=token)
    await keyring.login(http, "officer-1230000")
    await http.post("/tenders", json=..., headers=keyring.headers("officer-1230000"))
"""

from __future__ import annotations

import asyncio

import httpx

from nara.partners.ca import CertificateAuthorityClient
from nara.wallet.keys import Credential
from nara.wallet.login import Session, enrol, login


class Keyring:
    """Credentials and sessions of many people, by person id.

    Args:
        ca_url: the certificate authority.
        admin_token: its admin token (issuing a certificate is an admin call).
    """

    def __init__(self, ca_url: str, *, admin_token: str, timeout_s: float = 10.0) -> None:
        self.ca = CertificateAuthorityClient(ca_url, timeout_s, admin_token=admin_token)
        self.credentials: dict[str, Credential] = {}
        self.sessions: dict[str, Session] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def credential(self, person_id: str, *, business_no: str | None = None) -> Credential:
        """The person's credential, certified by the CA on first use."""
        lock = self._locks.setdefault(person_id, asyncio.Lock())
        async with lock:
            if person_id not in self.credentials:
                self.credentials[person_id] = await enrol(
                    self.ca, person_id, business_no=business_no
                )
            return self.credentials[person_id]

    async def login(
        self, http: httpx.AsyncClient, person_id: str, *, business_no: str | None = None
    ) -> Session:
        """Log the person in (a certificate first, if they have none); their session."""
        session = await login(http, await self.credential(person_id, business_no=business_no))
        self.sessions[person_id] = session
        return session

    def headers(self, person_id: str) -> dict[str, str]:
        """`Authorization: Bearer <token>` of the person's session; KeyError names who is
        not logged in."""
        try:
            return self.sessions[person_id].headers
        except KeyError:
            raise KeyError(f"{person_id} has not logged in (Keyring.login first)") from None

    async def aclose(self) -> None:
        await self.ca.aclose()

"""Many people at once, each logging in as they would: for the demo, benchmarks and tests.

A `Keyring` asks the CA to certify a fresh key for each person it is told about (it plays
the CA's registration desk, so it holds the CA's admin token), logs them in by challenge,
and keeps their session tokens:

    keyring = Keyring(ca_url, admin_token=token)
    await keyring.login(http, "officer-1230000")
    await http.post("/tenders", json=..., headers=keyring.headers("officer-1230000"))

A supplier's agent also gets a passkey on a software authenticator of their own
(`enrol_passkey`, after a certificate login) and confirms every bid with it; `bid_body`
seals, signs and confirms a bid as the bidder client does (`nara.wallet.bidder`);
`passkey_login` then logs them in without the certificate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from nara.partners.ca import CertificateAuthorityClient
from nara.wallet.bidder import TenderKey, fetch_tender_key, sealed_bid
from nara.wallet.keys import Credential
from nara.wallet.login import Session, enrol, login
from nara.wallet.passkey_api import enrol_passkey, passkey_login
from nara.wallet.passkeys import SoftwareAuthenticator


class Keyring:
    """Credentials and sessions of many people, by person id.

    Args:
        ca_url: the certificate authority.
        admin_token: its admin token (issuing a certificate is an admin call).
    """

    def __init__(
        self,
        ca_url: str,
        *,
        admin_token: str,
        timeout_s: float = 10.0,
        passkey_origin: str = "http://localhost:8000",
    ) -> None:
        self.ca = CertificateAuthorityClient(ca_url, timeout_s, admin_token=admin_token)
        self.passkey_origin = passkey_origin
        """The back office's WEBAUTHN_ORIGIN (where a browser would be)."""
        self.credentials: dict[str, Credential] = {}
        self.sessions: dict[str, Session] = {}
        self.authenticators: dict[str, SoftwareAuthenticator] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tender_keys: dict[str, TenderKey] = {}

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

    async def enrol_passkey(self, http: httpx.AsyncClient, person_id: str) -> dict[str, Any]:
        """A passkey on the person's own software authenticator, enrolled from their
        (certificate) session; the passkey as `GET /passkeys` shows it."""
        device = self.authenticators.setdefault(person_id, SoftwareAuthenticator())
        return await enrol_passkey(
            http, self.headers(person_id), device, origin=self.passkey_origin
        )

    def sealed_bid(
        self, person_id: str, tender_key: TenderKey, bid: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The bid body: sealed to the tender key, signed with the person's certificate key,
        confirmed with their passkey."""
        try:
            device = self.authenticators[person_id]
        except KeyError:
            raise KeyError(f"{person_id} has no passkey (Keyring.enrol_passkey first)") from None
        try:
            credential = self.credentials[person_id]
        except KeyError:
            raise KeyError(f"{person_id} has no certificate (Keyring.login first)") from None
        return sealed_bid(credential, device, tender_key, bid, origin=self.passkey_origin)

    async def tender_key(
        self,
        http: httpx.AsyncClient,
        notice_no: str,
        *,
        read: Callable[[], Awaitable[TenderKey]] | None = None,
    ) -> TenderKey:
        """The tender's sealing key, fetched once per tender (by `read` when given: a
        caller with its own retries)."""
        key = self._tender_keys.get(notice_no)
        if key is None:
            fetched = await (read() if read else fetch_tender_key(http, notice_no))
            key = self._tender_keys[notice_no] = fetched
        return key

    async def bid_body(
        self, http: httpx.AsyncClient, person_id: str, notice_no: str, bid: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`sealed_bid` with the tender's key fetched from the back office."""
        return self.sealed_bid(person_id, await self.tender_key(http, notice_no), bid)

    async def passkey_login(self, http: httpx.AsyncClient, person_id: str) -> Session:
        """Log the person in with their passkey; their session (also `headers` from now)."""
        session = await passkey_login(
            http, self.authenticators[person_id], origin=self.passkey_origin
        )
        self.sessions[person_id] = session
        return session

    async def aclose(self) -> None:
        await self.ca.aclose()

    async def __aenter__(self) -> Keyring:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

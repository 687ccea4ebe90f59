"""The public API as people use it, and the error that stops the demo."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from nara.wallet import LoginFailed
from nara.wallet.bidder import (
    ReceiptInvalid,
    TenderKey,
    body_sha256,
    check_receipt,
    server_keys_of,
)
from nara.wallet.keyring import Keyring

BUSY_RETRIES = 6
"""A 503 is asked again this many times, each wait twice the last (Retry-After first, at
most BUSY_WAIT_MAX_S): about 35 s in all, as a person would press the button again."""
BUSY_WAIT_MAX_S = 10.0


class DemoError(RuntimeError):
    """The demo could not go on; the message says where and what to look at."""


class Api:
    """The public API as people use it: one HTTP call, with the person's session.

    Every person of the cast logs in as they would (`login`): a key certified by the CA
    (the keyring plays the CA's registration desk), a signed challenge, a session token.
    Agents then enrol a passkey on a software authenticator (`enrol_passkey`) and confirm
    every bid with it (`bid`), the fingerprint step of a real bidder.
    """

    def __init__(self, http: httpx.AsyncClient, keyring: Keyring) -> None:
        self.http = http
        self.keyring = keyring
        # One authenticator confirms one bid at a time: its signature counter must reach
        # the server in the order it was signed, so a person's bids go one after another.
        self._devices: dict[str, asyncio.Lock] = {}
        self._server_keys: dict[str, Ed25519PublicKey] | None = None

    async def login(self, person: str, *, business_no: str | None = None) -> None:
        """Log `person` in; DemoError says why the API or the CA refused."""
        try:
            await self.keyring.login(self.http, person, business_no=business_no)
        except LoginFailed as error:
            raise DemoError(f"{person} could not log in: {error}") from error

    async def enrol_passkey(self, person: str) -> None:
        """Give `person` a passkey, enrolled from their certificate session."""
        try:
            await self.keyring.enrol_passkey(self.http, person)
        except LoginFailed as error:
            raise DemoError(f"{person} could not enrol a passkey: {error}") from error

    async def bid(self, person: str, notice: str, body: dict[str, Any]) -> Any:
        """`POST /tenders/{notice}/bids` as the bidder client sends it (sealed to the tender's
        key, signed, confirmed with `person`'s passkey); the receipt, checked."""

        # The keys are read with `call`, as every other read: a busy API (503) is asked
        # again, not taken for a failed bid.
        async def read() -> TenderKey:
            return TenderKey.from_json(await self.call("GET", f"/tenders/{notice}/sealing-key"))

        key = await self.keyring.tender_key(self.http, notice, read=read)
        async with self._devices.setdefault(person, asyncio.Lock()):
            sealed = self.keyring.sealed_bid(person, key, body)
            answer = await self.call("POST", f"/tenders/{notice}/bids", person=person, json=sealed)
        if self._server_keys is None:
            self._server_keys = server_keys_of(await self.call("GET", "/.well-known/nara-keys"))
        try:
            check_receipt(
                answer, self._server_keys, notice_no=notice, bid_sha256=body_sha256(sealed, notice)
            )
        except ReceiptInvalid as error:
            raise DemoError(
                f"the receipt of {person}'s bid on {notice} is not valid: {error}"
            ) from error
        return answer

    async def call(
        self,
        method: str,
        path: str,
        *,
        person: str | None = None,
        json: Any = None,
        ok: Sequence[int] = (200, 201, 202),
    ) -> Any:
        """Make one call; its JSON body, or DemoError with the problem's title and detail.

        A 503 (the API busy: "nothing was changed") is retried after its Retry-After, then
        twice as long each time, up to BUSY_RETRIES times, as a person would press the
        button again (a saturated API needs longer than a second); so is a read whose
        connection broke. A person whose session ended (idle through a long week) logs in
        again, once, and the call is made again."""
        headers = self.keyring.headers(person) if person else {}
        # One key per call, the same on every retry of it: a POST whose answer was lost (a
        # timeout, a 503 after the workflow acted) is answered from its first outcome.
        retry = {"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}
        headers = {**headers, **retry}
        logged_in_again = False
        for attempt in range(BUSY_RETRIES + 1):
            try:
                response = await self.http.request(method, path, json=json, headers=headers)
            except httpx.TransportError as error:
                if method == "GET" and attempt < BUSY_RETRIES:  # a read is safe to repeat
                    await asyncio.sleep(0.5)
                    continue
                raise DemoError(f"{method} {path} failed: {error!r}") from error
            except httpx.HTTPError as error:
                raise DemoError(f"{method} {path} failed: {error!r}") from error
            if person and not logged_in_again and _session_ended(response):
                # Idle or expired (a long week): log in again, as the person would, once.
                await self.login(person)
                headers, logged_in_again = {**self.keyring.headers(person), **retry}, True
                continue
            if response.status_code != 503 or 503 in ok or attempt == BUSY_RETRIES:
                break
            wait = float(response.headers.get("Retry-After") or 1) * 2**attempt
            await asyncio.sleep(min(BUSY_WAIT_MAX_S, wait))
        if response.status_code not in ok:
            raise DemoError(f"{method} {path} answered {response.status_code}: {_why(response)}")
        return response.json() if response.content else None

    async def tender(self, notice: str) -> dict[str, Any]:
        """`GET /tenders/{notice}`: the row and the workflow's live state."""
        detail: dict[str, Any] = await self.call("GET", f"/tenders/{notice}")
        return detail


def _session_ended(response: httpx.Response) -> bool:
    """A 401 saying the person's session ended (idle, expired, logged out)."""
    if response.status_code != 401:
        return False
    try:
        return bool(response.json().get("code") == "session-ended")
    except ValueError:
        return False


def _why(response: httpx.Response) -> str:
    try:
        problem = response.json()
        return f"{problem.get('title')}: {problem.get('detail')}"
    except ValueError:
        return response.text[:300]

"""The person's passkey calls to the back office, with the software authenticator.

    device = SoftwareAuthenticator(path)                    # nara.wallet.passkeys
    await enrol_passkey(http, session.headers, device, origin=origin)   # after a login
    # before every bid: nara.wallet.bidder.sealed_bid(credential, device, tender_key, bid)
    session = await passkey_login(http, device, origin=origin)          # the everyday login

`origin` is the web origin the back office expects passkeys on (its WEBAUTHN_ORIGIN): a
browser would be there; the software authenticator writes it into the client data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from nara.wallet.login import LoginFailed, Session
from nara.wallet.passkeys import SoftwareAuthenticator


class PasskeyFailed(LoginFailed):
    """The API refused a passkey step; `code`, `reason` and `detail` say why."""


async def _json(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if not response.is_success:
        raise PasskeyFailed(response.status_code, body if isinstance(body, dict) else {})
    return body


async def enrol_passkey(
    http: httpx.AsyncClient,
    headers: Mapping[str, str],
    device: SoftwareAuthenticator,
    *,
    origin: str,
    name: str = "software passkey",
) -> dict[str, Any]:
    """Make a passkey on `device` and enrol it for the person of the session `headers`
    (a certificate login); the enrolled passkey as `GET /passkeys` shows it."""
    options = await _json(await http.post("/passkeys/registration/options", headers=dict(headers)))
    credential = device.create(options["public_key"], origin=origin)
    enrolled: dict[str, Any] = await _json(
        await http.post(
            "/passkeys/registration",
            headers=dict(headers),
            json={"challenge_id": options["challenge_id"], "name": name, "credential": credential},
        )
    )
    return enrolled


async def list_passkeys(http: httpx.AsyncClient, headers: Mapping[str, str]) -> list[Any]:
    """`GET /passkeys`: the session's person's passkeys in use."""
    found: list[Any] = await _json(await http.get("/passkeys", headers=dict(headers)))
    return found


async def passkey_login(
    http: httpx.AsyncClient,
    device: SoftwareAuthenticator,
    *,
    origin: str,
    user_name: str | None = None,
) -> Session:
    """Log in with the newest passkey on `device` (of `user_name`, when it holds several
    people's): `POST /auth/passkey/options`, the authenticator, `POST /auth/passkey`."""
    options = await _json(await http.post("/auth/passkey/options"))
    assertion = device.get(options["public_key"], origin=origin, user_name=user_name)
    body = await _json(
        await http.post(
            "/auth/passkey",
            json={"challenge_id": options["challenge_id"], "assertion": assertion},
        )
    )
    return Session(
        token=str(body["token"]),
        expires_at=datetime.fromisoformat(body["expires_at"]),
        person_id=str(body["person"]["id"]),
        role=str(body["role"]),
    )

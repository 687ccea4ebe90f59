"""Becoming somebody to the back office: a certificate from the CA, then login by challenge.

ca = CertificateAuthorityClient(ca_url, admin_token=token)   # the registration desk
credential = await enrol(ca, "officer-1230000")
session = await login(http, credential)       # POST /auth/challenge, POST /auth/login
await http.get("/tenders", headers=session.headers)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from nara.partners.ca import CertificateAuthorityClient
from nara.wallet.keys import Credential, csr_pem, new_key


class LoginFailed(RuntimeError):
    """The API refused a step of the login; `code`, `reason` and `detail` say why."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code") or f"http-{status}")
        self.reason = problem.get("reason")
        self.detail = str(problem.get("detail") or "")
        super().__init__(f"{status} {self.code}: {self.detail}")


@dataclass(frozen=True)
class Session:
    """A logged-in session: the bearer token and whom it names."""

    token: str
    expires_at: datetime
    person_id: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        """The header every request of this person carries."""
        return {"Authorization": f"Bearer {self.token}"}


async def enrol(
    ca: CertificateAuthorityClient,
    person_id: str,
    *,
    business_no: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Credential:
    """A new key for `person_id`, certified by the CA (for an agent: bound to a business)."""
    key = new_key()
    issued = await ca.issue(
        csr_pem=csr_pem(key, person_id),
        person_id=person_id,
        business_no=business_no,
        not_before=not_before,
        not_after=not_after,
    )
    return Credential(person_id, key, issued.certificate_pem)


async def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:300]}
    if not response.is_success:
        raise LoginFailed(response.status_code, body if isinstance(body, dict) else {})
    assert isinstance(body, dict)
    return body


async def challenge(http: httpx.AsyncClient, person_id: str) -> dict[str, Any]:
    """`POST /auth/challenge`: {challenge_id, nonce (base64), expires_at}."""
    return await _json(await http.post("/auth/challenge", json={"person_id": person_id}))


async def answer(
    http: httpx.AsyncClient, credential: Credential, issued: dict[str, Any]
) -> Session:
    """`POST /auth/login` with the signed nonce of the challenge `issued`."""
    nonce = base64.b64decode(issued["nonce"])
    body = await _json(
        await http.post(
            "/auth/login",
            json={
                "challenge_id": issued["challenge_id"],
                "certificate": credential.certificate_pem,
                "signature": credential.sign_login(nonce),
            },
        )
    )
    return Session(
        token=str(body["token"]),
        expires_at=datetime.fromisoformat(body["expires_at"]),
        person_id=str(body["person"]["id"]),
        role=str(body["role"]),
    )


async def login(http: httpx.AsyncClient, credential: Credential) -> Session:
    """Log in as the credential's person: ask a challenge, sign it, get a session."""
    return await answer(http, credential, await challenge(http, credential.person_id))


async def whoami(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """`GET /auth/whoami`: the session's person, role, certificate and expiry."""
    return await _json(await http.get("/auth/whoami", headers={"Authorization": f"Bearer {token}"}))


async def logout(http: httpx.AsyncClient, token: str) -> None:
    """`POST /auth/logout`: the token stops working at once."""
    await _json(await http.post("/auth/logout", headers={"Authorization": f"Bearer {token}"}))

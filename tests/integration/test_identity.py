"""Login by challenge and sessions, against a real CA simulator and PostgreSQL: every bad
input is refused with the reason it names, and leaves no session behind."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from nara.partners.ca import CertificateAuthorityClient
from nara.store.identity_tables import AuthSession, LoginChallenge, PersonCertificate
from nara.testing.servers import certificate_authority
from nara.wallet import Credential, LoginFailed, enrol, login
from nara.wallet.keys import csr_pem, new_key, sign_login
from nara.wallet.login import answer, challenge
from tests.integration.support import (
    CRL_MAX_AGE_S,
    ApiStack,
    api_settings,
    as_,
    keyring,
    ok,
    operator,
    person,
    register,
    serve_api,
    sessions,
)
from tests.support import eventually


@pytest.fixture
async def http(stack: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture
async def ca(stack: ApiStack) -> AsyncIterator[CertificateAuthorityClient]:
    client = CertificateAuthorityClient(stack.ca_url, admin_token=stack.simulator_admin_token)
    yield client
    await client.aclose()


def _refused(error: pytest.ExceptionInfo[LoginFailed], status: int, code: str) -> dict[str, Any]:
    failed = error.value
    assert failed.status == status and failed.code == code, failed.problem
    assert failed.problem["type"] == f"urn:nara:problem:{code}"
    assert failed.problem["detail"] and failed.problem["fix"]
    return failed.problem


async def _sessions_of(stack: ApiStack, person_id: str) -> int:
    async with sessions(stack.engine)() as s:
        count = await s.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.person_id == person_id)
        )
    return int(count or 0)


async def test_a_login_opens_a_session_that_keeps_only_the_tokens_hash(
    stack: ApiStack, http: httpx.AsyncClient, ca: CertificateAuthorityClient
) -> None:
    auditor = await person(http, stack, "auditor")
    credential = keyring(stack).credentials[auditor]
    me = await ok(await http.get("/auth/whoami", headers=as_(auditor)))
    assert me["person_id"] == auditor and me["role"] == "auditor"
    assert me["certificate_fingerprint"] == credential.fingerprint
    assert me["certificate_serial"] == credential.serial and me["business_no"] is None
    assert me["client_address"] == "127.0.0.1" and me["idle_timeout_s"] == 1800

    again = await login(http, credential)  # the same certificate: no second enrolment
    token = again.token
    async with sessions(stack.engine)() as s:
        rows = (await s.scalars(select(AuthSession).where(AuthSession.person_id == auditor))).all()
        enrolled = (
            await s.scalars(select(PersonCertificate).where(PersonCertificate.person_id == auditor))
        ).all()
    assert len(rows) == 2 and len(enrolled) == 1
    assert hashlib.sha256(token.encode()).digest() in {r.token_sha256 for r in rows}
    assert all(token not in str(vars(r)) for r in rows)
    assert enrolled[0].fingerprint == credential.fingerprint


async def test_a_forged_signature_is_refused_and_the_challenge_is_spent(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    someone = await person(http, stack, "auditor")
    credential = keyring(stack).credentials[someone]
    issued = await challenge(http, someone)
    forged = Credential(someone, new_key(), credential.certificate_pem)  # not the cert's key
    before = await _sessions_of(stack, someone)
    with pytest.raises(LoginFailed) as refused:
        await answer(http, forged, issued)
    problem = _refused(refused, 401, "login-refused")
    assert problem["reason"] == "signature-invalid" and problem["field"] == "signature"
    with pytest.raises(LoginFailed) as again:  # the right key, too late: the challenge is used
        await answer(http, credential, issued)
    assert _refused(again, 401, "login-refused")["reason"] == "challenge-used"

    garbage = await challenge(http, someone)
    body = {"challenge_id": garbage["challenge_id"], "certificate": credential.certificate_pem}
    not_base64 = await http.post("/auth/login", json={**body, "signature": "not base64!"})
    assert not_base64.status_code == 422 and not_base64.json()["field"] == "signature"
    not_der = await http.post("/auth/login", json={**body, "signature": "AAAAAAAA"})
    assert not_der.status_code == 401 and not_der.json()["reason"] == "signature-invalid"
    assert await _sessions_of(stack, someone) == before


async def test_a_replayed_login_is_refused(stack: ApiStack, http: httpx.AsyncClient) -> None:
    someone = await person(http, stack, "auditor")
    credential = keyring(stack).credentials[someone]
    issued = await challenge(http, someone)
    body = {
        "challenge_id": issued["challenge_id"],
        "certificate": credential.certificate_pem,
        "signature": credential.sign_login(base64.b64decode(issued["nonce"])),
    }
    assert (await http.post("/auth/login", json=body)).status_code == 201
    replayed = await http.post("/auth/login", json=body)
    assert replayed.status_code == 401 and replayed.json()["reason"] == "challenge-used"
    unknown = await http.post(
        "/auth/login", json={**body, "challenge_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert unknown.status_code == 401 and unknown.json()["reason"] == "challenge-unknown"


async def test_certificates_the_system_cannot_trust_are_refused_naming_why(
    stack: ApiStack, http: httpx.AsyncClient, ca: CertificateAuthorityClient
) -> None:
    someone = await person(http, stack, "auditor")
    now = datetime.now(UTC)

    async def refused_with(credential: Credential) -> dict[str, Any]:
        with pytest.raises(LoginFailed) as refused:
            await login(http, credential)
        return _refused(refused, 401, "certificate-refused")

    expired = await enrol(
        ca, someone, not_before=now - timedelta(days=400), not_after=now - timedelta(days=35)
    )
    problem = await refused_with(expired)
    assert problem["reason"] == "expired" and "expired at" in problem["detail"]
    assert problem["field"] == "certificate"

    early = await enrol(ca, someone, not_before=now + timedelta(days=1))
    assert (await refused_with(early))["reason"] == "not-yet-valid"

    with certificate_authority() as foreign_sim:
        foreign = CertificateAuthorityClient(foreign_sim.url, admin_token=foreign_sim.admin_token)
        try:
            outsider_issued = await enrol(foreign, someone)
        finally:
            await foreign.aclose()
    problem = await refused_with(outsider_issued)
    assert problem["reason"] == "foreign-ca" and "does not trust" in problem["detail"]

    revoked = await enrol(ca, someone)
    await ca.revoke(revoked.serial, reason="key_compromise")
    await asyncio.sleep(CRL_MAX_AGE_S + 0.2)  # the API's copy of the CRL is older by then
    assert (await refused_with(revoked))["reason"] == "revoked"

    other = await person(http, stack, "auditor")
    problem = await refused_with(
        Credential(someone, *_key_and_cert(keyring(stack).credentials[other]))
    )
    assert problem["reason"] == "subject-not-the-person" and other in problem["detail"]

    malformed = await http.post(
        "/auth/login",
        json={
            "challenge_id": (await challenge(http, someone))["challenge_id"],
            "certificate": "-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n",
            "signature": "AAAA",
        },
    )
    assert malformed.status_code == 401 and malformed.json()["reason"] == "malformed"
    assert await _sessions_of(stack, someone) == 1  # the one `person` opened


def _key_and_cert(credential: Credential) -> tuple[Any, str]:
    return credential.key, credential.certificate_pem


async def test_a_business_certificate_works_only_for_that_business_agent(
    stack: ApiStack, http: httpx.AsyncClient, ca: CertificateAuthorityClient
) -> None:
    cast = await register(http, stack, businesses=2)
    first, second = cast.businesses
    agent = cast.agents[first]
    me = await ok(await http.get("/auth/whoami", headers=as_(agent)))
    assert me["business_no"] == first
    wrong = await enrol(ca, agent, business_no=second)
    with pytest.raises(LoginFailed) as refused:
        await login(http, wrong)
    problem = _refused(refused, 401, "certificate-refused")
    assert problem["reason"] == "wrong-business" and second in problem["detail"]

    stranger = await enrol(ca, "nobody-registered-here")
    with pytest.raises(LoginFailed) as unknown:
        await login(http, stranger)
    assert _refused(unknown, 401, "login-refused")["reason"] == "unknown-person"


async def test_one_key_belongs_to_one_person(
    stack: ApiStack, http: httpx.AsyncClient, ca: CertificateAuthorityClient
) -> None:
    """A broker who holds A's key gets the CA to certify it for B too: B cannot log in."""
    lender = await person(http, stack, "auditor")
    borrower = await person(http, stack, "auditor")
    lent_key = keyring(stack).credentials[lender].key
    issued = await ca.issue(csr_pem=csr_pem(lent_key, borrower), person_id=borrower)
    with pytest.raises(LoginFailed) as refused:
        await login(http, Credential(borrower, lent_key, issued.certificate_pem))
    problem = _refused(refused, 403, "credential-taken")
    assert "another person" in problem["detail"] and lender not in problem["detail"]


async def test_logout_and_revocation_end_a_session(
    stack: ApiStack, http: httpx.AsyncClient, ca: CertificateAuthorityClient
) -> None:
    someone = await person(http, stack, "auditor")
    headers = as_(someone)
    assert (await http.post("/auth/logout", headers=headers)).status_code == 204
    after = await http.get("/auth/whoami", headers=headers)
    assert after.status_code == 401 and after.json()["reason"] == "logged-out"
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]
    assert (await http.post("/auth/logout", headers=headers)).status_code == 401

    session = await keyring(stack).login(http, someone)
    assert (await http.get("/audit/verify", headers=session.headers)).status_code == 200
    await ca.revoke(keyring(stack).credentials[someone].serial)

    async def ended() -> dict[str, Any] | None:
        answer = await http.get("/audit/verify", headers=session.headers)
        return answer.json() if answer.status_code == 401 else None

    problem = await eventually(ended, timeout_s=10, what="the revoked certificate's session end")
    assert problem["code"] == "session-ended" and problem["reason"] == "certificate-revoked"


@pytest.mark.parametrize(
    "header",
    [None, "Basic b3BlcmF0b3I6c2VjcmV0", "Bearer", "Bearer short", "Bearer a b c d e f g h i j"],
)
async def test_a_missing_or_malformed_authorization_header_is_refused(
    stack: ApiStack, http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in (("GET", "/auth/whoami"), ("GET", "/audit/events")):
        response = await http.request(method, path, headers=headers)
        assert response.status_code == 401, response.text
        body = response.json()
        assert body["code"] == "unauthenticated" and body["field"] == "Authorization"
        assert "Bearer" in body["fix"] and response.headers["WWW-Authenticate"].startswith("Bearer")
    legacy = await http.get("/audit/events", headers={"X-Nara-Person": stack.operator})
    assert legacy.status_code == 401  # no header names a person any more


async def test_challenges_and_sessions_run_out(stack: ApiStack) -> None:
    """On APIs with short lives (same database and CA): an expired challenge, an expired
    session and an idle one."""
    short = api_settings(stack, LOGIN_CHALLENGE_TTL_S=1, SESSION_TTL_S=1, SESSION_IDLE_S=600)
    idle = api_settings(stack, SESSION_IDLE_S=1)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as main_http:
        someone = await person(main_http, stack, "auditor")
    credential = keyring(stack).credentials[someone]
    with serve_api(short) as short_api, serve_api(idle) as idle_api:
        async with (
            httpx.AsyncClient(base_url=short_api.url, timeout=30) as fast,
            httpx.AsyncClient(base_url=idle_api.url, timeout=30) as lazy,
        ):
            issued = await challenge(fast, someone)
            expiring = await login(fast, credential)
            lingering = await login(lazy, credential)
            assert (await fast.get("/auth/whoami", headers=expiring.headers)).status_code == 200
            await asyncio.sleep(1.3)

            with pytest.raises(LoginFailed) as late:
                await answer(fast, credential, issued)
            assert _refused(late, 401, "login-refused")["reason"] == "challenge-expired"
            expired = await fast.get("/auth/whoami", headers=expiring.headers)
            assert expired.status_code == 401 and expired.json()["reason"] == "expired"
            dozed = await lazy.get("/auth/whoami", headers=lingering.headers)
            assert dozed.status_code == 401 and dozed.json()["reason"] == "idle"
            still = await lazy.get("/auth/whoami", headers=lingering.headers)
            assert still.json()["reason"] == "idle"  # ended for good


async def test_asking_a_challenge_never_tells_who_exists(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    await operator(http, stack)
    known = await http.post("/auth/challenge", json={"person_id": stack.operator})
    unknown = await http.post("/auth/challenge", json={"person_id": "nobody-at-all"})
    assert known.status_code == unknown.status_code == 201
    assert set(known.json()) == set(unknown.json()) == {"challenge_id", "nonce", "expires_at"}
    assert len(base64.b64decode(known.json()["nonce"])) == 32
    async with sessions(stack.engine)() as s:
        row = await s.get(LoginChallenge, known.json()["challenge_id"])
    assert row is not None and row.used_at is None
    assert (row.expires_at - row.created_at).total_seconds() == pytest.approx(60, abs=1)
    bad = await http.post("/auth/challenge", json={"person_id": "no spaces allowed"})
    assert bad.status_code == 422 and bad.json()["field"] == "person_id"


async def test_a_signature_for_something_else_is_no_login(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    """The login message is domain-separated: the bare nonce, signed, does not log in."""
    someone = await person(http, stack, "auditor")
    credential = keyring(stack).credentials[someone]
    issued = await challenge(http, someone)
    nonce = base64.b64decode(issued["nonce"])
    bare = base64.b64encode(credential.key.sign(nonce, ec.ECDSA(hashes.SHA256()))).decode()
    response = await http.post(
        "/auth/login",
        json={
            "challenge_id": issued["challenge_id"],
            "certificate": credential.certificate_pem,
            "signature": bare,
        },
    )
    assert response.status_code == 401 and response.json()["reason"] == "signature-invalid"
    assert sign_login(credential.key, nonce) != bare


async def test_the_demo_and_replay_people_log_in_again_when_their_session_ended(
    stack: ApiStack, http: httpx.AsyncClient
) -> None:
    """A person of the demo or the replay idle through a long week (the operator who
    declared the outage at its start, then checks the audit log at its end) logs in again
    once, as a person would, and the call goes through; nobody else's session is used."""
    from nara.demo.api import Api

    auditor = await person(http, stack, "auditor")
    api = Api(http, keyring(stack))
    first = keyring(stack).headers(auditor)
    assert (await http.post("/auth/logout", headers=first)).status_code == 204
    assert (await http.get("/auth/whoami", headers=first)).status_code == 401

    me = await api.call("GET", "/auth/whoami", person=auditor)

    assert me["person_id"] == auditor
    assert keyring(stack).headers(auditor) != first
    assert await _sessions_of(stack, auditor) == 2

"""The certificate authority simulator over real HTTP: issue, revoke, CRL, admin token."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nara.simulators import ca
from nara.simulators.authority import ROOT_CERT, ROOT_KEY, CertificateAuthority
from nara.simulators.runner import ServerHandle, serve_in_thread
from nara.wallet.keys import csr_pem, new_key
from tests.simulators.conftest import loopback_client

TOKEN = "ca-admin-token-for-tests-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def ca_sim(tmp_path: Path) -> Iterator[ServerHandle]:
    sim = serve_in_thread(ca.create_app(ca_dir=tmp_path / "ca", admin_token=TOKEN, hang_ms=2_000))
    yield sim
    sim.stop(wait=False)


@pytest.fixture
def ca_http(ca_sim: ServerHandle) -> Iterator[httpx.Client]:
    with loopback_client(ca_sim.url) as http:
        yield http


def _issue(http: httpx.Client, person: str, **extra: object) -> httpx.Response:
    body = {"csr_pem": csr_pem(new_key(), person), "person_id": person, **extra}
    return http.post("/certificates", json=body, headers=ADMIN)


def _uris(certificate: x509.Certificate) -> list[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(u) for u in san.get_values_for_type(x509.UniformResourceIdentifier)]


def test_issues_a_personal_certificate_signed_by_its_root(ca_http: httpx.Client) -> None:
    issued = _issue(ca_http, "officer-1")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    root = x509.load_pem_x509_certificate(ca_http.get("/ca.pem").content)
    certificate.verify_directly_issued_by(root)
    cn = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "officer-1" and _uris(certificate) == ["urn:nara:person:officer-1"]
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert body["serial"] == f"{certificate.serial_number:x}" and body["status"] == "valid"
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=365) <= lifetime <= timedelta(days=365, minutes=6)
    assert ca_http.get(f"/certificates/{body['serial']}").json()["status"] == "valid"


def test_an_agents_certificate_carries_the_business_number(ca_http: httpx.Client) -> None:
    body = _issue(ca_http, "agent-1", business_no="220-81-62517").json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    assert _uris(certificate) == [
        "urn:nara:person:agent-1",
        "urn:nara:business:220-81-62517",
    ]
    assert body["business_no"] == "220-81-62517"


def test_issuing_and_revoking_need_the_admin_token(ca_http: httpx.Client) -> None:
    body = {"csr_pem": csr_pem(new_key(), "outsider"), "person_id": "operator-1"}
    for headers, code in (
        ({}, "admin-token-required"),
        ({"Authorization": "Bearer wrong-token-0123456789"}, "admin-token-invalid"),
    ):
        refused = ca_http.post("/certificates", json=body, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == code
        assert refused.headers["www-authenticate"].startswith("Bearer")
    serial = _issue(ca_http, "officer-2").json()["serial"]
    assert ca_http.post(f"/certificates/{serial}/revoke", json={}).status_code == 401
    ledger = ca_http.get("/_ledger", headers=ADMIN).json()["certificates"]
    assert [row["person_id"] for row in ledger] == ["officer-2"]
    assert ledger[0]["revoked_at"] is None


def test_the_ca_never_starts_without_an_admin_token(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="admin token"):
        ca.create_app(ca_dir=tmp_path / "ca", admin_token=None)


def test_a_csr_not_signed_by_its_key_is_refused(ca_http: httpx.Client) -> None:
    pem = csr_pem(new_key(), "officer-3")
    der = bytearray(x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # inside the signature
    tampered = (
        "-----BEGIN CERTIFICATE REQUEST-----\n"
        + base64.encodebytes(bytes(der)).decode()
        + "-----END CERTIFICATE REQUEST-----\n"
    )
    refused = ca_http.post(
        "/certificates", json={"csr_pem": tampered, "person_id": "officer-3"}, headers=ADMIN
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid-csr"
    assert ca_http.get("/_ledger", headers=ADMIN).json()["certificates"] == []


def test_a_revoked_certificate_is_on_the_next_crl(ca_http: httpx.Client) -> None:
    kept = _issue(ca_http, "officer-4").json()["serial"]
    gone = _issue(ca_http, "officer-5").json()["serial"]
    root = x509.load_pem_x509_certificate(ca_http.get("/ca.pem").content)
    before = ca_http.get("/crl")
    assert before.headers["content-type"] == "application/pkix-crl"
    assert len(x509.load_der_x509_crl(before.content)) == 0

    revoked = ca_http.post(
        f"/certificates/{gone}/revoke", json={"reason": "key_compromise"}, headers=ADMIN
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = ca_http.post(f"/certificates/{gone}/revoke", json={}, headers=ADMIN).json()
    assert again["revoked_at"] == revoked.json()["revoked_at"]
    assert again["revocation_reason"] == "key_compromise"

    crl = x509.load_der_x509_crl(ca_http.get("/crl").content)
    assert crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert [f"{entry.serial_number:x}" for entry in crl] == [gone]
    assert crl.next_update_utc is not None and crl.next_update_utc > datetime.now(UTC)
    assert ca_http.get(f"/certificates/{kept}").json()["status"] == "valid"
    assert ca_http.post("/certificates/ffff/revoke", json={}, headers=ADMIN).status_code == 404


def test_validity_can_be_chosen_for_tests(ca_http: httpx.Client) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    body = _issue(
        ca_http,
        "officer-6",
        not_before=start.isoformat(),
        not_after=(start + timedelta(days=1)).isoformat(),
    ).json()
    assert datetime.fromisoformat(body["not_after"]) < datetime.now(UTC)
    backwards = _issue(
        ca_http, "officer-7", not_before=start.isoformat(), not_after=start.isoformat()
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "not_after"


def test_the_root_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first, created = CertificateAuthority.load_or_create(tmp_path / "ca")
    again, created_again = CertificateAuthority.load_or_create(tmp_path / "ca")
    assert created and not created_again
    assert first.root == again.root
    assert stat.S_IMODE((tmp_path / "ca" / ROOT_KEY).stat().st_mode) == 0o600
    assert (tmp_path / "ca" / ROOT_CERT).read_text().startswith("-----BEGIN CERTIFICATE-----")

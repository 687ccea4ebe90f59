"""Certificate authority: the certificate profile, its wire models and a typed async client.

The profile every party agrees on (the CA simulator issues it, `nara.services.identity`
checks it, `nara.wallet` asks for it):

- subject `CN=<person id>`; the person again as the URI `urn:nara:person:<id>` in the
  subjectAltName (the X.509 client verifier of `cryptography` requires a SAN, and a URI is
  unambiguous where a name attribute is free text);
- a supplier agent's certificate is a business-use certificate: it carries the business
  registration number as the URI `urn:nara:business:<123-45-67890>` in the same SAN (one
  business per certificate: an agent of two businesses holds two certificates);
- EC P-256 keys, ECDSA-SHA256 signatures, key usage digitalSignature, extended key usage
  clientAuth, basicConstraints CA:FALSE, signed directly by the root.

Endpoints: `POST /certificates` (issue, admin), `GET /certificates/{serial}`,
`POST /certificates/{serial}/revoke` (admin), `GET /crl` (DER), `GET /ca.pem` (the root).
Admin calls carry `Authorization: Bearer <admin token>`: the token stands in for the
registration desk where a real CA checks a person's papers before it certifies a key.
Serials are lower-case hexadecimal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from nara.partners.base import PartnerClient, PartnerModel

PERSON_URI_PREFIX = "urn:nara:person:"
BUSINESS_URI_PREFIX = "urn:nara:business:"
CRL_MEDIA_TYPE = "application/pkix-crl"

RevocationReason = Literal[
    "unspecified", "key_compromise", "affiliation_changed", "superseded", "cessation_of_operation"
]


def person_uri(person_id: str) -> str:
    return f"{PERSON_URI_PREFIX}{person_id}"


def business_uri(business_no: str) -> str:
    return f"{BUSINESS_URI_PREFIX}{business_no}"


def parse_uris(uris: list[str]) -> tuple[list[str], list[str]]:
    """(person ids, business numbers) named by a certificate's SAN URIs."""
    people = [u.removeprefix(PERSON_URI_PREFIX) for u in uris if u.startswith(PERSON_URI_PREFIX)]
    businesses = [
        u.removeprefix(BUSINESS_URI_PREFIX) for u in uris if u.startswith(BUSINESS_URI_PREFIX)
    ]
    return people, businesses


class CertificateRequest(PartnerModel):
    """Certify the key of a CSR for a person (and, for an agent, a business)."""

    csr_pem: str = Field(
        min_length=1, max_length=10_000, description="PKCS#10, signed by the key to certify"
    )
    person_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.@-]+$")
    business_no: str | None = Field(
        None, pattern=r"^\d{3}-\d{2}-\d{5}$", description="for a supplier agent"
    )
    not_before: datetime | None = Field(None, description="default: now (minus 5 min of skew)")
    not_after: datetime | None = Field(None, description="default: not_before + valid_days")
    valid_days: int = Field(365, ge=1, le=3650)


class IssuedCertificate(PartnerModel):
    """A certificate the CA issued, and whether it is revoked."""

    serial: str
    person_id: str
    business_no: str | None
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    certificate_pem: str
    status: Literal["valid", "revoked"]
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


class RevocationRequest(PartnerModel):
    reason: RevocationReason = "unspecified"


class CertificateAuthorityClient(PartnerClient):
    """Typed client of a certificate authority; one HTTP request per call, no retries.

    `admin_token` (the simulators' admin token) goes with issue and revoke only; a client
    that reads the CRL and the root needs none.
    """

    partner = "certificate authority"

    async def issue(
        self,
        *,
        csr_pem: str,
        person_id: str,
        business_no: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        valid_days: int = 365,
    ) -> IssuedCertificate:
        """Certify the CSR's key for `person_id` (admin)."""
        body = self._input(
            CertificateRequest,
            csr_pem=csr_pem,
            person_id=person_id,
            business_no=business_no,
            not_before=not_before,
            not_after=not_after,
            valid_days=valid_days,
        )
        response = await self._call("POST", "/certificates", body=body, admin=True)
        return IssuedCertificate.model_validate(response.json())

    async def certificate(self, serial: str) -> IssuedCertificate:
        response = await self._call("GET", f"/certificates/{quote(serial, safe='')}")
        return IssuedCertificate.model_validate(response.json())

    async def revoke(
        self, serial: str, *, reason: RevocationReason = "unspecified"
    ) -> IssuedCertificate:
        """Revoke a certificate (admin); revoking it again answers the first revocation."""
        body = self._input(RevocationRequest, reason=reason)
        response = await self._call(
            "POST", f"/certificates/{quote(serial, safe='')}/revoke", body=body, admin=True
        )
        return IssuedCertificate.model_validate(response.json())

    async def crl(self) -> bytes:
        """The current certificate revocation list, DER."""
        return (await self._call("GET", "/crl")).content

    async def root_pem(self) -> str:
        """The CA's root certificate, PEM."""
        return (await self._call("GET", "/ca.pem")).text

"""Checking a person's certificate: chain to a trusted root, validity, profile.

The chain, the validity window, key usage and constraints are checked by `cryptography`'s
X.509 verifier (`PolicyBuilder().store(...).time(...).build_client_verifier()`), at the
time given by the caller: the server's clock (the database's), never the client's.
Before that, two questions are answered here only to *name* a refusal: is the certificate
inside its validity window (expired, not yet valid), and did a trusted root sign it
(foreign CA)? Revocation is `revocation.py`'s; whether the certificate is the person's,
and of which business, is the login's (`login.py`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from nara.domain.errors import CertificateRefused, TrustUnavailable
from nara.domain.identity import CertificateProblem
from nara.partners.ca import parse_uris

MAX_PEM_CHARS = 20_000


@dataclass(frozen=True)
class VerifiedCertificate:
    """A certificate that chains to a trusted root and was valid at the time asked."""

    certificate: x509.Certificate
    fingerprint: str
    """SHA-256 of the DER, lower-case hex: how the back office names a certificate."""
    serial: str
    """Lower-case hex, as the CA and its CRL name it."""
    issuer: str
    spki_sha256: str
    """SHA-256 of the certified public key (SubjectPublicKeyInfo DER), lower-case hex."""
    person_id: str
    business_no: str | None
    not_before: datetime
    not_after: datetime

    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # checked by `verify`
        return key


def _refused(problem: CertificateProblem, detail: str, fix: str) -> CertificateRefused:
    return CertificateRefused(detail, field="certificate", fix=fix, reason=problem.value)


def parse_certificates(pem: str) -> list[x509.Certificate]:
    """The certificates of a PEM text (leaf first); CertificateRefused(malformed) if none."""
    try:
        found = x509.load_pem_x509_certificates(pem.encode()) if len(pem) <= MAX_PEM_CHARS else []
    except ValueError:
        found = []
    if not found:
        raise _refused(
            CertificateProblem.MALFORMED,
            "certificate is not a PEM X.509 certificate",
            "send the certificate the CA issued, as PEM (-----BEGIN CERTIFICATE-----)",
        )
    return found


class TrustedRoots:
    """The certificate authorities whose certificates identify people.

    Args:
        roots: the root certificates (`TRUSTED_CA_CERTS`).
    """

    def __init__(self, roots: list[x509.Certificate]) -> None:
        if not roots:
            raise ValueError("at least one trusted root certificate is needed")
        self.roots = roots
        self._store = Store(roots)

    @classmethod
    def from_paths(cls, paths: list[Path]) -> TrustedRoots:
        """Roots read from PEM files (each may hold several certificates)."""
        roots: list[x509.Certificate] = []
        for path in paths:
            try:
                roots += x509.load_pem_x509_certificates(path.read_bytes())
            except (OSError, ValueError) as error:
                raise TrustUnavailable(
                    f"the trusted CA certificates cannot be read from {path}: {error}",
                    field="TRUSTED_CA_CERTS",
                    fix="point TRUSTED_CA_CERTS at the PEM root certificate of the CA "
                    "(in development the CA simulator writes var/ca/root.pem)",
                ) from error
        return cls(roots)

    def issued_by_root(self, certificate: x509.Certificate) -> x509.Certificate | None:
        """The trusted root that signed `certificate` directly, if any."""
        for root in self.roots:
            if certificate.issuer != root.subject:
                continue
            try:
                certificate.verify_directly_issued_by(root)
            except (InvalidSignature, ValueError, TypeError):
                continue
            return root
        return None

    def verify(self, pem: str, *, at: datetime) -> VerifiedCertificate:
        """The leaf of `pem` (intermediates may follow it) checked at time `at`.

        Raises:
            CertificateRefused: malformed, expired, not yet valid, foreign CA, or invalid
                (breaks the profile); `reason` says which.
        """
        leaf, *intermediates = parse_certificates(pem)
        if at > leaf.not_valid_after_utc:
            raise _refused(
                CertificateProblem.EXPIRED,
                f"the certificate expired at {leaf.not_valid_after_utc.isoformat()} "
                f"(server time {at.isoformat()})",
                "renew the certificate with the CA, then log in again",
            )
        if at < leaf.not_valid_before_utc:
            raise _refused(
                CertificateProblem.NOT_YET_VALID,
                f"the certificate is valid only from {leaf.not_valid_before_utc.isoformat()} "
                f"(server time {at.isoformat()})",
                "wait until the certificate's validity starts, or check the CA's clock",
            )
        if not any(self.issued_by_root(c) for c in (leaf, *intermediates)):
            raise _refused(
                CertificateProblem.FOREIGN_CA,
                f"the certificate was issued by {leaf.issuer.rfc4514_string()}, "
                "a certificate authority this system does not trust",
                "use a certificate from a trusted certificate authority",
            )
        verifier = PolicyBuilder().store(self._store).time(at).build_client_verifier()
        try:
            verified = verifier.verify(leaf, intermediates)
        except VerificationError as error:
            raise _refused(
                CertificateProblem.INVALID,
                f"the certificate does not pass the checks of a personal certificate: {error}",
                "ask the CA for a new personal certificate",
            ) from error
        return _profile(leaf, [n for n in verified.subjects or [] if _is_uri(n)])


def _is_uri(name: x509.GeneralName) -> bool:
    return isinstance(name, x509.UniformResourceIdentifier)


def _profile(leaf: x509.Certificate, uris: list[x509.GeneralName]) -> VerifiedCertificate:
    """The person (and business) a verified certificate names, by the CA's profile."""
    people, businesses = parse_uris([str(u.value) for u in uris])
    common_names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cn = str(common_names[0].value) if common_names else None
    key = leaf.public_key()
    if (
        len(people) != 1
        or cn != people[0]
        or len(businesses) > 1
        or not isinstance(key, ec.EllipticCurvePublicKey)
    ):
        raise _refused(
            CertificateProblem.MALFORMED,
            "the certificate does not name exactly one person (subject CN and the "
            "urn:nara:person: URI) and at most one business, with an EC key",
            "ask the CA for a personal certificate of the back office's profile",
        )
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return VerifiedCertificate(
        certificate=leaf,
        fingerprint=leaf.fingerprint(hashes.SHA256()).hex(),
        serial=f"{leaf.serial_number:x}",
        issuer=leaf.issuer.rfc4514_string()[:400],
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        person_id=people[0],
        business_no=businesses[0] if businesses else None,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
    )


def root_paths(setting: str | None, var_dir: Path) -> list[Path]:
    """The files of `TRUSTED_CA_CERTS` (separated by `os.pathsep`); unset: the CA
    simulator's root under the var directory (development)."""
    if setting:
        return [Path(p).expanduser() for p in setting.split(os.pathsep) if p.strip()]
    return [var_dir / "ca" / "root.pem"]

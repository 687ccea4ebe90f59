"""The key material of the CA simulator: a root (EC P-256) kept in a directory, the
certificates it signs for people, and its revocation list.

The directory holds `root-key.pem` (PKCS#8, unencrypted, mode 0600: a simulator's key,
never a real one) and `root.pem` (the root certificate, what the back office trusts via
`TRUSTED_CA_CERTS`). `nara dev` keeps them in `var/ca`; tests use a temporary directory.
The profile is the one `nara.partners.ca` describes.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nara.partners.ca import business_uri, person_uri

ROOT_KEY = "root-key.pem"
ROOT_CERT = "root.pem"
ROOT_VALIDITY = timedelta(days=3650)
CRL_VALIDITY = timedelta(minutes=10)
"""How long a published CRL says it is good for (`nextUpdate`); the back office re-reads
it far more often (CRL_MAX_AGE_S)."""
CLOCK_SKEW = timedelta(minutes=5)
"""A new certificate is valid from this long before its issue, for clocks running behind."""


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lower-case hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def serial_hex(serial: int) -> str:
    return f"{serial:x}"


@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signing,
        crl_sign=signing,
        encipher_only=False,
        decipher_only=False,
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by its owner only, never half-written."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


class CertificateAuthority:
    """A root that certifies people's keys and signs CRLs."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, root: x509.Certificate) -> None:
        self.key = key
        self.root = root

    @classmethod
    def load_or_create(
        cls, directory: Path, *, name: str = "Nara CA simulator"
    ) -> tuple[CertificateAuthority, bool]:
        """The root under `directory`, made there on first use; (authority, created now)."""
        directory.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = directory / ROOT_KEY, directory / ROOT_CERT
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_path} is not an EC private key")
            return cls(key, x509.load_pem_x509_certificate(cert_path.read_bytes())), False
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Nara back office (simulator)"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{name} root"),
            ]
        )
        root = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + ROOT_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(signing=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        tmp = cert_path.with_suffix(".tmp")
        tmp.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp, cert_path)
        with contextlib.suppress(OSError):
            directory.chmod(0o700)
        return cls(key, root), True

    @property
    def root_pem(self) -> str:
        return self.root.public_bytes(serialization.Encoding.PEM).decode()

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        person_id: str,
        business_no: str | None,
        not_before: datetime,
        not_after: datetime,
    ) -> x509.Certificate:
        """Certify the CSR's key (the caller checked the CSR's signature) for a person."""
        public_key = csr.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
            public_key.curve, ec.SECP256R1
        ):
            raise ValueError("the key must be an EC P-256 key")
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(person_uri(person_id))]
        if business_no is not None:
            names.append(x509.UniformResourceIdentifier(business_uri(business_no)))
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, person_id)]))
            .issuer_name(self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signing=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
            .sign(self.key, hashes.SHA256())
        )

    def crl(self, revoked: list[Revoked], *, number: int, now: datetime | None = None) -> bytes:
        """A CRL listing `revoked`, signed by the root, DER."""
        now = now or datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(now)
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        )
        for entry in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(entry.serial)
                .revocation_date(entry.revoked_at)
                .add_extension(x509.CRLReason(entry.reason), critical=False)
                .build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

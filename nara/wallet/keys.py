"""A person's key and certificate: made, stored, and used to sign a login challenge."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from nara.domain.identity import login_message

KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 key (the curve the CA certifies)."""
    return ec.generate_private_key(ec.SECP256R1())


def csr_pem(key: ec.EllipticCurvePrivateKey, person_id: str) -> str:
    """A certificate request for `key`, signed by it (the CA's proof that we hold it)."""
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, person_id)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def sign_login(key: ec.EllipticCurvePrivateKey, nonce: bytes) -> str:
    """The answer to a login challenge: ECDSA-SHA256 over the login message, base64 (DER)."""
    signature = key.sign(login_message(nonce), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()


@dataclass(frozen=True)
class Credential:
    """A person's key and the certificate the CA issued for it."""

    person_id: str
    key: ec.EllipticCurvePrivateKey
    certificate_pem: str

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    @property
    def serial(self) -> str:
        """The certificate's serial, lower-case hex (as the CA names it)."""
        return f"{self.certificate.serial_number:x}"

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    def sign_login(self, nonce: bytes) -> str:
        return sign_login(self.key, nonce)

    def save(self, directory: Path) -> Path:
        """Write `<directory>/<person>/key.pem` (0600) and `cert.pem`; the folder's path."""
        folder = directory / self.person_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_bytes = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(folder / KEY_FILE, key_bytes)
        (folder / CERT_FILE).write_text(self.certificate_pem)
        return folder

    @classmethod
    def load(cls, directory: Path, person_id: str) -> Credential:
        """The credential saved for `person_id`; FileNotFoundError names what is missing."""
        folder = directory / person_id
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{folder / KEY_FILE} is not an EC private key")
        return cls(person_id, key, (folder / CERT_FILE).read_text())


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (created so, never widened), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)

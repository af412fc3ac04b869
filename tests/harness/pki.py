"""A throwaway certificate authority for TLS registries and token signing."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_VALIDITY = dt.timedelta(days=2)
_BACKDATE = dt.timedelta(hours=1)


def default_sans() -> list[str]:
    """SANs every server certificate carries: localhost, 127.0.0.1 and this host."""
    return ["localhost", "127.0.0.1", socket.gethostname()]


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _general_name(san: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(san))
    except ValueError:
        return x509.DNSName(san)


@dataclass(frozen=True)
class CA:
    """A self-signed CA; ``cert_pem`` is what clients trust."""

    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def _builder(
        self, subject_cn: str, public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )

    def issue_server_cert(self, sans: list[str] | None = None) -> tuple[str, str]:
        """A TLS server certificate and key (PEM) for the default SANs plus ``sans``."""
        names = list(dict.fromkeys([*default_sans(), *(sans or [])]))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            self._builder(names[0], key.public_key())
            .add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode(), _key_pem(key).decode()

    def issue_signing_cert(self, common_name: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """An RSA leaf for signing RS256 tokens (no EKU, so any usage verifies)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            self._builder(common_name, key.public_key())
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        return cert, key

    def write_cert(self, path: Path) -> Path:
        """Write the CA certificate (PEM) to ``path``."""
        path.write_text(self.cert_pem)
        return path

    def write_server_cert(
        self, directory: Path, sans: list[str] | None = None, *, stem: str = "server"
    ) -> tuple[Path, Path]:
        """Issue a server certificate into ``directory``; returns (cert_path, key_path)."""
        cert_pem, key_pem = self.issue_server_cert(sans)
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
        cert_path.write_text(cert_pem)
        key_path.write_text(key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path


def make_ca(name: str = "chartyard-test-ca") -> CA:
    """Create a fresh self-signed CA (EC P-256) valid for a couple of days."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CA(name=name, key=key, cert=cert)

"""Parse uploaded PEM CA bundles and describe them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

MAX_PEM_BYTES = 256 * 1024


@dataclass(frozen=True)
class CertificateInfo:
    """What the UI shows of one certificate."""

    subject: str
    issuer: str
    not_after: datetime
    is_ca: bool


class InvalidCertificate(ValueError):
    """Raised when text is not a PEM X.509 certificate bundle."""


def parse_pem_bundle(pem: str) -> list[CertificateInfo]:
    """Return the certificates of a PEM bundle, or raise `InvalidCertificate` saying why."""
    if len(pem.encode()) > MAX_PEM_BYTES:
        raise InvalidCertificate(f"the certificate bundle is larger than {MAX_PEM_BYTES} bytes")
    if "PRIVATE KEY-----" in pem:
        raise InvalidCertificate(
            "this is a private key; upload the registry's CA certificate, never a key"
        )
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise InvalidCertificate(
            "must be a PEM-encoded X.509 certificate starting with -----BEGIN CERTIFICATE-----"
        )
    try:
        certs = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise InvalidCertificate(f"the PEM certificate could not be parsed: {exc}") from exc
    infos = []
    for cert in certs:
        try:
            basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            is_ca = basic.ca
        except x509.ExtensionNotFound:
            is_ca = False
        infos.append(
            CertificateInfo(
                subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(),
                not_after=cert.not_valid_after_utc,
                is_ca=is_ca,
            )
        )
    return infos

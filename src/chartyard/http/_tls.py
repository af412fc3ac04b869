"""Per-registry TLS: trust an uploaded CA, skip verification, inspect a rejected certificate."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from cryptography import x509

from ._errors import TLSVerificationFailed


@dataclass(frozen=True)
class TLSConfig:
    """Hold a registry's TLS settings: an extra PEM CA bundle and/or no verification."""

    ca_pem: str | None = None
    insecure_skip_verify: bool = False

    def __repr__(self) -> str:
        ca = "set" if self.ca_pem else None
        return f"TLSConfig(ca_pem={ca!r}, insecure_skip_verify={self.insecure_skip_verify})"

    def ssl_context(self) -> ssl.SSLContext:
        """Build a fresh context: system CAs plus ``ca_pem``; the process store is untouched."""
        context = ssl.create_default_context()
        if self.ca_pem and self.ca_pem.strip():
            try:
                context.load_verify_locations(cadata=self.ca_pem)
            except (ssl.SSLError, ValueError) as exc:
                raise TLSVerificationFailed(
                    f"the CA certificate is not a valid PEM certificate ({exc}); "
                    "upload the registry's CA certificate in PEM format "
                    "(-----BEGIN CERTIFICATE-----)"
                ) from exc
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def fetch_peer_certificate(host: str, port: int, timeout: float) -> tuple[str, str] | None:
    """Return (subject, issuer) of the certificate ``host:port`` presents, unverified.

    Blocking: run it in a thread. Returns None when no certificate can be read.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    bare = host.strip("[]")
    try:
        with (
            socket.create_connection((bare, port), timeout=timeout) as sock,
            context.wrap_socket(sock, server_hostname=bare) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    if not der:
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()


def verify_failure_reason(exc: ssl.SSLCertVerificationError) -> str:
    """Return OpenSSL's short reason, e.g. 'self-signed certificate in certificate chain'."""
    reason = getattr(exc, "verify_message", None)
    return str(reason) if reason else str(exc)

"""TLS against a real local HTTPS server: no CA, uploaded CA, and Insecure Skip TLS Verify."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chartyard.oci import RegistryClient, RegistryUnreachable, TLSConfig, TLSVerificationFailed

from ._fakes import Sleeps


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    cert_pem: bytes
    key_pem: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(ca_name: str = "chartyard test CA") -> Pki:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(ca_name)).issuer_name(_name(ca_name))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("registry.local")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return Pki(
        ca_pem=ca.public_bytes(serialization.Encoding.PEM).decode(),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
    )


class _V2(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"{}"
        self.send_response(200 if self.path == "/v2/" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def handle(self) -> None:
        # a client that rejects our certificate hangs up mid-handshake
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            super().handle()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # rejected handshakes are expected here


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def https_port(pki: Pki) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert.write_bytes(pki.cert_pem)
        key.write_bytes(pki.key_pem)
        context.load_cert_chain(cert, key)
    server = _Server(("127.0.0.1", 0), _V2)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_without_the_ca_verification_fails_and_names_the_certificate(https_port: int) -> None:
    async with RegistryClient(f"https://127.0.0.1:{https_port}") as client:
        with pytest.raises(TLSVerificationFailed) as info:
            await client.ping()
    error = info.value
    assert error.subject == "CN=registry.local"
    assert error.issuer == "CN=chartyard test CA"
    assert error.details["subject"] == "CN=registry.local"
    advice = "upload the registry's CA certificate or enable Insecure Skip TLS Verify"
    assert advice in error.message
    assert "CN=chartyard test CA" in error.message


async def test_with_the_uploaded_ca_ping_succeeds(https_port: int, pki: Pki) -> None:
    tls = TLSConfig(ca_pem=pki.ca_pem)
    async with RegistryClient(f"https://127.0.0.1:{https_port}", tls=tls) as client:
        await client.ping()
    # the process-wide default context still distrusts our CA
    assert not any(
        "chartyard test CA" in str(cert.get("subject"))
        for cert in ssl.create_default_context().get_ca_certs()
    )


async def test_with_another_ca_verification_still_fails(https_port: int) -> None:
    tls = TLSConfig(ca_pem=make_pki("some other CA").ca_pem)
    async with RegistryClient(f"https://127.0.0.1:{https_port}", tls=tls) as client:
        with pytest.raises(TLSVerificationFailed):
            await client.ping()


async def test_insecure_skip_verify_succeeds(https_port: int) -> None:
    tls = TLSConfig(insecure_skip_verify=True)
    async with RegistryClient(f"https://localhost:{https_port}", tls=tls) as client:
        await client.ping()


async def test_plain_http_to_a_tls_port_says_to_use_https(https_port: int) -> None:
    client = RegistryClient(f"http://127.0.0.1:{https_port}", _sleep=Sleeps())
    async with client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.ping()
    assert info.value.reason == "reset"
    assert "drop the http:// prefix" in info.value.message


def test_invalid_ca_pem_is_reported() -> None:
    with pytest.raises(TLSVerificationFailed, match="not a valid PEM certificate"):
        RegistryClient("https://127.0.0.1:1", tls=TLSConfig(ca_pem="not a certificate"))


def test_tls_config_repr_does_not_dump_the_pem(pki: Pki) -> None:
    assert "BEGIN CERTIFICATE" not in repr(TLSConfig(ca_pem=pki.ca_pem))

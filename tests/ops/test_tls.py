"""`chartyard serve --tls-cert --tls-key`: real HTTPS, Secure cookies, clear refusals."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
from pathlib import Path

import httpx

from tests.harness.chartyard_server import ChartyardServer
from tests.harness.pki import make_ca
from tests.harness.procs import free_port


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    env.update({"CHARTYARD_DATA_DIR": str(tmp_path / "data"),
                "CHARTYARD_ADMIN_PASSWORD": "pw-12345678"})
    return subprocess.run(
        [sys.executable, "-m", "chartyard", "serve", "--port", str(free_port()), *args],
        capture_output=True, text=True, timeout=60, env=env, check=False)


def _message(proc: subprocess.CompletedProcess[str]) -> str:
    """Return stderr as one line, without the box typer draws around errors."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", proc.stderr).split())


def test_https_serves_and_the_session_cookie_is_secure(tmp_path: Path) -> None:
    ca = make_ca()
    cert, key = ca.write_server_cert(tmp_path)
    ca_file = ssl.create_default_context(cafile=str(ca.write_cert(tmp_path / "ca.pem")))
    server = ChartyardServer(tmp_path / "data", admin_password="tls-admin-pass", worker=False,
                             workers=2, args=["--tls-cert", str(cert), "--tls-key", str(key)],
                             verify=ca_file)
    try:
        assert server.url.startswith("https://")
        with httpx.Client(base_url=server.url, verify=ca_file) as client:
            assert client.get("/readyz").json() == {"status": "ready"}
            page = client.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf, page.text
            r = client.post("/login", data={"username": "admin", "password": "tls-admin-pass",
                                            "csrf_token": csrf.group(1), "next": "/"},
                            headers={"Origin": server.url}, follow_redirects=False)
            assert r.status_code == 303, r.text
            cookie = next(v for v in r.headers.get_list("set-cookie")
                          if v.startswith("chartyard_session="))
            assert "secure" in cookie.lower().split("; ")
            assert "httponly" in cookie.lower().split("; ")
        # Plain HTTP on the TLS port gets no answer from the API.
        try:
            plain = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=10)
            assert plain.status_code == 400
        except httpx.TransportError:
            pass
    finally:
        server.close()


def test_missing_unreadable_and_mismatched_pairs_stop_the_server(tmp_path: Path) -> None:
    ca = make_ca()
    cert, key = ca.write_server_cert(tmp_path)
    _, other_key = ca.write_server_cert(tmp_path, stem="other")

    missing = _serve(tmp_path, "--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(key))
    assert missing.returncode == 2
    assert "cannot read" in _message(missing) and "nope.pem" in _message(missing)

    mismatched = _serve(tmp_path, "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert mismatched.returncode == 2
    assert "do not form a TLS key pair" in _message(mismatched)
    assert "the key does not belong to the certificate" in _message(mismatched)

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    bad = _serve(tmp_path, "--tls-cert", str(garbage), "--tls-key", str(key))
    assert bad.returncode == 2 and "do not form a TLS key pair" in _message(bad)

    half = _serve(tmp_path, "--tls-cert", str(cert))
    assert half.returncode == 2
    assert "give both --tls-cert and --tls-key" in _message(half)
    # Refused before anything else ran: no database was created.
    assert not (tmp_path / "data" / "chartyard.db").exists()

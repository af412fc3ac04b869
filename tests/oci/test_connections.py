"""The guarded connection pool: keep-alive reuse, and idle connections the server closed.

A real HTTP/1.1 server on a loopback socket (plain and TLS). The pool asks each idle
connection whether its socket is readable before reusing it; a server that closed a
kept-alive connection must cost a new connection, never a failed request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from chartyard.http import EgressPolicy, GuardedTransport, TLSConfig
from tests.oci.test_tls import make_pki


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, close_after: int | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.close_after = close_after  # responses per connection before the server closes it
        self.connections = 0
        self.requests = 0
        self.closed = threading.Semaphore(0)  # released once per connection the server closed

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.closed.release()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.served = 0
        self.server.connections += 1

    def do_GET(self) -> None:
        self.server.requests += 1
        self.served += 1
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()  # no "Connection: close": the client believes it may reuse it
        self.wfile.write(body)
        if self.server.close_after is not None and self.served >= self.server.close_after:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _serving(close_after: int | None, tls: ssl.SSLContext | None = None) -> Iterator[_Server]:
    server = _Server(close_after)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


async def _get_sequentially(url: str, times: int, verify: ssl.SSLContext,
                            between: threading.Semaphore | None = None) -> list[int]:
    transport = GuardedTransport(EgressPolicy(), verify=verify,
                                 limits=httpx.Limits(max_connections=4))
    statuses = []
    async with httpx.AsyncClient(transport=transport, trust_env=False, timeout=10) as client:
        for i in range(times):
            if between is not None and i > 0:
                # Wait until the server has really closed the previous connection.
                assert await asyncio.to_thread(between.acquire, True, 10)
            statuses.append((await client.get(url)).status_code)
    return statuses


def test_keep_alive_connection_is_reused() -> None:
    with _serving(close_after=None) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/v2/"
        statuses = asyncio.run(_get_sequentially(url, 5, TLSConfig().ssl_context()))
    assert statuses == [200] * 5
    assert server.connections == 1


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_idle_connection_closed_by_the_server_is_replaced(scheme: str) -> None:
    verify = TLSConfig().ssl_context()
    tls = None
    if scheme == "https":
        pki = make_pki()
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert.write_bytes(pki.cert_pem)
            key.write_bytes(pki.key_pem)
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(cert, key)
        verify = TLSConfig(ca_pem=pki.ca_pem).ssl_context()
    with _serving(close_after=1, tls=tls) as server:
        host = "localhost" if scheme == "https" else "127.0.0.1"
        url = f"{scheme}://{host}:{server.server_address[1]}/v2/"
        statuses = asyncio.run(_get_sequentially(url, 3, verify, between=server.closed))
    # Each request after a server-side close went on a new connection, at the first try.
    assert statuses == [200, 200, 200]
    assert server.requests == 3
    assert server.connections == 3


def test_readable_socket_check_sees_the_peer_close() -> None:
    from chartyard.http._egress import _readable

    left, right = socket.socketpair()
    try:
        assert not _readable(left)
        right.close()
        assert _readable(left)
    finally:
        left.close()

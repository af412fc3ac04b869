"""A hostile registry: a real registry behind a front that a test can make misbehave.

Every request first goes to the test's ``rule``; when it returns a ``Reply``
the front answers with that (a redirect, a challenge, an endless body, a
truncated one, a slow one, a dropped connection). When it returns None the
request is proxied to the real upstream registry unchanged.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date",
               "server"}


@dataclass
class Reply:
    """What the front answers instead of the upstream.

    ``body`` may be an iterable of chunks (sent chunked, possibly forever);
    ``declared_length`` sends that Content-Length whatever the body is, then
    closes the connection after the body (a truncated answer when it is
    larger); ``hang_up`` closes the connection without any answer; ``delay``
    waits before answering.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    declared_length: int | None = None
    hang_up: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    """A request the front received."""

    method: str
    path: str


Rule = Callable[[Seen, int], Reply | None]


class HostileRegistry:
    """Serve ``http://127.0.0.1:<port>`` in front of ``upstream`` (a registry URL, or None)."""

    def __init__(self, upstream: str | None = None, rule: Rule | None = None) -> None:
        self.upstream = upstream
        self.rule: Rule = rule or (lambda seen, n: None)
        self.seen: list[Seen] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=upstream, timeout=30) if upstream else None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """Return the listening port."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Return the front's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def count(self, needle: str) -> int:
        """Return how many requests had ``needle`` in their path."""
        with self._lock:
            return sum(1 for s in self.seen if needle in s.path)

    def _record(self, seen: Seen) -> int:
        with self._lock:
            self.seen.append(seen)
            return len(self.seen)

    def _sent(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def proxy(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Forward a request to the upstream registry."""
        if self._client is None:
            return Reply(404, {"Content-Type": "application/json"},
                         b'{"errors":[{"code":"NAME_UNKNOWN","message":"no upstream"}]}')
        forward = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        upstream = self._client.request(method, path, headers=forward, content=body)
        kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
        kept.pop("content-encoding", None)
        return Reply(upstream.status_code, kept, upstream.content)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> HostileRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler(front: HostileRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def handle(self) -> None:
            # The client hanging up on us is expected when it refuses an answer.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path)
            n = front._record(seen)
            reply = front.rule(seen, n)
            if reply is None:
                reply = front.proxy(self.command, self.path, dict(self.headers.items()), body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.hang_up:
                self.close_connection = True
                return
            try:
                self._write(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up reading: that is the point

        def _write(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if isinstance(reply.body, bytes):
                data = reply.body
                if reply.declared_length is None:
                    self.send_header("Content-Length", str(len(data)))
                else:
                    self.send_header("Content-Length", str(reply.declared_length))
                    self.close_connection = True
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                    front._sent(len(data))
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in reply.body:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                front._sent(len(chunk))
            self.wfile.write(b"0\r\n\r\n")

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return Handler

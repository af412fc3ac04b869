"""A recording HTTP relay between boto3 and moto: proves what was sent on the wire.

boto3 reaches it through the standard ``AWS_ENDPOINT_URL`` setting, so the
code under test has no test-only paths. Each request is forwarded unchanged
(``Host`` included, so SigV4 signatures still verify when moto enforces IAM)
and recorded with its action and parameters. Only what the tests need is
parsed: the query protocol (STS, IAM: form bodies) and the JSON protocol
(ECR: ``X-Amz-Target``). Not supported: chunked request bodies, streaming.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection"})
_SET_BY_RELAY = frozenset({"content-length", "server", "date"})
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class AwsCall:
    """One recorded AWS API call: its action, parameters and the access key that signed it."""

    action: str
    params: dict[str, Any]
    access_key: str


def _parse(headers: dict[str, str], body: bytes) -> AwsCall:
    signed_by = _CREDENTIAL.search(headers.get("authorization", ""))
    access_key = signed_by.group(1) if signed_by else ""
    target = headers.get("x-amz-target", "")
    if target:  # JSON protocol: "AmazonEC2ContainerRegistry_V20150921.ListImages"
        params = json.loads(body or b"{}")
        return AwsCall(target.rsplit(".", 1)[-1], params if isinstance(params, dict) else {},
                       access_key)
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return AwsCall(form.pop("Action", ""), dict(form), access_key)


class AwsRecorder:
    """Relay requests on 127.0.0.1 to ``upstream`` and keep every call. Call :meth:`close`."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        assert parts.hostname and parts.port, upstream
        self._upstream = (parts.hostname, parts.port)
        self._calls: list[AwsCall] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def calls(self, action: str | None = None) -> list[AwsCall]:
        """Return the recorded calls, optionally only those of one action."""
        with self._lock:
            return [c for c in self._calls if action is None or c.action == action]

    def clear(self) -> None:
        """Forget the recorded calls."""
        with self._lock:
            self._calls.clear()

    def close(self) -> None:
        """Stop relaying."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, call: AwsCall) -> None:
        with self._lock:
            self._calls.append(call)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Relay(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorder._record(_parse(headers, body))
                upstream = http.client.HTTPConnection(*recorder._upstream, timeout=30)
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True,
                                        skip_accept_encoding=True)
                    for name, value in self.headers.items():
                        if name.lower() not in _HOP_BY_HOP:
                            upstream.putheader(name, value)
                    upstream.endheaders(body)
                    reply = upstream.getresponse()
                    data = reply.read()
                    self.send_response(reply.status, reply.reason)
                    for name, value in reply.getheaders():
                        if name.lower() not in _HOP_BY_HOP | _SET_BY_RELAY:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Relay

"""A small Docker-registry token server (the distribution ``auth.token`` flow).

It issues RS256 JWTs whose header carries the signing certificate in ``x5c``;
the registry trusts it through ``rootcertbundle``. Supported: ``GET /token``
with optional Basic credentials and any number of ``scope`` parameters, and
the OAuth2 ``POST /token`` password grant. Not supported: refresh tokens.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

from tests.harness.pki import CA

ALL_REPO_ACTIONS = frozenset({"pull", "push", "delete", "*"})


@dataclass
class TokenPolicy:
    """Who gets what. Mutable: tests may change it while the server runs.

    ``anonymous_pull_prefixes``: repositories anonymous clients may pull
    (``""`` means every repository). Authenticated users get every requested
    repository action, and ``registry:catalog:*`` only if ``allow_catalog``.
    """

    users: dict[str, str] = field(default_factory=dict)
    anonymous_pull_prefixes: list[str] = field(default_factory=list)
    allow_catalog: bool = True

    def grant(self, user: str | None, type_: str, name: str, actions: list[str]) -> list[str]:
        if type_ == "registry" and name == "catalog":
            return ["*"] if user is not None and self.allow_catalog else []
        if type_ != "repository":
            return []
        if user is not None:
            return [a for a in actions if a in ALL_REPO_ACTIONS]
        if "pull" in actions and any(name.startswith(p) for p in self.anonymous_pull_prefixes):
            return ["pull"]
        return []


def parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    """``type[(class)]:name:actions`` -> (type, name, actions); names may contain ':'."""
    type_, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    if not type_ or not name:
        return None
    return type_.split("(")[0], name, [a for a in actions.split(",") if a]


class TokenServer:
    """Token server on 127.0.0.1 in a background thread; see module docstring."""

    def __init__(
        self,
        ca: CA,
        policy: TokenPolicy,
        *,
        service: str = "chartyard-test-registry",
        issuer: str = "chartyard-test-token-server",
        expires_in: int = 60,
        response_fields: tuple[str, ...] = ("token", "access_token"),
    ) -> None:
        self.policy = policy
        self.service = service
        self.issuer = issuer
        self.expires_in = expires_in
        self.response_fields = response_fields
        self.issued = 0
        self.requests: list[tuple[str | None, list[str]]] = []  # (user, scopes) per token
        self._lock = threading.Lock()
        cert, key = ca.issue_signing_cert(issuer)
        self._x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        self._key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True, name="token-server"
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def reset_counters(self) -> None:
        with self._lock:
            self.issued = 0
            self.requests.clear()

    def authenticate(self, username: str | None, password: str | None) -> str | None:
        """Returns the user (None for anonymous); raises PermissionError on bad credentials."""
        if username is None:
            return None
        if self.policy.users.get(username) != password:
            raise PermissionError(username)
        return username

    def issue(self, user: str | None, scopes: list[str]) -> dict[str, Any]:
        access = []
        for raw in (s for param in scopes for s in param.split()):
            parsed = parse_scope(raw)
            if parsed is None:
                continue
            type_, name, actions = parsed
            granted = self.policy.grant(user, type_, name, actions)
            if granted:
                access.append({"type": type_, "name": name, "actions": granted})
        now = dt.datetime.now(dt.UTC)
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": int(now.timestamp()) + self.expires_in,
            "nbf": int(now.timestamp()) - 5,
            "iat": int(now.timestamp()),
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        token = jwt.encode(claims, self._key_pem, algorithm="RS256", headers={"x5c": self._x5c})
        with self._lock:
            self.issued += 1
            self.requests.append((user, scopes))
        body: dict[str, Any] = {f: token for f in self.response_fields}
        body.update(expires_in=self.expires_in, issued_at=now.isoformat().replace("+00:00", "Z"))
        return body

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _make_handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, username: str | None, password: str | None, scopes: list[str]) -> None:
            if urlsplit(self.path).path != "/token":
                self._reply(404, {"errors": [{"code": "NOT_FOUND"}]})
                return
            try:
                user = server.authenticate(username, password)
            except PermissionError:
                self._reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad creds"}]})
                return
            self._reply(200, server.issue(user, scopes))

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            username = password = None
            header = self.headers.get("Authorization", "")
            if header.lower().startswith("basic "):
                decoded = base64.b64decode(header[6:]).decode()
                username, _, password = decoded.partition(":")
            self._serve(username, password, query.get("scope", []))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if form.get("grant_type") != ["password"]:
                self._reply(400, {"error": "unsupported_grant_type"})
                return
            username = form.get("username", [""])[0]
            self._serve(username, form.get("password", [""])[0], form.get("scope", []))

    return Handler

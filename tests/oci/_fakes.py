"""A small in-memory distribution registry (and token server) behind httpx.MockTransport."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

import httpx

REGISTRY = "registry.test"
AUTH_HOST = "auth.test"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

Handler = Callable[[httpx.Request], httpx.Response]
_ROUTE = re.compile(r"^/v2/(?P<name>.+)/(?P<kind>manifests|blobs|tags)/(?P<ref>[^/]+)$")


def digest_of(body: bytes) -> str:
    """Return the sha256 digest string of ``body``."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def chart_manifest(config: bytes, layer: bytes) -> bytes:
    """Return a Helm chart manifest body pointing at ``config`` and ``layer``."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": HELM_CONFIG, "digest": digest_of(config), "size": len(config)},
            "layers": [{"mediaType": HELM_LAYER, "digest": digest_of(layer), "size": len(layer)}],
            "annotations": {"org.opencontainers.image.title": "demo"},
        }
    ).encode()


def snapshot(request: httpx.Request) -> httpx.Request:
    """Copy ``request``: httpx auth flows mutate and resend the same object."""
    return httpx.Request(
        request.method, request.url, headers=request.headers.copy(),
        extensions=dict(request.extensions),
    )


def basic(user: str, password: str) -> str:
    """Return the Basic Authorization header value for ``user``/``password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class FakeRegistry:
    """Serve the parts of the distribution API the client uses, with optional auth."""

    auth: Literal["none", "basic", "bearer"] = "none"
    users: dict[str, str] = field(default_factory=lambda: {"u": "p"})
    anonymous: bool = True  # bearer: hand anonymous tokens out
    token_field: str = "token"
    expires_in: int | None = None
    grant: Callable[[str], bool] = lambda scope: True  # which scopes the token server grants
    manifests: dict[tuple[str, str], bytes] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    tags: dict[str, list[str] | None] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    _tokens: dict[str, tuple[str, set[str]]] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        """Return a MockTransport that routes to this fake."""
        return httpx.MockTransport(self.handle)

    def push(self, repository: str, tag: str, config: bytes, layer: bytes) -> str:
        """Store a chart under ``repository:tag``; return the manifest digest."""
        body = chart_manifest(config, layer)
        digest = digest_of(body)
        self.manifests[(repository, tag)] = body
        self.manifests[(repository, digest)] = body
        self.blobs[digest_of(config)] = config
        self.blobs[digest_of(layer)] = layer
        self.tags.setdefault(repository, [])
        tags = self.tags[repository]
        if tags is not None and tag not in tags:
            tags.append(tag)
        return digest

    def sent(self, host: str = REGISTRY) -> list[httpx.Request]:
        """Return the requests that went to ``host``."""
        return [r for r in self.requests if r.url.host == host]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        self.requests.append(snapshot(request))
        if request.url.host == AUTH_HOST:
            return self._token(request)
        scope = self._scope(request.url.path)
        denied = self._check_auth(request, scope)
        if denied is not None:
            return denied
        return self._route(request)

    def _scope(self, path: str) -> str | None:
        if path == "/v2/_catalog":
            return "registry:catalog:*"
        match = _ROUTE.match(path)
        return f"repository:{match.group('name')}:pull" if match else None

    def _check_auth(self, request: httpx.Request, scope: str | None) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if self.auth == "basic":
            if any(header == basic(u, p) for u, p in self.users.items()):
                return None
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="fake"'})
        if self.auth == "bearer":
            token = header.removeprefix("Bearer ")
            granted = None
            if header.startswith("Bearer "):
                granted = self._tokens.get(token, ("", set()))[1]
            if granted is not None and (scope is None or scope in granted):
                return None
            challenge = f'Bearer realm="https://{AUTH_HOST}/token",service="fake"'
            if scope:
                challenge += f',scope="{scope}"'
            if granted is not None:
                challenge += ',error="insufficient_scope"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge},
                                  json={"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})
        return None

    def _token(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("authorization")
        user = ""
        if header is not None:
            user = next((u for u, p in self.users.items() if header == basic(u, p)), "")
            if not user:
                return httpx.Response(401, json={"details": "bad credentials"})
        elif not self.anonymous:
            return httpx.Response(401, json={"details": "login required"})
        scopes = {s for s in request.url.params.get_list("scope") if self.grant(s)}
        token = f"tok-{len(self._tokens) + 1}"
        self._tokens[token] = (user, scopes)
        body: dict[str, object] = {self.token_field: token}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return httpx.Response(200, json=body)

    def _route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v2/":
            return httpx.Response(200, json={},
                                  headers={"Docker-Distribution-API-Version": "registry/2.0"})
        match = _ROUTE.match(path)
        if match is None:
            return httpx.Response(404)
        name, kind, ref = match.group("name", "kind", "ref")
        unknown = httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN",
                                                        "message": "repository name not known"}]})
        if kind == "tags":
            return httpx.Response(200, json={"name": name, "tags": self.tags[name]}) \
                if name in self.tags else unknown
        if kind == "blobs":
            blob = self.blobs.get(ref)
            return httpx.Response(200, content=blob) if blob is not None else unknown
        body = self.manifests.get((name, ref))
        if body is None:
            return unknown
        headers = {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": digest_of(body)}
        if request.method == "HEAD":
            return httpx.Response(200, headers={**headers, "Content-Length": str(len(body))})
        return httpx.Response(200, headers=headers, content=body)


class CountingStream(httpx.AsyncByteStream):
    """Yield ``chunks`` copies of ``chunk`` lazily and count how many were pulled."""

    def __init__(self, chunk: bytes, chunks: int) -> None:
        self.chunk = chunk
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield self.chunk


class Sleeps:
    """Record the delays a client asks to sleep, without sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


class Clock:
    """A manual monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

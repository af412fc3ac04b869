"""Fast direct OCI pushes over httpx, for building large test corpora.

``push_chart`` writes exactly what ``helm push`` writes (config blob = Chart.yaml
as JSON, one chart layer, an OCI image manifest). Auth: Basic, or the Bearer
token flow (anonymous or with Basic credentials to the realm), driven by the
registry's 401 challenge. Not supported: chunked uploads, cross-repo mounts,
OAuth2 POST token requests.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import ssl
import tarfile
import threading
import time
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tests.harness.charts import chart_metadata, helm_config_json

if TYPE_CHECKING:
    from tests.harness.registry import RegistryServer

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
OCI_IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST))

_REPO_PATH = re.compile(r"^/v2/(.+)/(?:blobs|manifests|tags)/")
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha256_digest(data), "size": len(data), **extra}


Verify = ssl.SSLContext | bool


def _basic_header(credentials: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(":".join(credentials).encode()).decode()


class PushError(RuntimeError):
    pass


class RegistryAuth(httpx.Auth):
    """Basic or Bearer auth driven by the 401 challenge; tokens cached per repository.

    Token requests ask for the challenged actions plus ``pull,push`` so one
    token serves a whole chart push.
    """

    requires_response_body = True

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.token_requests = 0
        self._basic = False
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _repo(request: httpx.Request) -> str:
        match = _REPO_PATH.match(request.url.path)
        return match.group(1) if match else request.url.path

    def _apply(self, request: httpx.Request) -> None:
        if self._basic and self.credentials:
            request.headers["Authorization"] = _basic_header(self.credentials)
            return
        with self._lock:
            cached = self._tokens.get(self._repo(request))
        if cached and cached[1] > time.monotonic():
            request.headers["Authorization"] = f"Bearer {cached[0]}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._apply(request)
        response = yield request
        if response.status_code != 401:
            return
        scheme, _, params_text = response.headers.get("WWW-Authenticate", "").partition(" ")
        if scheme.lower() == "basic" and self.credentials:
            self._basic = True
            self._apply(request)
            yield request
            return
        if scheme.lower() != "bearer":
            return
        params = dict(_CHALLENGE_PARAM.findall(params_text))
        query: list[tuple[str, str | int | float | bool | None]] = [
            ("service", params.get("service", ""))
        ]
        for scope in params.get("scope", "").split():
            type_, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = set(actions.split(","))
            if type_ == "repository":
                wanted |= {"pull", "push"}
            query.append(("scope", f"{type_}:{name}:{','.join(sorted(wanted))}"))
        token_request = httpx.Request("GET", params["realm"], params=query)
        if self.credentials:
            token_request.headers["Authorization"] = _basic_header(self.credentials)
        token_response = yield token_request
        if token_response.status_code != 200:
            raise PushError(
                f"token request failed: {token_response.status_code} {token_response.text[:200]}"
            )
        body = token_response.json()
        token = body.get("token") or body.get("access_token")
        expiry = time.monotonic() + max(int(body.get("expires_in", 60)) - 5, 1)
        with self._lock:
            self.token_requests += 1
            self._tokens[self._repo(request)] = (token, expiry)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


@dataclass(frozen=True)
class PushedChart:
    repo: str
    tag: str
    digest: str


class OciPusher:
    """A pooled client for many pushes to one registry. Thread-safe for ``push_many``."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        verify: Verify = True,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = RegistryAuth(auth)
        self.client = httpx.Client(
            base_url=self.base_url,
            auth=self.auth,
            verify=verify,
            timeout=timeout,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
        )

    @classmethod
    def for_registry(cls, registry: RegistryServer, *, anonymous: bool = False) -> OciPusher:
        return cls(registry.url, auth=None if anonymous else registry.auth, verify=registry.verify)

    def __enter__(self) -> OciPusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def _check(self, response: httpx.Response, *expected: int) -> httpx.Response:
        if response.status_code not in expected:
            raise PushError(
                f"{response.request.method} {response.request.url} -> "
                f"{response.status_code}: {response.text[:500]}"
            )
        return response

    def push_blob(self, repo: str, data: bytes) -> str:
        """Upload a blob (monolithic POST then PUT ?digest=) unless it exists; returns digest."""
        digest = sha256_digest(data)
        if self.client.head(f"/v2/{repo}/blobs/{digest}").status_code == 200:
            return digest
        started = self._check(self.client.post(f"/v2/{repo}/blobs/uploads/"), 202)
        location = httpx.URL(self.base_url + "/").join(started.headers["Location"])
        self._check(
            self.client.put(
                location.copy_merge_params({"digest": digest}),
                content=data,
                headers={"Content-Type": "application/octet-stream"},
            ),
            201,
        )
        return digest

    def push_manifest(
        self, repo: str, reference: str, manifest: bytes, media_type: str = OCI_MANIFEST
    ) -> str:
        """PUT a manifest under a tag or digest; returns its digest."""
        response = self._check(
            self.client.put(
                f"/v2/{repo}/manifests/{reference}",
                content=manifest,
                headers={"Content-Type": media_type},
            ),
            201,
        )
        digest = sha256_digest(manifest)
        served = response.headers.get("Docker-Content-Digest")
        if served and served != digest:
            raise PushError(f"registry says {served}, computed {digest}")
        return digest

    def push_chart(
        self, repo: str, tag: str, chart_tgz: bytes, *, created: str | None = None
    ) -> str:
        """Push like ``helm push``; ``tag`` should be the version with ``+`` as ``_``.

        The manifest matches helm 4's (no ``mediaType`` field, annotations from
        Chart.yaml) except that ``org.opencontainers.image.created`` is only set
        when ``created`` is given, so the digest is deterministic by default.
        """
        config = helm_config_json(chart_tgz)
        self.push_blob(repo, config)
        self.push_blob(repo, chart_tgz)
        manifest = {
            "schemaVersion": 2,
            "config": descriptor(HELM_CONFIG, config),
            "layers": [descriptor(HELM_CHART_LAYER, chart_tgz)],
            "annotations": helm_annotations(chart_metadata(chart_tgz), created),
        }
        return self.push_manifest(repo, tag, json.dumps(manifest, separators=(",", ":")).encode())

    def push_image(self, repo: str, tag: str, *, content: bytes = b"hello") -> str:
        """A small non-chart OCI image (one gzip layer holding one file)."""
        layer = _image_layer(content)
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [sha256_digest(_untar_gz(layer))]},
            },
            separators=(",", ":"),
        ).encode()
        self.push_blob(repo, config)
        self.push_blob(repo, layer)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_IMAGE_CONFIG, config),
            "layers": [descriptor(OCI_LAYER_GZIP, layer)],
        }
        return self.push_manifest(repo, tag, json.dumps(manifest, separators=(",", ":")).encode())

    def manifest_digest(self, repo: str, reference: str) -> str:
        response = self._check(
            self.client.head(
                f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT}
            ),
            200,
        )
        return response.headers["Docker-Content-Digest"]

    def delete_tag(self, repo: str, tag: str) -> str:
        """Delete the manifest a tag points to (and so every tag on it); returns its digest."""
        digest = self.manifest_digest(repo, tag)
        self._check(self.client.delete(f"/v2/{repo}/manifests/{digest}"), 202)
        return digest

    def push_many(
        self, charts: Iterable[tuple[str, str, bytes]], *, workers: int = 8
    ) -> list[PushedChart]:
        """Push (repo, tag, tgz) triples concurrently; results in input order."""
        items = list(charts)

        def one(item: tuple[str, str, bytes]) -> PushedChart:
            return PushedChart(item[0], item[1], self.push_chart(*item))

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, items))


def helm_annotations(meta: dict[str, Any], created: str | None = None) -> dict[str, str]:
    """The manifest annotations ``helm push`` derives from Chart.yaml (sorted like Go)."""
    annotations = {
        "org.opencontainers.image.title": str(meta["name"]),
        "org.opencontainers.image.version": str(meta["version"]),
        "org.opencontainers.image.description": str(meta.get("description") or ""),
        "org.opencontainers.image.url": str(meta.get("home") or ""),
        "org.opencontainers.image.source": str((meta.get("sources") or [""])[0]),
        "org.opencontainers.image.created": created or "",
    }
    authors = [
        f"{m['name']} ({m['email']})" if m.get("email") else str(m.get("name", ""))
        for m in meta.get("maintainers") or []
    ]
    annotations["org.opencontainers.image.authors"] = ", ".join(a for a in authors if a)
    return {k: v for k, v in sorted(annotations.items()) if v}


def _image_layer(content: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


def _untar_gz(layer: bytes) -> bytes:
    return gzip.decompress(layer)


# ---- one-shot module-level helpers (a fresh client per call) --------------
def push_chart(
    base_url: str,
    repo: str,
    tag: str,
    chart_tgz: bytes,
    *,
    auth: tuple[str, str] | None = None,
    verify: Verify = True,
) -> str:
    with OciPusher(base_url, auth=auth, verify=verify) as pusher:
        return pusher.push_chart(repo, tag, chart_tgz)


def push_image(
    base_url: str,
    repo: str,
    tag: str,
    *,
    auth: tuple[str, str] | None = None,
    verify: Verify = True,
) -> str:
    with OciPusher(base_url, auth=auth, verify=verify) as pusher:
        return pusher.push_image(repo, tag)


def delete_tag(
    base_url: str,
    repo: str,
    tag: str,
    *,
    auth: tuple[str, str] | None = None,
    verify: Verify = True,
) -> str:
    with OciPusher(base_url, auth=auth, verify=verify) as pusher:
        return pusher.delete_tag(repo, tag)

"""The registry client: ping, catalog, tags, manifests and blobs over the distribution API."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from types import TracebackType

import httpx

from chartyard.http import (
    ERROR_BODY_BYTES,
    BasicCredentials,
    ClientLimits,
    EgressPolicy,
    Fetched,
    GuardedTransport,
    HostBudget,
    MeteredTransport,
    OCIError,
    ProtocolError,
    RequestStats,
    TLSConfig,
    Transfer,
    check_digest_format,
    compute_digest,
    is_digest,
    loads_json,
    verify_digest,
)

from ._auth import RegistryAuth
from ._endpoint import Endpoint, parse_endpoint
from ._errors import CatalogUnsupported, NotAnOCIRegistry
from ._manifest import MANIFEST_ACCEPT, Manifest, parse_manifest
from ._names import check_reference, check_repository
from ._pages import follow
from ._status import status_error

_CATALOG_UNSUPPORTED = frozenset({400, 401, 403, 404, 405})


class RegistryClient:
    """Talk to one OCI registry endpoint; use as ``async with RegistryClient(...) as c``.

    Repository arguments are full names on the host (already joined with the
    endpoint's path, see ``Endpoint.repository``). Every call is bounded by
    ``limits``; ``stats`` counts the HTTP requests made. ``egress`` decides which
    resolved addresses may be reached (default: the always-refused ranges only).
    ``budget`` is the host's in-flight budget shared across the process (see
    ``HostBudgets``); without one the client keeps a private one pinned at
    ``limits.max_in_flight``.
    """

    def __init__(
        self,
        endpoint: Endpoint | str,
        credentials: BasicCredentials | None = None,
        tls: TLSConfig | None = None,
        *,
        limits: ClientLimits = ClientLimits(),
        transport: httpx.AsyncBaseTransport | None = None,
        egress: EgressPolicy | None = None,
        budget: HostBudget | None = None,
        user_agent: str = "chartyard/0.1",
        _sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        _clock: Callable[[], float] = time.monotonic,
        _random: Callable[[], float] | None = None,
    ) -> None:
        self.endpoint = parse_endpoint(endpoint) if isinstance(endpoint, str) else endpoint
        self.limits = limits
        self.stats = RequestStats()
        self._username = credentials.username if credentials else None
        if transport is None:
            # Every connection (endpoint, redirects, token realms) passes the egress
            # guard on its resolved address; a caller-supplied transport bypasses it.
            transport = GuardedTransport(
                egress or EgressPolicy(),
                verify=(tls or TLSConfig()).ssl_context(),
                limits=httpx.Limits(max_connections=limits.max_in_flight + 1),
            )
        self._client = httpx.AsyncClient(
            auth=RegistryAuth(
                credentials,
                origin=self.endpoint.base_url,
                limits=limits,
                user_agent=user_agent,
                clock=_clock,
            ),
            transport=MeteredTransport(transport, self.stats),
            timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
            headers={"User-Agent": user_agent},
            trust_env=False,
        )
        self._transfer = Transfer(
            self._client, limits, self.stats, sleep=_sleep, random=_random or random.random,
            budget=budget, host=self.endpoint.authority,
        )

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close connections."""
        await self._client.aclose()

    @property
    def in_flight_limit(self) -> int:
        """Return the current adaptive limit on concurrent requests."""
        return self._transfer.budget.limit

    @property
    def budget(self) -> HostBudget:
        """Return the in-flight budget this client's requests count against."""
        return self._transfer.budget

    async def ping(self) -> None:
        """Check that the endpoint is an OCI registry and that the credentials work."""
        fetched = await self._transfer.fetch(
            "ping", "GET", self._url("/v2/"), what="the API root /v2/",
            max_bytes=ERROR_BODY_BYTES, truncate=True,
        )
        html = fetched.headers.get("content-type", "").startswith("text/html")
        api = "docker-distribution-api-version" in fetched.headers
        if fetched.status == 200 and (api or not html):
            return
        if fetched.status in (401, 403):
            raise status_error(fetched, what="the API root /v2/", username=self._username)
        what = "an HTML page" if html else f"HTTP {fetched.status}"
        location = fetched.headers.get("location")
        if 300 <= fetched.status < 400 and location:
            what += f" redirecting to {location[:200]}"
        raise NotAnOCIRegistry(
            f"{self.endpoint.display} answered GET /v2/ with {what}, not the OCI "
            "distribution API; check the endpoint (host, port, path and http/https)",
            {"status": fetched.status},
        )

    async def catalog(self, *, page_size: int | None = None) -> AsyncIterator[list[str]]:
        """Yield pages of repository names from ``/v2/_catalog``."""
        first = self._url(f"/v2/_catalog?n={page_size or self.limits.catalog_page_size}")
        pages = follow(
            lambda url: self._transfer.fetch(
                "catalog", "GET", url, what="the repository catalog",
                scope="registry:catalog:*", max_bytes=self.limits.max_page_bytes,
            ),
            first, origin=self.endpoint.base_url, max_pages=self.limits.max_pages,
            what="the repository catalog",
        )
        async with aclosing(pages):
            async for fetched in pages:
                if fetched.status in _CATALOG_UNSUPPORTED:
                    raise self._no_catalog(f"GET /v2/_catalog answered {fetched.status}")
                if fetched.status != 200:
                    raise status_error(fetched, what="the repository catalog",
                                       username=self._username)
                try:
                    names = self._strings(fetched, "repositories", what="the catalog")
                except ProtocolError as exc:
                    why = f"GET /v2/_catalog did not answer JSON ({exc})"
                    raise self._no_catalog(why) from exc
                yield names

    async def list_tags(self, repository: str) -> list[str]:
        """Return every tag of ``repository``, following ``Link`` pages."""
        what = f"the tags of {check_repository(repository)}"
        tags: list[str] = []
        pages = follow(
            lambda url: self._transfer.fetch(
                "tags", "GET", url, what=what, scope=_pull(repository),
                max_bytes=self.limits.max_page_bytes,
            ),
            self._url(f"/v2/{repository}/tags/list"), origin=self.endpoint.base_url,
            max_pages=self.limits.max_pages, what=what,
        )
        async with aclosing(pages):
            async for fetched in pages:
                self._raise_for_status(fetched, what)
                tags.extend(self._strings(fetched, "tags", what=what))
        return tags

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Fetch, bound, verify and parse a manifest by tag or digest."""
        what = f"the manifest {check_repository(repository)}:{check_reference(reference)}"
        fetched = await self._transfer.fetch(
            "manifest", "GET", self._url(f"/v2/{repository}/manifests/{reference}"),
            what=what, scope=_pull(repository), accept=MANIFEST_ACCEPT,
            max_bytes=self.limits.max_manifest_bytes,
        )
        self._raise_for_status(fetched, what)
        header = fetched.headers.get("docker-content-digest")
        if is_digest(reference):
            verify_digest(fetched.body, reference, what=what)
        if header:
            verify_digest(fetched.body, header, what=what)
        digest = reference if is_digest(reference) else header or compute_digest(fetched.body)
        return parse_manifest(
            fetched.body, digest=digest, content_type=fetched.headers.get("content-type"),
            max_depth=self.limits.max_json_depth,
        )

    async def head_manifest(self, repository: str, reference: str) -> str:
        """Return a manifest's digest with a HEAD request (a GET if the header is missing)."""
        what = f"the manifest {check_repository(repository)}:{check_reference(reference)}"
        fetched = await self._transfer.fetch(
            "manifest_head", "HEAD", self._url(f"/v2/{repository}/manifests/{reference}"),
            what=what, scope=_pull(repository), accept=MANIFEST_ACCEPT, max_bytes=0,
        )
        self._raise_for_status(fetched, what)
        digest = str(fetched.headers.get("docker-content-digest", ""))
        if digest:
            check_digest_format(digest)
            return digest
        return (await self.get_manifest(repository, reference)).digest

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        """Fetch a blob (following redirects to storage), bounded and digest-checked."""
        check_digest_format(digest)
        what = f"the blob {digest} in {check_repository(repository)}"
        fetched = await self._transfer.fetch(
            "blob", "GET", self._url(f"/v2/{repository}/blobs/{digest}"), what=what,
            scope=_pull(repository), max_bytes=max_bytes, follow_redirects=True,
        )
        self._raise_for_status(fetched, what)
        verify_digest(fetched.body, digest, what=what)
        return fetched.body

    def _url(self, path: str) -> str:
        return self.endpoint.base_url + path

    def _raise_for_status(self, fetched: Fetched, what: str) -> None:
        if not 200 <= fetched.status < 300:
            raise status_error(fetched, what=what, username=self._username)

    def _strings(self, fetched: Fetched, key: str, *, what: str) -> list[str]:
        """Return the JSON string list ``key`` of a listing page (null means empty)."""
        data = loads_json(fetched.body, max_depth=self.limits.max_json_depth, what=what)
        if not isinstance(data, dict) or key not in data:
            raise ProtocolError(f"{what} is not a JSON object with {key!r}")
        items = data[key]
        if items is None:
            return []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ProtocolError(f"{what} has no {key!r} list of strings")
        return [str(i) for i in items]

    def _no_catalog(self, why: str) -> OCIError:
        return CatalogUnsupported(
            f"{self.endpoint.display} does not let us list its repositories ({why}); "
            "turn synchronization off or list the repositories explicitly",
        )


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


"""The Helm repository client: conditional index download, chart download, credentials."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType

import httpx

from chartyard.helm import ChartArchiveError, ChartArchiveLimits, ChartFiles, read_chart_archive
from chartyard.http import GuardedTransport, MeteredTransport, Sink, TooLargeBody
from chartyard.oci import (
    AuthenticationFailed,
    BasicCredentials,
    ClientLimits,
    EgressPolicy,
    Forbidden,
    HostBudgets,
    NotFound,
    OCIError,
    ProtocolError,
    RequestStats,
    ServerError,
    TLSConfig,
)

from ._errors import ChartDigestMismatch, IndexTooLarge
from ._http import Answer, Getter, too_large
from ._index import IndexEntry, IndexLimits, iter_index
from ._url import RepoURL, check_chart_url, origin_of, parse_repo_url


@dataclass(frozen=True)
class IndexValidators:
    """What the last download of an index left to compare with: HTTP validators and digest."""

    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None


class IndexDownload:
    """The outcome of `HelmRepoClient.fetch_index`; close it (or use ``with``) when done.

    ``changed`` is False when the server answered 304 or sent the same bytes as
    last time (compared by sha256 when it sends no validators); only a changed
    index holds a body to parse with `entries`.
    """

    def __init__(self, repo: RepoURL, validators: IndexValidators, *, changed: bool,
                 status: int, sink: Sink | None, limits: IndexLimits) -> None:
        self.repo = repo
        self.validators = validators
        self.changed = changed
        self.status = status
        self.size = sink.size if sink else 0
        self._sink = sink
        self._limits = limits

    def entries(self) -> Iterator[IndexEntry]:
        """Parse the downloaded index as a stream (CPU-bound: run it in a thread)."""
        if self._sink is None:
            raise RuntimeError("the index did not change; there is nothing to parse")
        return iter_index(self._sink.rewind(), self.repo, self._limits,
                          source=f"the index {self.repo.index_url}")

    def close(self) -> None:
        """Delete the downloaded body."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def __enter__(self) -> IndexDownload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OriginBasicAuth(httpx.Auth):
    """Send Basic credentials up front, but only to the repository's origin.

    Chart URLs on another scheme, host or port get none unless
    ``all_domains`` is set (``helm repo add --pass-credentials``). httpx drops
    the header on redirects to another origin whatever this says.
    """

    def __init__(self, credentials: BasicCredentials, origin: tuple[str, str, int | None],
                 *, all_domains: bool) -> None:
        self._basic = httpx.BasicAuth(credentials.username, credentials.password)
        self._origin = origin
        self._all = all_domains

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the header when the request goes to the origin (or to any host if allowed)."""
        if self._all or origin_of(request.url) == self._origin:
            yield from self._basic.auth_flow(request)
        else:
            yield request


class HelmRepoClient:
    """Talk to one classic Helm repository; use as ``async with HelmRepoClient(...) as c``.

    Every connection (the index, each chart URL, each redirect) passes the egress
    guard on its resolved address, with the registry's TLS settings. ``stats``
    counts requests (``total``).
    """

    def __init__(
        self,
        endpoint: RepoURL | str,
        credentials: BasicCredentials | None = None,
        tls: TLSConfig | None = None,
        *,
        pass_credentials_all_domains: bool = False,
        limits: ClientLimits = ClientLimits(),
        index_limits: IndexLimits = IndexLimits(),
        archive_limits: ChartArchiveLimits = ChartArchiveLimits(),
        transport: httpx.AsyncBaseTransport | None = None,
        egress: EgressPolicy | None = None,
        user_agent: str = "chartyard/0.1",
        budgets: HostBudgets | None = None,
    ) -> None:
        self.repo = parse_repo_url(endpoint) if isinstance(endpoint, str) else endpoint
        self.limits = limits
        self.index_limits = index_limits
        self.archive_limits = archive_limits
        self.egress = egress or EgressPolicy()
        self.stats = RequestStats()
        self._username = credentials.username if credentials else None
        self._pass_all = pass_credentials_all_domains
        if transport is None:
            transport = GuardedTransport(
                self.egress, verify=(tls or TLSConfig()).ssl_context(),
                limits=httpx.Limits(max_connections=limits.max_in_flight + 1),
            )
        auth = (OriginBasicAuth(credentials, self.repo.origin,
                                all_domains=pass_credentials_all_domains)
                if credentials else None)
        self._client = httpx.AsyncClient(
            auth=auth,
            transport=MeteredTransport(transport, self.stats),
            timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
            headers={"User-Agent": user_agent},
            trust_env=False,
            max_redirects=10,
        )
        self._getter = Getter(self._client, limits, self.stats, sleep=asyncio.sleep,
                              random=random.random, budgets=budgets)

    async def __aenter__(self) -> HelmRepoClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close connections."""
        await self._client.aclose()

    # ---- index ---------------------------------------------------------
    async def fetch_index(self, previous: IndexValidators | None = None) -> IndexDownload:
        """Download ``index.yaml``; with ``previous``, ask only for a changed one.

        Sends ``If-None-Match`` / ``If-Modified-Since`` from ``previous``: a 304
        is one request and no body. A 200 whose sha256 equals ``previous.digest``
        is reported unchanged too (servers that send neither validator).
        """
        url = self.repo.index_url
        what = f"the index {url}"
        headers: dict[str, str] = {"Accept": "application/yaml, text/yaml, */*"}
        if previous is not None and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous is not None and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        sink = Sink()
        try:
            cap = self.index_limits.max_index_bytes
            try:
                answer = await self._getter.get(url, kind="index", what=what, sink=sink,
                                                max_bytes=cap, headers=headers)
            except TooLargeBody as exc:
                size = f"{exc.declared} bytes" if exc.declared is not None else "more"
                raise IndexTooLarge(
                    f"{what} is larger than {cap} bytes (limit max_index_bytes; the server "
                    f"sent {size}); raise the limit only if the repository is that big",
                    limit="max_index_bytes", maximum=cap) from None
            if answer.status == 304 and previous is not None:
                sink.close()
                return IndexDownload(self.repo, previous, changed=False, status=304, sink=None,
                                     limits=self.index_limits)
            self._check(answer, what, index=True)
            validators = IndexValidators(answer.headers.get("etag"),
                                         answer.headers.get("last-modified"), sink.digest)
            if previous is not None and previous.digest == sink.digest:
                sink.close()
                return IndexDownload(self.repo, validators, changed=False, status=answer.status,
                                     sink=None, limits=self.index_limits)
        except BaseException:
            sink.close()
            raise
        return IndexDownload(self.repo, validators, changed=True, status=answer.status,
                             sink=sink, limits=self.index_limits)

    async def validate(self) -> int:
        """Download and parse the whole index; return its number of chart versions."""
        with await self.fetch_index() as download:
            return await asyncio.to_thread(_count, download.entries())

    # ---- charts --------------------------------------------------------
    async def get_chart(self, entry: IndexEntry) -> bytes:
        """Download an entry's chart archive (first URL), bounded and digest-checked."""
        return await self.get_chart_url(entry.url, chart=f"{entry.name} {entry.version}",
                                        digest=entry.digest)

    async def get_chart_url(self, url: str, *, chart: str, digest: str | None) -> bytes:
        """Download a chart archive from ``url``; check it against ``digest`` if given."""
        check_chart_url(url, chart=chart)
        what = f"the chart {chart} ({httpx.URL(url).copy_with(query=None)})"
        sink = Sink()
        try:
            cap = self.archive_limits.max_compressed
            try:
                answer = await self._getter.get(url, kind="chart", what=what, sink=sink,
                                                max_bytes=cap)
            except TooLargeBody as exc:
                raise too_large(what, cap, "max_compressed", exc.declared) from None
            self._check(answer, what, index=False)
            if digest is not None and sink.digest != digest:
                raise ChartDigestMismatch(
                    f"the chart {chart} downloaded from {answer.url.copy_with(query=None)} has "
                    f"digest {sink.digest}, but the index says {digest}; the repository or a "
                    "proxy serves different content than its index describes (re-run "
                    "helm repo index, or check for tampering)",
                    {"chart": chart, "expected": digest, "actual": sink.digest},
                )
            return sink.getvalue()
        finally:
            sink.close()

    async def get_provenance(self, chart_url: str, *, chart: str,
                             max_bytes: int) -> bytes | None:
        """Return ``<chart URL>.prov`` (capped), or None when the server has none (404)."""
        url = str(httpx.URL(chart_url).copy_with(path=httpx.URL(chart_url).path + ".prov"))
        check_chart_url(url, chart=chart)
        what = f"the provenance of {chart}"
        sink = Sink()
        try:
            try:
                answer = await self._getter.get(url, kind="chart", what=what, sink=sink,
                                                max_bytes=max_bytes)
            except TooLargeBody as exc:
                raise too_large(what, max_bytes, "provenance", exc.declared) from None
            if answer.status in (404, 410):
                return None
            self._check(answer, what, index=False)
            return sink.getvalue()
        finally:
            sink.close()

    async def read_chart(self, entry: IndexEntry) -> ChartFiles:
        """Download an entry's chart and read its files under the archive limits."""
        data = await self.get_chart(entry)
        return read_chart(data, f"{entry.name} {entry.version}", self.archive_limits)

    # ---- helpers -------------------------------------------------------
    def _check(self, answer: Answer, what: str, *, index: bool) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        details: dict[str, object] = {"status": status, "url": str(answer.url.copy_with(
            query=None))}
        if status == 401:
            other_host = origin_of(answer.url) != self.repo.origin
            if self._username is not None and other_host and not self._pass_all:
                raise AuthenticationFailed(
                    f"the server requires credentials for {what} (401), on a host other than "
                    "the repository's; chartyard sends the repository's credentials only to "
                    "its own host unless Pass Credentials to All Domains is set", details)
            if self._username is not None:
                raise AuthenticationFailed(
                    f"the server rejected the credentials for user {self._username!r} (401) "
                    f"for {what}; check the username and password", details)
            raise AuthenticationFailed(
                f"the server requires credentials for {what} (401); choose Username and "
                "Password and enter them", details)
        if status == 403:
            who = f"user {self._username!r}" if self._username else "anonymous access"
            raise Forbidden(f"the server denied {who} access to {what} (403); check the "
                            "account's permissions", details)
        if status == 404:
            hint = ("check the endpoint: it is the repository URL that helm repo add takes, "
                    "the directory that holds index.yaml" if index else
                    "the index lists a chart the server does not have; regenerate the index")
            raise NotFound(f"{what} was not found (404); {hint}", details)
        if status >= 500:
            raise ServerError(f"the server failed on {what} ({status}); try again later",
                              details)
        if 300 <= status < 400:
            raise ProtocolError(f"the server answered {what} with a redirect ({status}) "
                                "chartyard did not follow; check the endpoint", details)
        raise ProtocolError(f"the server answered {status} to {what}", details)


def read_chart(data: bytes, chart: str, limits: ChartArchiveLimits) -> ChartFiles:
    """Read a chart archive's files; errors name the chart."""
    try:
        return read_chart_archive(data, limits)
    except ChartArchiveError as exc:
        raise ChartArchiveError(f"chart {chart}: {exc}", member=exc.member) from exc


def _count(entries: Iterable[IndexEntry]) -> int:
    return sum(1 for _ in entries)


async def check_chart_hosts(entries: Iterable[IndexEntry], egress: EgressPolicy,
                            *, max_hosts: int = 64) -> None:
    """Refuse chart URLs whose host the egress policy denies, before anything is stored.

    Each distinct host is resolved once (IP literals are checked as they are);
    a host that does not resolve is left for the download to report. The guard
    still runs on every connection, so a later DNS change is caught there too.
    """
    seen: dict[str, str] = {}
    for entry in entries:
        for url in entry.urls:
            host = httpx.URL(url).host
            if host and host not in seen and len(seen) < max_hosts:
                seen[host] = f"{entry.name} {entry.version}"
    for host, chart in seen.items():
        for address in await _addresses(host):
            try:
                egress.check(host, address)
            except OCIError as exc:
                exc.message = f"the URL of chart {chart} points at a refused address: " + \
                    exc.message
                exc.details["chart"] = chart
                exc.args = (exc.message,)
                raise


async def _addresses(host: str) -> list[str]:
    bare = host.strip("[]")
    try:
        return [str(ipaddress.ip_address(bare))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(bare, None,
                                                            type=socket.SOCK_STREAM)
    except OSError:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


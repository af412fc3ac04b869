"""A chart source for a classic Helm repository (``index.yaml`` over HTTP).

Unlike an OCI registry it is read as one document: the sync streams it (see
`chartyard.sync.helm_index`); validation, live pack checks and drift checks look
versions up with `HelmIndexSource.lookup`, one streaming pass that keeps only
what was asked for; chart files come from the archive URL the catalog row holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from chartyard.helm import ChartFiles
from chartyard.helmrepo import HelmRepoClient, IndexEntry, read_chart
from chartyard.oci import BasicCredentials, RequestStats, TLSConfig
from chartyard.sources._base import RegistryTarget, SourceOptions


@dataclass(frozen=True)
class HelmRepoTarget:
    """Everything needed to connect to one Helm repository, secrets included."""

    kind: str
    url: str
    credentials: BasicCredentials | None = None
    tls: TLSConfig = field(default_factory=TLSConfig)
    pass_credentials_all_domains: bool = False


@dataclass(frozen=True)
class Found:
    """What a lookup found of the versions of one chart."""

    entries: dict[str, IndexEntry]
    versions: list[str]


class HelmIndexSource:
    """Read one Helm repository through a `HelmRepoClient`; close it with `aclose`."""

    def __init__(self, client: HelmRepoClient) -> None:
        self.client = client

    @property
    def stats(self) -> RequestStats:
        """Return the client's request counts."""
        return self.client.stats

    async def ping(self) -> int:
        """Download and parse the whole index; return its number of chart versions."""
        return await self.client.validate()

    async def lookup(self, wanted: Iterable[tuple[str, str]]) -> dict[str, Found]:
        """Return, per chart name asked about, the asked entries and every version listed.

        One download and one streaming pass; only asked-for entries are kept.
        """
        pairs = set(wanted)
        names = {name for name, _ in pairs}

        def scan(entries: Iterable[IndexEntry]) -> dict[str, Found]:
            found = {name: Found({}, []) for name in names}
            for entry in entries:
                hit = found.get(entry.name)
                if hit is None:
                    continue
                hit.versions.append(entry.version)
                if (entry.name, entry.version) in pairs:
                    hit.entries.setdefault(entry.version, entry)
            return found

        with await self.client.fetch_index() as download:
            return await asyncio.to_thread(scan, download.entries())

    async def chart_files(self, name: str, version: str, urls: list[str],
                          digest: str | None) -> ChartFiles:
        """Download a chart from its first URL, check its digest, read its files."""
        chart = f"{name} {version}"
        data = await self.client.get_chart_url(urls[0], chart=chart, digest=digest)
        return read_chart(data, chart, self.client.archive_limits)

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()


AnyTarget = RegistryTarget | HelmRepoTarget
"""The target of any registry kind: an OCI registry (or ECR), or a Helm repository."""


def open_helm_repo(target: HelmRepoTarget, options: SourceOptions) -> HelmIndexSource:
    """Return a source for a Helm repository target; the caller closes it."""
    client = HelmRepoClient(target.url, target.credentials, target.tls,
                            pass_credentials_all_domains=target.pass_credentials_all_domains,
                            limits=options.limits, transport=options.transport,
                            egress=options.egress, budgets=options.budgets)
    return HelmIndexSource(client)

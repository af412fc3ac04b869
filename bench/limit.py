"""The registry limit: the minimal request set of a sync, sent by a tight client.

The set is what any correct sync of the corpus must ask: every catalog page,
one tags/list per repository, one manifest per tag and one config blob per
chart version. The client keeps exactly `in_flight` requests outstanding and
does nothing else (no auth flow, no digest checks, no parsing beyond the
manifest's config descriptor), so its time is the lower bound on full-sync time
at that politeness.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bench.probes import own_cpu

HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
MANIFEST_ACCEPT = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))


@dataclass
class LimitResult:
    """What the tight client did and how long it took."""

    seconds: float
    requests: Counter[str] = field(default_factory=Counter)
    repositories: int = 0
    chart_versions: int = 0
    cpu_seconds: float = 0.0

    @property
    def total(self) -> int:
        """Return the number of requests sent."""
        return sum(self.requests.values())


async def _measure(base_url: str, base_path: str, in_flight: int, page_size: int) -> LimitResult:
    gate = asyncio.Semaphore(in_flight)
    result = LimitResult(0.0)
    pool = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(base_url=base_url, limits=pool, timeout=120,
                                 trust_env=False) as client:

        async def get(kind: str, url: str, accept: str | None = None) -> httpx.Response:
            async with gate:
                response = await client.get(url, headers={"Accept": accept} if accept else None)
            result.requests[kind] += 1
            response.raise_for_status()
            return response

        async def version(repo: str, tag: str) -> None:
            manifest = json.loads((await get("manifest", f"/v2/{repo}/manifests/{tag}",
                                             MANIFEST_ACCEPT)).content)
            config = manifest.get("config") or {}
            if config.get("mediaType") == HELM_CONFIG:
                json.loads((await get("blob", f"/v2/{repo}/blobs/{config['digest']}")).content)
                result.chart_versions += 1

        async def repository(repo: str) -> None:
            tags = (await get("tags", f"/v2/{repo}/tags/list")).json().get("tags") or []
            await asyncio.gather(*(version(repo, t) for t in tags))

        started = time.perf_counter()
        repos: list[str] = []
        url: str | None = f"/v2/_catalog?n={page_size}"
        while url:
            page = await get("catalog", url)
            repos += [r for r in page.json().get("repositories") or []
                      if r.startswith(base_path + "/")]
            link = page.links.get("next", {}).get("url")
            url = str(page.url.join(link)) if link else None
        result.repositories = len(repos)
        await asyncio.gather(*(repository(r) for r in repos))
        result.seconds = time.perf_counter() - started
    return result


def measure_limit(base_url: str, base_path: str, *, in_flight: int = 16,
                  page_size: int = 1000) -> LimitResult:
    """Send the minimal request set of a sync with `in_flight` requests outstanding."""
    cpu = own_cpu()
    result = asyncio.run(_measure(base_url, base_path, in_flight, page_size))
    result.cpu_seconds = own_cpu() - cpu
    return result

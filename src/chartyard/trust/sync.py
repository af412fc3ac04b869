"""The sync's signature stage: gather material, judge it outside any transaction.

Run between fetching and applying, so the verdicts are written in the same
transaction as the catalog rows they belong to.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from chartyard.context import AppContext
from chartyard.errors import ChartyardError
from chartyard.helmrepo import HelmRepoClient
from chartyard.trust.material import Material, judge
from chartyard.trust.provenance import MAX_PROVENANCE_BYTES
from chartyard.trust.store import tenant_keys
from chartyard.trust.verdict import Verdict

Judged = dict[tuple[str, str], tuple[Material, Verdict]]


class _Row(Protocol):
    @property
    def repository(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def metadata(self) -> dict[str, Any]: ...


def judge_materials(ctx: AppContext, tenant_uid: str,
                    items: Sequence[tuple[str, str, Material]]) -> Judged:
    """Check (repository, tag, material) items against the tenant's keys; blocking."""
    if not items:
        return {}
    with ctx.transaction() as session:
        keys = tenant_keys(session, tenant_uid)
    verdicts = judge([m for _, _, m in items], keys)
    return {(repo, tag): (m, v) for (repo, tag, m), v in zip(items, verdicts, strict=True)}


async def judge_fetched(ctx: AppContext, tenant_uid: str, charts: Iterable[object]) -> Judged:
    """Judge the material OCI fetches carried (charts without any are left out)."""
    items = [(str(getattr(c, "repository")), str(getattr(c, "tag")), m)  # noqa: B009
             for c in charts if (m := getattr(c, "material", None)) is not None]
    return await asyncio.to_thread(judge_materials, ctx, tenant_uid, items)


async def index_material(client: HelmRepoClient, chart: _Row) -> Material:
    """Fetch ``<chart URL>.prov`` of an index entry; hash the archive if the index has no digest."""
    urls = [str(u) for u in chart.metadata.get("urls", [])]
    name = f"{chart.repository} {chart.tag}"
    if not urls:
        return Material(None, None)
    try:
        prov = await client.get_provenance(urls[0], chart=name, max_bytes=MAX_PROVENANCE_BYTES)
    except ChartyardError as exc:
        return Material(None, None, f"provenance unreadable: {exc.message}")
    digest = chart.digest if chart.digest.startswith("sha256:") else None
    if prov is None:
        return Material(None, digest)
    if digest is None:  # no digest in index.yaml: hash the archive to compare
        try:
            data = await client.get_chart_url(urls[0], chart=name, digest=None)
        except ChartyardError as exc:
            return Material(prov, None, f"chart archive unreadable: {exc.message}")
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return Material(prov, digest)


async def judge_index(ctx: AppContext, tenant_uid: str, client: HelmRepoClient,
                      charts: Sequence[_Row], limit: int) -> Judged:
    """Fetch and judge the provenance of new index entries, ``limit`` requests at a time."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(chart: _Row) -> tuple[str, str, Material]:
        async with gate:
            return chart.repository, chart.tag, await index_material(client, chart)

    items = list(await asyncio.gather(*(one(c) for c in charts)))
    return await asyncio.to_thread(judge_materials, ctx, tenant_uid, items)

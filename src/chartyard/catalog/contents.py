"""Read a chart's files from its chart layer once, then serve them from a cache by digest."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.helm import ChartFiles, read_chart_archive
from chartyard.sources import HelmRepoTarget, RegistryTarget, open_helm_repo, open_source
from chartyard.store.models import ChartContent

MAX_CHART_BYTES = 20 * 1024 * 1024


def chart_contents(ctx: AppContext, session: Session, target: RegistryTarget | HelmRepoTarget,
                   repository: str, layer_digest: str, *, version: str = "",
                   urls: list[str] | None = None) -> ChartContent:
    """Return values.yaml, README and schema of a chart layer, fetching it on first use.

    For a Helm repository the archive is downloaded from ``urls`` (the catalog row's) and
    checked against ``layer_digest`` when that is a sha256 digest from the index.

    Raises `OCIError` when the registry cannot serve the layer and
    `ChartArchiveError` when it is not a readable chart archive.
    """
    cached = session.get(ChartContent, layer_digest)
    if cached is not None:
        return cached
    if isinstance(target, HelmRepoTarget):
        files = asyncio.run(_helm_files(ctx, target, repository, version, urls or [],
                                        layer_digest))
    else:
        files = read_chart_archive(asyncio.run(_fetch(ctx, target, repository, layer_digest)))
    content = ChartContent(digest=layer_digest, values_yaml=files.values_yaml,
                           readme=files.readme, values_schema=files.values_schema_json)
    try:
        with session.begin_nested():
            session.add(content)
    except IntegrityError:
        # A concurrent request cached the same layer first; its row is just as good.
        return session.get(ChartContent, layer_digest) or content
    return content


async def _helm_files(ctx: AppContext, target: HelmRepoTarget, name: str, version: str,
                      urls: list[str], digest: str) -> ChartFiles:
    if not urls:
        from chartyard.errors import NotFoundError

        raise NotFoundError(f"chart {name} {version} has no download URL in the catalog; "
                            "synchronize the registry again")
    source = open_helm_repo(target, ctx.sources)
    try:
        return await source.chart_files(name, version, urls,
                                        digest if digest.startswith("sha256:") else None)
    finally:
        await source.aclose()


async def _fetch(ctx: AppContext, target: RegistryTarget, repository: str, digest: str) -> bytes:
    source = open_source(target, ctx.sources)
    try:
        return await source.get_blob(repository, digest, max_bytes=MAX_CHART_BYTES)
    finally:
        await source.aclose()

"""Read a chart's files from its chart layer once, then serve them from a cache by digest."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.helm import read_chart_archive
from chartyard.sources import RegistryTarget, open_source
from chartyard.store.models import ChartContent

MAX_CHART_BYTES = 20 * 1024 * 1024


def chart_contents(ctx: AppContext, session: Session, target: RegistryTarget,
                   repository: str, layer_digest: str) -> ChartContent:
    """Return values.yaml, README and schema of a chart layer, fetching it on first use.

    Raises `OCIError` when the registry cannot serve the layer and
    `ChartArchiveError` when it is not a readable chart archive.
    """
    cached = session.get(ChartContent, layer_digest)
    if cached is not None:
        return cached
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


async def _fetch(ctx: AppContext, target: RegistryTarget, repository: str, digest: str) -> bytes:
    source = open_source(target, ctx.sources)
    try:
        return await source.get_blob(repository, digest, max_bytes=MAX_CHART_BYTES)
    finally:
        await source.aclose()

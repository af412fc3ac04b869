"""Fill empty pack values with the chart's own values.yaml, read once and cached by digest."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.helm import read_chart_archive
from chartyard.sources import RegistryTarget, open_source
from chartyard.store.models import ChartContent

MAX_CHART_BYTES = 20 * 1024 * 1024


def default_values(ctx: AppContext, session: Session, target: RegistryTarget,
                   repository: str, chart_layer: str) -> str:
    """Return the chart's values.yaml text ('' if it has none).

    Raises `OCIError` when the registry cannot serve the chart layer and
    `ChartArchiveError` when the layer is not a readable chart archive.
    """
    cached = session.get(ChartContent, chart_layer)
    if cached is None:
        data = asyncio.run(_fetch(ctx, target, repository, chart_layer))
        files = read_chart_archive(data)
        cached = ChartContent(digest=chart_layer, values_yaml=files.values_yaml,
                              readme=files.readme, values_schema=files.values_schema_json)
        cached = session.merge(cached)
    return cached.values_yaml or ""


async def _fetch(ctx: AppContext, target: RegistryTarget, repository: str, digest: str) -> bytes:
    source = open_source(target, ctx.sources)
    try:
        return await source.get_blob(repository, digest, max_bytes=MAX_CHART_BYTES)
    finally:
        await source.aclose()



"""Read a chart's files from its chart layer once, then serve them from a cache by digest.

No database session is open while the layer downloads: a short read looks for
the cached row, the download runs with no session, and a short write stores the
row unless a concurrent request stored it first (re-checked inside the write).
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.helm import ChartFiles, read_chart_archive
from chartyard.sources import RegistryTarget, open_source
from chartyard.store.models import ChartContent

MAX_CHART_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ChartLayer:
    """Where a chart layer lives: the registry to open, the repository and the blob digest."""

    target: RegistryTarget
    repository: str
    digest: str


async def chart_contents(ctx: AppContext, layer: ChartLayer) -> ChartContent:
    """Return values.yaml, README and schema of a chart layer, fetching it on first use.

    Call it with no transaction open. Raises `OCIError` when the registry cannot
    serve the layer and `ChartArchiveError` when it is not a readable chart archive.
    """
    cached = await ctx.run_transaction(lambda session: session.get(ChartContent, layer.digest))
    if cached is not None:
        return cached
    source = open_source(layer.target, ctx.sources)
    try:
        blob = await source.get_blob(layer.repository, layer.digest, max_bytes=MAX_CHART_BYTES)
    finally:
        await source.aclose()
    files = await anyio.to_thread.run_sync(read_chart_archive, blob)
    return await ctx.run_transaction(lambda session: _store(session, layer.digest, files))


def _store(session: Session, digest: str, files: ChartFiles) -> ChartContent:
    existing = session.get(ChartContent, digest)
    if existing is not None:  # stored by a concurrent request meanwhile
        return existing
    content = ChartContent(digest=digest, values_yaml=files.values_yaml,
                           readme=files.readme, values_schema=files.values_schema_json)
    try:
        with session.begin_nested():
            session.add(content)
    except IntegrityError:
        # A concurrent request cached the same layer first; its row is just as good.
        return session.get(ChartContent, digest) or content
    return content

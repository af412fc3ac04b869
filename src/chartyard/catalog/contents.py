"""Read a chart's files from its chart archive once, then serve them from a cache by digest.

No database session is open while the archive downloads: a short read looks for
the cached row, the download runs with no session (through the registry's family),
and a short write stores the row unless a concurrent request stored it first
(re-checked inside the write).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.helm import ChartFiles
from chartyard.registries.families import family_of_target
from chartyard.sources import ChartLayer
from chartyard.store.models import ChartContent

__all__ = ["ChartLayer", "chart_contents"]


async def chart_contents(ctx: AppContext, layer: ChartLayer) -> ChartContent:
    """Return values.yaml, README and schema of a chart archive, fetching it on first use.

    Call it with no transaction open. Raises `OCIError` when the registry cannot
    serve the archive and `ChartArchiveError` when it is not a readable chart archive.
    """
    cached = await ctx.run_transaction(lambda session: session.get(ChartContent, layer.digest))
    if cached is not None:
        return cached
    files = await family_of_target(layer.target).chart_files(layer, ctx.sources)
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

"""Read a chart's files from its chart archive once, then serve them from a cache by digest.

No database session is open while the archive downloads: a short read looks for
the cached row, the download runs with no session (through the registry's family),
and a short write stores the row unless a concurrent request stored it first
(re-checked inside the write).

The row's `subcharts` holds the chart's Chart.yaml and its subchart tree as JSON,
`{"chart_yaml", "charts": [{"chart_yaml", "values_yaml", "values_schema", "charts"}],
"error"}` (`error` says why the subcharts could not be read). A row cached before
subcharts were read has NULL there; the archive is then read once more to fill it.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.errors import ChartyardError
from chartyard.helm import ChartFiles
from chartyard.registries.families import family_of_target
from chartyard.sources import ChartLayer
from chartyard.store.models import ChartContent

__all__ = ["ChartLayer", "chart_contents", "subchart_tree"]

log = logging.getLogger(__name__)


async def chart_contents(ctx: AppContext, layer: ChartLayer) -> ChartContent:
    """Return values.yaml, README and schema of a chart archive, fetching it on first use.

    Call it with no transaction open. Raises `OCIError` when the registry cannot
    serve the archive and `ChartArchiveError` when it is not a readable chart archive.
    """
    cached = await ctx.run_transaction(lambda session: session.get(ChartContent, layer.digest))
    if cached is not None and cached.subcharts is not None:
        return cached
    try:
        files = await family_of_target(layer.target).chart_files(layer, ctx.sources)
    except ChartyardError as exc:
        if cached is None:
            raise
        # A row cached before subcharts were read stays usable while the archive is not.
        log.warning("subcharts of %s not read yet: %s", layer.digest, exc.message)
        return cached
    return await ctx.run_transaction(lambda session: _store(session, layer.digest, files))


def subchart_tree(files: ChartFiles) -> str:
    """Return the JSON the `subcharts` column holds for a chart's files."""
    return json.dumps({"chart_yaml": files.chart_yaml,
                       "charts": [sub.as_dict() for sub in files.subcharts],
                       "error": files.subcharts_error})


def _store(session: Session, digest: str, files: ChartFiles) -> ChartContent:
    existing = session.get(ChartContent, digest)
    if existing is not None:  # stored by a concurrent request meanwhile, or before 0015
        if existing.subcharts is None:
            existing.subcharts = subchart_tree(files)
        return existing
    content = ChartContent(digest=digest, values_yaml=files.values_yaml,
                           readme=files.readme, values_schema=files.values_schema_json,
                           subcharts=subchart_tree(files))
    try:
        with session.begin_nested():
            session.add(content)
    except IntegrityError:
        # A concurrent request cached the same layer first; its row is just as good.
        return session.get(ChartContent, digest) or content
    return content

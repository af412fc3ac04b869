"""`GET /metrics`: Prometheus text of every API process, plus catalog sizes read at scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from chartyard import metrics
from chartyard.api.deps import Ctx
from chartyard.context import AppContext
from chartyard.store.models import ChartVersion, Registry

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class CatalogCollector(Collector):
    """Count chart versions per registry in the database when scraped."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterable[Metric]:
        """Yield `chartyard_catalog_chart_versions{registry,kind}`."""
        family = GaugeMetricFamily(
            "chartyard_catalog_chart_versions",
            "Chart versions in the catalog, by registry uid and kind.", labels=["registry", "kind"])
        try:
            with self.ctx.sessions() as session:
                rows = session.execute(
                    select(Registry.uid, Registry.kind, func.count(ChartVersion.uid))
                    .outerjoin(ChartVersion, ChartVersion.registry_uid == Registry.uid)
                    .group_by(Registry.uid, Registry.kind)
                ).all()
        except SQLAlchemyError as exc:
            log.warning("metrics: cannot count the catalog", extra={"error": type(exc).__name__})
            rows = []
        for uid, kind, count in rows:
            family.add_metric([uid, kind], float(count))
        yield family


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(ctx: Ctx) -> Response:
    """Serve Prometheus text: HTTP, sync, registry, lease and event series."""
    body = await run_in_threadpool(metrics.collect, CatalogCollector(ctx))
    return Response(body, media_type=metrics.CONTENT_TYPE)

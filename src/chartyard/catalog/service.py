"""Read the chart catalog: versions of a chart, version detail, values, paginated search."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.contents import ChartLayer, chart_contents
from chartyard.catalog.reads import CatalogReads
from chartyard.context import AppContext
from chartyard.errors import NotFoundError
from chartyard.registries.service import RegistryService
from chartyard.store.models import ChartVersion, Registry


class CatalogService:
    """Catalog queries for one caller, scoped to the caller's tenant."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx, self.session, self.principal = ctx, session, principal

    def _registry(self, uid: str) -> Registry:
        return RegistryService(self.ctx, self.session, self.principal).get(uid)

    def version(self, pack_uid: str) -> ChartVersion:
        """Return one chart version of the tenant, or 404."""
        row = self.session.get(ChartVersion, pack_uid)
        if row is None or row.tenant_uid != self.principal.tenant_uid:
            raise NotFoundError(f"pack '{pack_uid}' not found")
        return row

    def _reads(self) -> CatalogReads:
        """Return the lean reads on this session's connection (same transaction)."""
        return CatalogReads(self.session.connection(), self.principal)

    def versions(self, chart_name: str, registry_uid: str) -> dict[str, Any]:
        """Return a chart's versions in a registry, newest semver first."""
        return self._reads().versions(chart_name, registry_uid)

    def detail(self, pack_uid: str) -> dict[str, Any]:
        """Return a chart version's metadata."""
        return self._reads().detail(pack_uid)

    def search(self, q: str, registry_uid: str | None, limit: int, token: str | None, *,
               registry_kind: str | None = None,
               newer_than: str | None = None) -> dict[str, Any]:
        """Return one page of charts matching `q`, best match first (see catalog/search.py)."""
        return self._reads().search(q, registry_uid, limit, token, registry_kind=registry_kind,
                                    newer_than=newer_than)

    def chart_layer(self, pack_uid: str) -> ChartLayer:
        """Return where a chart version's chart layer lives (a database read, no I/O)."""
        row = self.version(pack_uid)
        if not row.chart_digest:
            raise NotFoundError(f"pack '{row.uid}' has no chart layer to read values from")
        reg = self._registry(row.registry_uid)
        target = RegistryService(self.ctx, self.session, self.principal).target(reg)
        urls = row.chart_metadata.get("urls")  # a Helm repository's download URLs
        return ChartLayer(target, row.repository, row.chart_digest, row.version,
                          tuple(str(u) for u in urls) if isinstance(urls, list) else ())


async def pack_values(ctx: AppContext, principal: Principal, pack_uid: str) -> str:
    """Return a chart version's values.yaml, read from its chart layer once, cached by digest.

    A short read finds the layer; the download runs with no transaction open.
    """
    layer = await ctx.run_transaction(
        lambda session: CatalogService(ctx, session, principal).chart_layer(pack_uid))
    content = await chart_contents(ctx, layer)
    return content.values_yaml or ""

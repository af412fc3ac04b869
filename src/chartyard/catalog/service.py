"""Read the chart catalog: versions of a chart, version detail, values, paginated search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.contents import ChartLayer, chart_contents
from chartyard.catalog.search import SearchFilters, search_query
from chartyard.context import AppContext
from chartyard.errors import NotFoundError
from chartyard.helm import sort_versions_desc
from chartyard.pagination import decode_cursor, page_body, page_limit
from chartyard.registries.kinds import kind_of
from chartyard.registries.present import rfc3339
from chartyard.registries.service import RegistryService
from chartyard.store.models import ChartVersion, Registry
from chartyard.trust import store as trust_store


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

    def versions(self, chart_name: str, registry_uid: str) -> dict[str, Any]:
        """Return a chart's versions in a registry, newest semver first."""
        # Only the listed columns, and scoped to the caller's tenant in the same query: the
        # registry is loaded only to tell a missing or foreign registry (404) from a missing
        # chart, which keeps the common case to one indexed query.
        rows = list(self.session.execute(select(
            ChartVersion.uid, ChartVersion.tag, ChartVersion.version, ChartVersion.digest,
            ChartVersion.app_version, ChartVersion.repository,
        ).where(ChartVersion.registry_uid == registry_uid, ChartVersion.name == chart_name,
                ChartVersion.tenant_uid == self.principal.tenant_uid)))
        if not rows:
            self._registry(registry_uid)
            raise NotFoundError(f"no chart named '{chart_name}' in registry '{registry_uid}'")
        order = {v: i for i, v in enumerate(sort_versions_desc(r.version for r in rows))}
        rows.sort(key=lambda r: (order[r.version], r.repository))
        verdicts = trust_store.verdicts_of(self.session, (r.uid for r in rows))
        return {
            "name": chart_name,
            "registryUid": registry_uid,
            "tags": [{"tag": r.tag, "version": r.version, "packUid": r.uid, "digest": r.digest,
                      "appVersion": r.app_version, "repository": r.repository,
                      "verification": trust_store.verification(verdicts.get(r.uid))}
                     for r in rows],
        }

    def detail(self, pack_uid: str) -> dict[str, Any]:
        """Return a chart version's metadata."""
        row = self.version(pack_uid)
        reg = self._registry(row.registry_uid)
        meta = row.chart_metadata
        return {
            "uid": row.uid, "name": row.name, "version": row.version, "tag": row.tag,
            "registryUid": row.registry_uid, "registryName": reg.name,
            "repository": row.repository,
            **pull_refs(reg, row.repository),
            "appVersion": row.app_version, "description": row.description,
            "icon": meta.get("icon"), "keywords": meta.get("keywords", []),
            "home": meta.get("home"), "sources": meta.get("sources", []),
            "maintainers": meta.get("maintainers", []),
            "dependencies": meta.get("dependencies", []),
            "kubeVersion": meta.get("kubeVersion"), "deprecated": bool(meta.get("deprecated")),
            "type": meta.get("type") or "application", "apiVersion": meta.get("apiVersion"),
            "annotations": meta.get("annotations", {}),
            "digests": {"manifest": row.digest, "config": row.config_digest,
                        "chart": row.chart_digest},
            "created": rfc3339(row.indexed_at),
            "verification": trust_store.verification(
                trust_store.verdicts_of(self.session, [row.uid]).get(row.uid)),
        }

    def search(self, q: str, registry_uid: str | None, limit: int, token: str | None, *,
               registry_kind: str | None = None,
               newer_than: str | None = None) -> dict[str, Any]:
        """Return one page of charts matching `q`, best match first (see catalog/search.py)."""
        filters = SearchFilters(q, registry_uid or None, registry_kind or None,
                                newer_than or None)
        limit = page_limit(limit)
        offset = decode_cursor(token)
        if filters.registry_uid:
            self._registry(filters.registry_uid)
        query = search_query(self.session.get_bind().dialect.name, self.principal.tenant_uid,
                             filters, offset=offset, limit=limit + 1)
        rows = [] if query is None else self.session.execute(*query).all()
        items = [
            {"name": c.name, "registryUid": c.registry_uid, "registryName": c.registry_name,
             "repository": c.repository, "latestVersion": c.latest_version,
             "latestPackUid": c.latest_pack_uid, "versions": c.version_count,
             "description": c.description, "icon": c.icon,
             "keywords": c.keywords.split() if c.keywords else []}
            for c in rows[:limit]
        ]
        return page_body(items, offset=offset, limit=limit, more=len(rows) > limit)

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


def pull_refs(reg: Registry, repository: str) -> dict[str, str | None]:
    """Return what `helm pull` takes for a chart: `oci://host/repo`, or `chart --repo URL`."""
    access = kind_of(reg).export_access(reg)
    if access.repo_url:
        return {"ociRef": None, "pullRef": f"{repository} --repo {access.repo_url}"}
    ref = access.oci_url(repository)
    return {"ociRef": ref, "pullRef": ref}

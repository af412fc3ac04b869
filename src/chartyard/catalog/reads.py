"""The catalog's lean read path: one connection, one read transaction, Core rows.

Search, a chart's versions, a version's detail and the Registry drop-down are the API's hot
reads. Each runs as: check out one connection, open one transaction, authenticate the caller
in it (one indexed lookup), run the read as Core rows scoped to the caller's tenant, and
return plain dicts ready for JSON. No ORM objects are loaded and nothing the code built
itself is validated again (the declared response models still describe the answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, bindparam, select

from chartyard.auth import service as auth
from chartyard.auth.roles import Principal
from chartyard.catalog.search import SearchFilters, needs_custom_plan, search_query
from chartyard.context import AppContext
from chartyard.errors import NotFoundError
from chartyard.helm import sort_versions_desc
from chartyard.pagination import decode_cursor, page_body, page_limit
from chartyard.registries.kinds import kind_of
from chartyard.registries.menu import REGISTRY_COLUMNS, detached, registry_menu
from chartyard.registries.present import rfc3339
from chartyard.store.models import ChartVersion, Registry
from chartyard.trust import store as trust_store


@dataclass(frozen=True)
class Credentials:
    """What an API request presented: an `ApiKey` header, a session token, or neither."""

    api_key: str | None
    token: str | None


@contextmanager
def catalog_reads(ctx: AppContext, credentials: Credentials) -> Iterator[CatalogReads]:
    """Yield the caller's catalog reads on one connection and in one read transaction.

    Raises `Unauthenticated` when the credentials name no live user.
    """
    with ctx.engine.connect() as conn, conn.begin():
        principal = auth.principal_for_request(conn, credentials.api_key, credentials.token)
        yield CatalogReads(conn, principal)


_REGISTRY_COLUMNS = REGISTRY_COLUMNS
# Statements built once, all values bound: building one costs more CPU than running it.
_TENANT = bindparam("tenant", type_=String)
_REGISTRY = select(*_REGISTRY_COLUMNS).where(
    Registry.uid == bindparam("uid", type_=String), Registry.tenant_uid == _TENANT)
_VERSIONS = select(
    ChartVersion.uid, ChartVersion.tag, ChartVersion.version, ChartVersion.digest,
    ChartVersion.app_version, ChartVersion.repository,
).where(ChartVersion.registry_uid == bindparam("registry", type_=String),
        ChartVersion.name == bindparam("name", type_=String), ChartVersion.tenant_uid == _TENANT)
_DETAIL = select(
    ChartVersion.uid, ChartVersion.name, ChartVersion.version, ChartVersion.tag,
    ChartVersion.registry_uid, ChartVersion.repository, ChartVersion.app_version,
    ChartVersion.description, ChartVersion.chart_metadata, ChartVersion.digest,
    ChartVersion.config_digest, ChartVersion.chart_digest, ChartVersion.indexed_at,
    *(c.label(f"reg_{c.key}") for c in _REGISTRY_COLUMNS),
).join(Registry, Registry.uid == ChartVersion.registry_uid).where(
    ChartVersion.uid == bindparam("uid", type_=String), ChartVersion.tenant_uid == _TENANT)


_registry = detached


def pull_refs(reg: Registry, repository: str) -> dict[str, str | None]:
    """Return what `helm pull` takes for a chart: `oci://host/repo`, or `chart --repo URL`."""
    access = kind_of(reg).export_access(reg)
    if access.repo_url:
        return {"ociRef": None, "pullRef": f"{repository} --repo {access.repo_url}"}
    ref = access.oci_url(repository)
    return {"ociRef": ref, "pullRef": ref}


class CatalogReads:
    """The hot catalog reads of one caller, scoped to the caller's tenant; Core rows only."""

    def __init__(self, conn: Connection, principal: Principal) -> None:
        self.conn, self.principal = conn, principal
        self.tenant = principal.tenant_uid

    def _registry_row(self, uid: str) -> Any:
        """Return the tenant's registry row, or raise 404 for a missing or foreign one."""
        row = self.conn.execute(_REGISTRY, {"uid": uid, "tenant": self.tenant}).first()
        if row is None:
            raise NotFoundError(f"registry '{uid}' not found")
        return row

    def search(self, q: str, registry_uid: str | None, limit: int, token: str | None, *,
               registry_kind: str | None = None,
               newer_than: str | None = None) -> dict[str, Any]:
        """Return one page of charts matching `q`, best match first (see catalog/search.py)."""
        filters = SearchFilters(q, registry_uid or None, registry_kind or None,
                                newer_than or None)
        limit = page_limit(limit)
        offset = decode_cursor(token)
        if filters.registry_uid:
            self._registry_row(filters.registry_uid)
        query = search_query(self.conn.dialect.name, self.principal.tenant_uid, filters,
                             offset=offset, limit=limit + 1)
        if query is not None and needs_custom_plan(self.conn.dialect.name, filters,
                                                   offset=offset, limit=limit + 1):
            self.conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        rows = [] if query is None else self.conn.execute(*query).all()
        items = [
            {"name": c.name, "registryUid": c.registry_uid, "registryName": c.registry_name,
             "repository": c.repository, "latestVersion": c.latest_version,
             "latestPackUid": c.latest_pack_uid, "versions": c.version_count,
             "description": c.description, "icon": c.icon,
             "keywords": c.keywords.split() if c.keywords else []}
            for c in rows[:limit]
        ]
        return page_body(items, offset=offset, limit=limit, more=len(rows) > limit)

    def versions(self, chart_name: str, registry_uid: str) -> dict[str, Any]:
        """Return a chart's versions in a registry, newest semver first."""
        # Scoped to the tenant in the same indexed query; the registry is read only to tell
        # a missing or foreign registry (404) from a missing chart.
        rows = list(self.conn.execute(_VERSIONS, {"registry": registry_uid, "name": chart_name,
                                                  "tenant": self.tenant}))
        if not rows:
            self._registry_row(registry_uid)
            raise NotFoundError(f"no chart named '{chart_name}' in registry '{registry_uid}'")
        order = {v: i for i, v in enumerate(sort_versions_desc(r.version for r in rows))}
        rows.sort(key=lambda r: (order[r.version], r.repository))
        verdicts = trust_store.verdicts_of(self.conn, (r.uid for r in rows))
        return {
            "name": chart_name,
            "registryUid": registry_uid,
            "tags": [{"tag": r.tag, "version": r.version, "packUid": r.uid, "digest": r.digest,
                      "appVersion": r.app_version, "repository": r.repository,
                      "verification": trust_store.verification(verdicts.get(r.uid))}
                     for r in rows],
        }

    def detail(self, pack_uid: str) -> dict[str, Any]:
        """Return a chart version's metadata (the version and its registry in one query)."""
        row = self.conn.execute(_DETAIL, {"uid": pack_uid, "tenant": self.tenant}).first()
        if row is None:
            raise NotFoundError(f"pack '{pack_uid}' not found")
        reg = Registry(uid=row.reg_uid, name=row.reg_name, kind=row.reg_kind,
                       endpoint=row.reg_endpoint, spec=row.reg_spec,
                       is_sync_supported=row.reg_is_sync_supported)
        verdict = trust_store.verdicts_of(self.conn, [row.uid]).get(row.uid)
        return {**detail_body(row, reg), "verification": trust_store.verification(verdict)}

    def registry_menu(self, scope: str = "all") -> list[dict[str, Any]]:
        """Return the profile builder's Registry drop-down (``v1RegistryMetadata``)."""
        return registry_menu(self.conn, self.tenant, scope)


def detail_body(row: Any, reg: Registry) -> dict[str, Any]:
    """Return `GET /v1/packs/{packUid}` of a chart version row and its registry."""
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
    }

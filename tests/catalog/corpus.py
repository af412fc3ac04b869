"""A fixed catalog corpus for search tests, written through the real chart-row indexer."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from chartyard.auth import service as auth
from chartyard.auth.roles import Role
from chartyard.catalog.index import refresh_charts
from chartyard.context import AppContext
from chartyard.store.models import ChartVersion, Registry, SyncState, Tenant, new_uid, utcnow

PASSWORD = "search-Test-123"

# (registry, kind, chart name, versions, keywords, description, maintainers)
CHARTS: tuple[tuple[str, str, str, tuple[str, ...], str, str, str], ...] = (
    ("alpha", "basic", "redis", ("1.0.0", "1.2.0"), "cache database",
     "In-memory data store", "Jane Doe"),
    ("alpha", "basic", "redis-operator", ("0.9.0",), "redis operator",
     "Runs Redis clusters", "Ops Team"),
    ("alpha", "basic", "valkey-redis-compat", ("3.1.0",), "valkey",
     "A fork", "Ops Team"),
    ("alpha", "basic", "keydb", ("6.3.4",), "redis cache", "Multithreaded store", "Ops Team"),
    ("alpha", "basic", "grafana", ("7.0.0", "7.1.0-beta.1"), "dashboards",
     "Dashboards that work with Redis exporters", "Grafana Labs"),
    ("alpha", "basic", "postgres", ("15.2.0",), "sql database", "The database",
     "Redis Smith"),
    ("alpha", "basic", "nginx", ("1.25.0",), "web proxy", "Web server", "Ops Team"),
    ("beta", "ecr", "redis", ("1.5.0", "2.0.0-rc.1"), "cache", "Redis on ECR", "Cloud Team"),
    ("beta", "ecr", "kafka", ("3.6.0",), "streaming", "Event streaming", "Cloud Team"),
)
OTHER_TENANT_CHARTS = (
    ("gamma", "basic", "redis", ("9.9.9",), "cache secret-tenant", "Other tenant's redis",
     "Jane Doe"),
)


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _registry(session: Session, tenant_uid: str, name: str, kind: str) -> Registry:
    reg = Registry(tenant_uid=tenant_uid, name=name, kind=kind,
                   endpoint="https://registry.example.com", is_sync_supported=False,
                   spec={"endpoint": "https://registry.example.com"})
    session.add(reg)
    session.flush()
    session.add(SyncState(registry_uid=reg.uid))
    return reg


def _versions(reg: Registry, name: str, versions: tuple[str, ...], keywords: str,
              description: str, maintainer: str) -> list[dict[str, Any]]:
    rows = []
    for version in versions:
        meta = {"apiVersion": "v2", "name": name, "version": version,
                "description": description, "keywords": keywords.split(),
                "maintainers": [{"name": maintainer}]}
        rows.append({"uid": new_uid(), "tenant_uid": reg.tenant_uid, "registry_uid": reg.uid,
                     "repository": f"charts/{name}", "name": name, "tag": version,
                     "version": version, "digest": _digest(f"{reg.name}{name}{version}"),
                     "config_digest": _digest(f"c{reg.name}{name}{version}"),
                     "description": description, "keywords": keywords,
                     "chart_metadata": meta, "indexed_at": utcnow()})
    return rows


def _seed_tenant(session: Session, tenant_uid: str,
                 charts: tuple[tuple[str, str, str, tuple[str, ...], str, str, str], ...]
                 ) -> dict[str, str]:
    registries: dict[str, Registry] = {}
    for reg_name, kind, name, versions, keywords, description, maintainer in charts:
        reg = registries.get(reg_name) or _registry(session, tenant_uid, reg_name, kind)
        registries[reg_name] = reg
        session.execute(insert(ChartVersion),
                        _versions(reg, name, versions, keywords, description, maintainer))
    for reg_name, reg in registries.items():
        refresh_charts(session, reg, {f"charts/{c[2]}" for c in charts if c[0] == reg_name})
    return {name: reg.uid for name, reg in registries.items()}


def seed(ctx: AppContext) -> tuple[dict[str, str], str]:
    """Write the corpus into the default tenant and a second one; return (registry uids, user)."""
    from sqlalchemy import select

    with ctx.transaction() as session:
        default = session.scalar(select(Tenant).where(Tenant.name == "default"))
        assert default is not None
        uids = _seed_tenant(session, default.uid, CHARTS)
        other = auth.create_tenant(session, "search-other")
        auth.create_user(session, "search-other", "other-admin", PASSWORD, Role.TENANT_ADMIN)
        uids.update(_seed_tenant(session, other.uid, OTHER_TENANT_CHARTS))
    return uids, "other-admin"

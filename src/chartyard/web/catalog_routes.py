"""Catalog: search charts across the tenant's registries, and a chart's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx
from chartyard.catalog.service import CatalogService
from chartyard.errors import InvalidInput, ServiceError
from chartyard.oci import OCIError
from chartyard.registries.service import RegistryService
from chartyard.web.render import UiRoute, render
from chartyard.web.session import UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 25


@router.get("/catalog")
def catalog_page(request: Request, ctx: Ctx, principal: UiUser, q: str = "",
                 registry: str = "", kind: str = "", newer: str = "",
                 page: str = "") -> Response:
    """Show one page of charts matching the search across registries."""
    error = None
    with ctx.transaction() as session:
        registries = RegistryService(ctx, session, principal).metadata()
        try:
            results = CatalogService(ctx, session, principal).search(
                q[:200], registry or None, PAGE_SIZE, page or None,
                registry_kind=kind[:32] or None, newer_than=newer.strip()[:128] or None)
        except InvalidInput as exc:
            error = exc.message
            results = {"items": [], "listmeta": {"continue": "", "count": 0, "offset": 0}}
    kinds = sorted({r["kind"] for r in registries})
    return render(request, "catalog/search.html", principal, nav="catalog", q=q,
                  registry=registry, registries=registries, kind=kind, kinds=kinds,
                  newer=newer, error=error, results=results)


def _values(svc: CatalogService, pack_uid: str) -> tuple[str | None, str | None]:
    """Return (values.yaml, None), or (None, why) when the chart layer cannot be read now."""
    try:
        return svc.values(pack_uid), None
    except (ServiceError, OCIError) as exc:
        return None, f"{exc.code}: {exc.message}"


@router.get("/catalog/{registry_uid}/{chart_name}")
def chart_page(request: Request, ctx: Ctx, principal: UiUser, registry_uid: str,
               chart_name: str, version: str = "") -> Response:
    """Show a chart: versions, description, icon, maintainers, links and default values."""
    with ctx.transaction() as session:
        svc = CatalogService(ctx, session, principal)
        versions = svc.versions(chart_name, registry_uid)
        tags: list[dict[str, Any]] = versions["tags"]
        chosen = next((t for t in tags if t["version"] == version), tags[0])
        detail = svc.detail(chosen["packUid"])
    # The values are read from the registry on first use; a failure must not hide the page.
    with ctx.transaction() as session:
        values, values_error = _values(CatalogService(ctx, session, principal),
                                       chosen["packUid"])
    return render(request, "catalog/chart.html", principal, nav="catalog", chart=detail,
                  tags=tags, chosen=chosen, values=values, values_error=values_error)

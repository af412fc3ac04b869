"""Catalog: search charts across the tenant's registries, and a chart's page."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx
from chartyard.auth.roles import Principal
from chartyard.catalog.service import CatalogService, pack_values
from chartyard.context import AppContext
from chartyard.errors import ChartyardError
from chartyard.registries.service import RegistryService
from chartyard.web.render import UiRoute, render
from chartyard.web.session import UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 25


@router.get("/catalog")
def catalog_page(request: Request, ctx: Ctx, principal: UiUser, q: str = "",
                 registry: str = "", page: str = "") -> Response:
    """Show one page of charts matching the search across registries."""
    with ctx.transaction() as session:
        registries = RegistryService(ctx, session, principal).metadata()
        results = CatalogService(ctx, session, principal).search(
            q[:200], registry or None, PAGE_SIZE, page or None)
    return render(request, "catalog/search.html", principal, nav="catalog", q=q,
                  registry=registry, registries=registries, results=results)


async def _values(ctx: AppContext, principal: Principal,
                  pack_uid: str) -> tuple[str | None, str | None]:
    """Return (values.yaml, None), or (None, why) when the chart layer cannot be read now."""
    try:
        return await pack_values(ctx, principal, pack_uid), None
    except ChartyardError as exc:
        return None, f"{exc.code}: {exc.message}"


@router.get("/catalog/{registry_uid}/{chart_name}")
async def chart_page(request: Request, ctx: Ctx, principal: UiUser, registry_uid: str,
                     chart_name: str, version: str = "") -> Response:
    """Show a chart: versions, description, icon, maintainers, links and default values."""
    def read() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        with ctx.transaction() as session:
            svc = CatalogService(ctx, session, principal)
            tags: list[dict[str, Any]] = svc.versions(chart_name, registry_uid)["tags"]
            chosen = next((t for t in tags if t["version"] == version), tags[0])
            return tags, chosen, svc.detail(chosen["packUid"])

    tags, chosen, detail = await anyio.to_thread.run_sync(read)
    # The values are read from the registry on first use (no transaction open meanwhile);
    # a failure must not hide the page.
    values, values_error = await _values(ctx, principal, chosen["packUid"])
    return render(request, "catalog/chart.html", principal, nav="catalog", chart=detail,
                  tags=tags, chosen=chosen, values=values, values_error=values_error)

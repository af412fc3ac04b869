"""Catalog: search charts across the tenant's registries, and a chart's page."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx
from chartyard.catalog.service import CatalogService
from chartyard.errors import ServiceError
from chartyard.oci import OCIError
from chartyard.registries.service import RegistryService
from chartyard.web.markdown import render_readme
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


def _files(svc: CatalogService, pack_uid: str) -> dict[str, Any]:
    """Return values, README (sanitised HTML) and schema, or why the layer cannot be read."""
    try:
        files = svc.contents(svc.version(pack_uid))
    except (ServiceError, OCIError) as exc:
        return {"values": None, "values_error": f"{exc.code}: {exc.message}"}
    schema = files.values_schema
    if schema:
        with contextlib.suppress(ValueError):  # shown as stored when it is not JSON
            schema = json.dumps(json.loads(schema), indent=2)
    return {"values": files.values_yaml or "", "values_error": None,
            "readme_html": render_readme(files.readme) if files.readme else None,
            "schema": schema or None}


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
        files = _files(CatalogService(ctx, session, principal), chosen["packUid"])
    return render(request, "catalog/chart.html", principal, nav="catalog", chart=detail,
                  tags=tags, chosen=chosen, **files)

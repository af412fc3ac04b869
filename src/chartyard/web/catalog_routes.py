"""Catalog: search charts across the tenant's registries, and a chart's page."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx
from chartyard.api.services import Later, Services
from chartyard.catalog.contents import chart_contents
from chartyard.context import AppContext
from chartyard.errors import ChartyardError, InvalidInput
from chartyard.web.markdown import render_readme
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiCatalog, UiLater, UiRegistries
from chartyard.web.session import UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 25


@router.get("/catalog")
def catalog_page(request: Request, registries_svc: UiRegistries, catalog: UiCatalog,
                 principal: UiUser, q: str = "",
                 registry: str = "", kind: str = "", newer: str = "",
                 page: str = "") -> Response:
    """Show one page of charts matching the search across registries."""
    error = None
    registries = registries_svc.metadata()
    try:
        results = catalog.search(
            q[:200], registry or None, PAGE_SIZE, page or None,
            registry_kind=kind[:32] or None, newer_than=newer.strip()[:128] or None)
    except InvalidInput as exc:
        error = exc.message
        results = {"items": [], "listmeta": {"continue": "", "count": 0, "offset": 0}}
    kinds = sorted({r["kind"] for r in registries})
    return render(request, "catalog/search.html", principal, nav="catalog", q=q,
                  registry=registry, registries=registries, kind=kind, kinds=kinds,
                  newer=newer, error=error, results=results)


async def _files(ctx: AppContext, later: Later, pack_uid: str) -> dict[str, Any]:
    """Return values, README (sanitised HTML) and schema, or why the layer cannot be read.

    The layer is read with no transaction open.
    """
    try:
        layer = await later.run(lambda s: s.catalog.chart_layer(pack_uid))
        files = await chart_contents(ctx, layer)
    except ChartyardError as exc:
        return {"values": None, "values_error": f"{exc.code}: {exc.message}"}
    schema = files.values_schema
    if schema:
        with contextlib.suppress(ValueError):  # shown as stored when it is not JSON
            schema = json.dumps(json.loads(schema), indent=2)
    return {"values": files.values_yaml or "", "values_error": None,
            "readme_html": render_readme(files.readme) if files.readme else None,
            "schema": schema or None}


@router.get("/catalog/{registry_uid}/{chart_name}")
async def chart_page(request: Request, ctx: Ctx, later: UiLater, principal: UiUser,
                     registry_uid: str, chart_name: str, version: str = "") -> Response:
    """Show a chart: versions, description, icon, maintainers, links and default values."""
    def read(s: Services) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        tags: list[dict[str, Any]] = s.catalog.versions(chart_name, registry_uid)["tags"]
        chosen = next((t for t in tags if t["version"] == version), tags[0])
        return tags, chosen, s.catalog.detail(chosen["packUid"])

    tags, chosen, detail = await later.run(read)
    # The files are read from the registry on first use (no transaction open meanwhile);
    # a failure must not hide the page.
    files = await _files(ctx, later, chosen["packUid"])
    return render(request, "catalog/chart.html", principal, nav="catalog", chart=detail,
                  tags=tags, chosen=chosen, **files)

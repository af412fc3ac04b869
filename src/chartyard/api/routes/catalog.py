"""Catalog endpoints: chart versions per registry, version detail, values, search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.api.services import Catalog
from chartyard.catalog.service import pack_values
from chartyard.wire.catalog import ChartVersions, PackDetail, SearchPage

router = APIRouter(prefix="/v1/packs", tags=["catalog"])


@router.get("", response_model=SearchPage)
def search(svc: Catalog, q: str = "", registryUid: str | None = None,
           limit: int = 50,
           continue_: Annotated[str | None, Query(alias="continue")] = None,
           registryKind: str | None = None, newerThan: str | None = None) -> JSONResponse:
    """Search charts by name, keyword, description or maintainer, best match first.

    Filters: `registryUid`, `registryKind` (basic, ecr), and `newerThan` (a SemVer
    version: only charts with a newer version).
    """
    page = svc.search(q, registryUid, limit, continue_, registry_kind=registryKind,
                      newer_than=newerThan)
    # The page is plain JSON already: skip FastAPI's generic encoder on this hot path
    # (a returned response is not validated; `response_model` documents it).
    return JSONResponse(page)


@router.get("/{chartName}/registries/{registryUid}", response_model=ChartVersions)
def versions(chartName: str, registryUid: str, svc: Catalog) -> JSONResponse:
    """Return a chart's versions in a registry, newest semver first."""
    return JSONResponse(svc.versions(chartName, registryUid))


@router.get("/{packUid}", response_model=PackDetail)
def detail(packUid: str, svc: Catalog) -> dict[str, Any]:
    """Return a chart version's metadata."""
    return svc.detail(packUid)


class YamlText(PlainTextResponse):
    """Plain text sent as `application/yaml`."""

    media_type = "application/yaml"


@router.get("/{packUid}/values", response_class=YamlText,
            responses={200: {"description": "The chart's default values.yaml."}})
async def values(packUid: str, ctx: Ctx, principal: CurrentUser) -> YamlText:
    """Return the chart version's default values.yaml as text (no transaction open on I/O)."""
    text = await pack_values(ctx, principal, packUid)
    return YamlText(text)

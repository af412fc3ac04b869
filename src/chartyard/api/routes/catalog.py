"""Catalog endpoints: chart versions per registry, version detail, values, search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.api.reads import CatalogRead
from chartyard.catalog.service import pack_values
from chartyard.wire.catalog import ChartVersions, PackDetail, SearchPage

router = APIRouter(prefix="/v1/packs", tags=["catalog"])


@router.get("", response_model=SearchPage)
def search(read: CatalogRead, q: str = "", registryUid: str | None = None,
           limit: int = 50,
           continue_: Annotated[str | None, Query(alias="continue")] = None,
           registryKind: str | None = None, newerThan: str | None = None) -> Response:
    """Search charts by name, keyword, description or maintainer, best match first.

    Filters: `registryUid`, `registryKind` (basic, ecr), and `newerThan` (a SemVer
    version: only charts with a newer version).
    """
    with read.open() as catalog:
        page = catalog.search(q, registryUid, limit, continue_, registry_kind=registryKind,
                              newer_than=newerThan)
    return read.respond(page)


@router.get("/{chartName}/registries/{registryUid}", response_model=ChartVersions)
def versions(chartName: str, registryUid: str, read: CatalogRead) -> Response:
    """Return a chart's versions in a registry, newest semver first."""
    with read.open() as catalog:
        found = catalog.versions(chartName, registryUid)
    return read.respond(found)


@router.get("/{packUid}", response_model=PackDetail)
def detail(packUid: str, read: CatalogRead) -> Response:
    """Return a chart version's metadata."""
    with read.open() as catalog:
        found = catalog.detail(packUid)
    return read.respond_checked(PackDetail, found)


class YamlText(PlainTextResponse):
    """Plain text sent as `application/yaml`."""

    media_type = "application/yaml"


@router.get("/{packUid}/values", response_class=YamlText,
            responses={200: {"description": "The chart's default values.yaml."}})
async def values(packUid: str, ctx: Ctx, principal: CurrentUser) -> YamlText:
    """Return the chart version's default values.yaml as text (no transaction open on I/O)."""
    text = await pack_values(ctx, principal, packUid)
    return YamlText(text)

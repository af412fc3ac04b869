"""Compare pages: two versions of a catalog chart, and upgrading one pack of a profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx
from chartyard.api.services import Services
from chartyard.catalog.compare import compare_versions
from chartyard.errors import NotFoundError
from chartyard.profiles.upgrades import catalog_versions, pack_upgrade
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiLater
from chartyard.web.session import UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """Return the diff's lines with a CSS class each: add, del, hunk or none."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = ""
        out.append((kind, line))
    return out


def _pick(tags: list[dict[str, Any]], version: str, fallback: int) -> dict[str, Any]:
    if not version:
        return tags[min(fallback, len(tags) - 1)]
    for tag in tags:
        if version in (tag["version"], tag["tag"]):
            return tag
    raise NotFoundError(f"this chart has no version '{version}' in the catalog")


@router.get("/catalog/{registry_uid}/{chart_name}/compare")
async def chart_compare(request: Request, ctx: Ctx, later: UiLater, principal: UiUser,
                        registry_uid: str, chart_name: str) -> Response:
    """Show the Chart.yaml changes and the values diff between two versions of a chart."""
    frm = request.query_params.get("from", "")[:128]
    to = request.query_params.get("to", "")[:128]
    def read(s: Services) -> tuple[list[dict[str, Any]], str, str, dict[str, Any]]:
        tags: list[dict[str, Any]] = s.catalog.versions(chart_name, registry_uid)["tags"]
        old, new = _pick(tags, frm, 1), _pick(tags, to, 0)
        return tags, old["packUid"], new["packUid"], s.catalog.detail(new["packUid"])

    tags, old_uid, new_uid, detail = await later.run(read)
    body = await compare_versions(ctx, principal, old_uid, new_uid)
    return render(request, "catalog/compare.html", principal, nav="catalog", chart=detail,
                  tags=tags, result=body, lines=diff_lines(body["valuesDiff"]),
                  back=f"/catalog/{registry_uid}/{chart_name}")


@router.get("/profiles/{uid}/packs/{index}/compare")
async def pack_compare(request: Request, ctx: Ctx, later: UiLater, principal: UiUser,
                       uid: str, index: int, version: str = "") -> Response:
    """Show what upgrading one pack of a profile to `version` would change."""
    body = await pack_upgrade(ctx, principal, uid, index, version[:128])

    def read(s: Services) -> tuple[str, list[dict[str, Any]]]:
        profile = s.profiles.get(uid)
        versions = catalog_versions(s.session, s.principal.tenant_uid, profile.packs[index])
        return profile.name, [{"version": r.version} for r in versions]

    name, tags = await later.run(read)
    return render(request, "catalog/compare.html", principal, nav="profiles", chart=None,
                  tags=tags, result=body, lines=diff_lines(body["valuesDiff"]),
                  back=f"/profiles/{uid}", profile_name=name, profile_uid=uid, index=index)

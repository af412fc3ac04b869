"""The chart catalog: search, versions of a chart, and default values."""

from __future__ import annotations

from typing import Any, cast

from chartyard.client._errors import ApiError
from chartyard.client._http import Http
from chartyard.wire.catalog import ChartHit, ChartTag, ChartVersions, SearchPage


class ChartsApi:
    """The `/v1/packs` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def search_page(self, text: str = "", *, registry_uid: str | None = None, limit: int = 50,
                    continue_token: str | None = None, registry_kind: str | None = None,
                    newer_than: str | None = None) -> SearchPage:
        """Return one page of charts matching `text`, best match first."""
        params = {"q": text, "registryUid": registry_uid, "limit": limit,
                  "continue": continue_token or None, "registryKind": registry_kind,
                  "newerThan": newer_than}
        return SearchPage.model_validate(self._http.json("GET", "/v1/packs", params=params))

    def search(self, text: str = "", *, registry_uid: str | None = None,
               max_items: int = 200, registry_kind: str | None = None,
               newer_than: str | None = None) -> list[ChartHit]:
        """Return up to `max_items` matching charts, following the pages."""
        hits: list[ChartHit] = []
        token: str | None = None
        while len(hits) < max_items:
            page = self.search_page(text, registry_uid=registry_uid,
                                    limit=min(200, max_items - len(hits)), continue_token=token,
                                    registry_kind=registry_kind, newer_than=newer_than)
            hits.extend(page.items)
            token = page.listmeta.continue_
            if not token:
                break
        return hits[:max_items]

    def versions(self, chart: str, registry_uid: str) -> ChartVersions:
        """Return a chart's versions in a registry, newest semver first."""
        return ChartVersions.model_validate(
            self._http.json("GET", f"/v1/packs/{chart}/registries/{registry_uid}"))

    def find_version(self, chart: str, version: str, registry_uid: str) -> ChartTag:
        """Return the chart version whose version or tag is `version`, or raise a 404."""
        tags = self.versions(chart, registry_uid).tags
        for tag in tags:
            if version in (tag.version, tag.tag):
                return tag
        newest = ", ".join(t.version for t in tags[:5])
        raise ApiError(404, "ResourceNotFound",
                       f"chart '{chart}' has no version '{version}' in this registry "
                       f"(newest: {newest})", {"field": "version"})

    def get(self, pack_uid: str) -> dict[str, Any]:
        """Return a chart version's metadata."""
        return cast(dict[str, Any], self._http.json("GET", f"/v1/packs/{pack_uid}"))

    def values(self, pack_uid: str) -> str:
        """Return a chart version's default values.yaml as text."""
        return self._http.request("GET", f"/v1/packs/{pack_uid}/values").text

    def compare(self, from_pack_uid: str, to_pack_uid: str) -> dict[str, Any]:
        """Return the Chart.yaml changes and the values.yaml diff between two versions."""
        return cast(dict[str, Any], self._http.json(
            "GET", f"/v1/packs/{from_pack_uid}/compare", params={"to": to_pack_uid}))

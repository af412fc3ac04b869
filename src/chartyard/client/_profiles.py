"""Cluster profiles: create, read, list, update (add a chart), delete and export."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, cast

from chartyard.client._bodies import profile_body
from chartyard.client._errors import ApiError
from chartyard.client._http import Http
from chartyard.client._types import Created, ExportFormat, Pack, Profile, ProfileType

_PACK_FIELDS = ("name", "tag", "registryUid", "type", "values", "source")


def writable(profile: Profile) -> dict[str, Any]:
    """Return the part of a fetched profile that a PUT accepts (no uid, status or drift)."""
    meta = profile.get("metadata", {})
    spec = profile.get("spec", {})
    template = spec.get("template", {})
    packs = [{k: p[k] for k in _PACK_FIELDS if p.get(k) is not None}
             for p in template.get("packs", [])]
    return {
        "metadata": {"name": meta["name"], "annotations": dict(meta.get("annotations") or {}),
                     "labels": dict(meta.get("labels") or {})},
        "spec": {"version": spec["version"],
                 "template": {"type": template.get("type", "add-on"),
                              "cloudType": template.get("cloudType", "all"), "packs": packs}},
    }


class ProfilesApi:
    """The `/v1/clusterprofiles` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def create(self, name: str, *, version: str = "1.0.0", profile_type: ProfileType = "add-on",
               description: str = "", labels: dict[str, str] | None = None,
               packs: Sequence[Pack] = ()) -> Created:
        """Create a profile; return its uid."""
        body = profile_body(name, version=version, profile_type=profile_type,
                            description=description, labels=labels, packs=packs)
        return self.create_from(body)

    def create_from(self, body: dict[str, Any], *, skip_pack_validation: bool = False) -> Created:
        """Create a profile from a full body; return its uid."""
        params = {"skipPackValidation": True} if skip_pack_validation else None
        return cast(Created, self._http.json("POST", "/v1/clusterprofiles", json=body,
                                             params=params))

    def get(self, uid: str, *, check_drift: bool = True) -> Profile:
        """Return a profile with its packs in layer order; drift is checked live by default."""
        params = None if check_drift else {"checkDrift": False}
        return cast(Profile, self._http.json("GET", f"/v1/clusterprofiles/{uid}", params=params))

    def list(self, *, name: str | None = None, max_items: int = 1000) -> list[Profile]:
        """Return the tenant's profiles (optionally of one name), following the pages."""
        items: list[Profile] = []
        token: str | None = None
        while len(items) < max_items:
            body = self._http.json("GET", "/v1/clusterprofiles",
                                   params={"name": name, "limit": 100, "continue": token})
            items.extend(body.get("items", []))
            token = str((body.get("listmeta") or {}).get("continue") or "")
            if not token:
                break
        return items[:max_items]

    def resolve(self, ref: str) -> Profile:
        """Find a profile by `name` (when it has one version), `name:version`, or uid."""
        name, _, version = ref.partition(":")
        named = [r for r in self.list(name=name) if r["metadata"]["name"] == name]
        if version:
            named = [r for r in named if r["spec"]["version"] == version]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            versions = ", ".join(sorted(str(r["spec"]["version"]) for r in named))
            raise ApiError(409, "AmbiguousProfile",
                           f"profile '{name}' has versions {versions}; "
                           f"name one as '{name}:VERSION' or by uid", {"field": "profile"})
        if not version:
            try:
                return self.get(ref, check_drift=False)
            except ApiError as exc:
                if exc.status != 404:
                    raise
        raise ApiError(404, "ResourceNotFound",
                       f"no cluster profile has the name, name:version or uid '{ref}'",
                       {"field": "profile"})

    def update(self, uid: str, body: dict[str, Any], *,
               skip_pack_validation: bool = False) -> None:
        """Replace a profile's metadata and packs."""
        params = {"skipPackValidation": True} if skip_pack_validation else None
        self._http.request("PUT", f"/v1/clusterprofiles/{uid}", json=body, params=params)

    def add_chart(self, uid: str, new_pack: Pack, *, skip_pack_validation: bool = False) -> Profile:
        """Append a chart layer (read, append, write back) and return the updated profile."""
        body = writable(self.get(uid, check_drift=False))
        body["spec"]["template"]["packs"].append(dict(new_pack))
        self.update(uid, body, skip_pack_validation=skip_pack_validation)
        return self.get(uid)

    def edit_packs(self, uid: str, change: Callable[[builtins.list[dict[str, Any]]], None], *,
                   skip_pack_validation: bool = False) -> Profile:
        """Read the profile, let `change` edit its pack list in place, write it back."""
        body = writable(self.get(uid, check_drift=False))
        change(body["spec"]["template"]["packs"])
        self.update(uid, body, skip_pack_validation=skip_pack_validation)
        return self.get(uid, check_drift=False)

    def remove_chart(self, uid: str, chart: str) -> Profile:
        """Remove the layer of chart `chart`; raise a 404 `ApiError` if there is none."""
        return self.edit_packs(uid, lambda packs: packs.remove(_find(packs, chart)))

    def set_values(self, uid: str, chart: str, values: str) -> Profile:
        """Replace the values of chart `chart`'s layer."""
        return self.edit_packs(uid, lambda packs: _find(packs, chart).update(values=values))

    def set_version(self, uid: str, chart: str, version: str) -> Profile:
        """Move chart `chart`'s layer to another version (its values stay)."""
        return self.edit_packs(uid, lambda packs: _find(packs, chart).update(tag=version))

    def new_version(self, uid: str, version: str) -> Created:
        """Copy a profile under a new version; both stay readable."""
        return cast(Created, self._http.json("POST", f"/v1/clusterprofiles/{uid}/versions",
                                             json={"version": version}))

    def publish(self, uid: str) -> None:
        """Publish a profile's draft (Palette's `PATCH /{uid}/publish`)."""
        self._http.request("PATCH", f"/v1/clusterprofiles/{uid}/publish")

    def clone(self, uid: str, name: str, version: str | None = None) -> Created:
        """Copy a profile under a new name (Palette's `POST /{uid}/clone`)."""
        body: dict[str, Any] = {"metadata": {"name": name}}
        if version:
            body["spec"] = {"version": version}
        return cast(Created, self._http.json("POST", f"/v1/clusterprofiles/{uid}/clone",
                                             json=body))

    def upgrades(self, uid: str) -> builtins.list[dict[str, Any]]:
        """Return each pack's newest catalog version of the same and of a newer major."""
        body = self._http.json("GET", f"/v1/clusterprofiles/{uid}/upgrades")
        return cast(builtins.list[dict[str, Any]], body["items"])

    def compare_upgrade(self, uid: str, index: int, version: str) -> dict[str, Any]:
        """Return what moving pack number `index` (from 0) to `version` would change."""
        return cast(dict[str, Any], self._http.json(
            "GET", f"/v1/clusterprofiles/{uid}/packs/{index}/compare",
            params={"version": version}))

    def delete(self, uid: str) -> None:
        """Delete a profile."""
        self._http.request("DELETE", f"/v1/clusterprofiles/{uid}")

    def export(self, uid: str, fmt: ExportFormat) -> str:
        """Return the profile as YAML for Flux, Argo CD or helmfile."""
        return self._http.request("GET", f"/v1/clusterprofiles/{uid}/export",
                                  params={"format": fmt}).text


def _find(packs: list[dict[str, Any]], chart: str) -> dict[str, Any]:
    for p in packs:
        if p["name"] == chart:
            return p
    names = ", ".join(p["name"] for p in packs) or "none"
    raise ApiError(404, "ResourceNotFound",
                   f"the profile has no layer of chart '{chart}' (layers: {names})",
                   {"field": "chart"})

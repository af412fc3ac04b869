"""Cluster profiles: create, read, list, update (add a chart), delete and export."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, cast

from chartyard.client._bodies import pack_body, profile_body
from chartyard.client._errors import ApiError
from chartyard.client._http import Http
from chartyard.client._types import ExportFormat, ProfileType
from chartyard.wire.common import Uid
from chartyard.wire.profiles import ClusterProfile, PackRef, ProfileList, ProfileListItem
from chartyard.wire.variables import ValuesCheck, Variable, Variables

_PACK_FIELDS = {"name", "tag", "registry_uid", "type", "layer", "values", "source"}

ProfileRef = ClusterProfile | ProfileListItem
"""A profile found by `resolve`: both shapes carry `metadata` and `spec.version`."""


def writable(profile: ClusterProfile) -> dict[str, Any]:
    """Return the body a PUT takes for a fetched profile: its draft, else its published
    template (Palette's `v1ClusterProfileUpdateEntity`), without uid, status or drift."""
    template = profile.spec.draft or profile.spec.published or profile.spec.template
    packs = [p.model_dump(by_alias=True, include=_PACK_FIELDS, exclude_none=True)
             for p in (template.packs if template else [])]
    meta = profile.metadata
    return {
        "metadata": {"name": meta.name, "annotations": dict(meta.annotations),
                     "labels": dict(meta.labels)},
        "spec": {"version": profile.spec.version,
                 "template": {"type": template.type if template else "add-on",
                              "cloudType": template.cloud_type if template else "all",
                              "packs": packs}},
    }


class ProfilesApi:
    """The `/v1/clusterprofiles` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def create(self, name: str, *, version: str = "1.0.0", profile_type: ProfileType = "add-on",
               description: str = "", labels: dict[str, str] | None = None,
               packs: Sequence[PackRef] = ()) -> Uid:
        """Create a profile; return its uid."""
        body = profile_body(name, version=version, profile_type=profile_type,
                            description=description, labels=labels, packs=packs)
        return self.create_from(body)

    def create_from(self, body: dict[str, Any], *, skip_pack_validation: bool = False,
                    publish: bool = False) -> Uid:
        """Create a profile from a full body (a draft unless `publish`); return its uid."""
        params: dict[str, Any] = {"skipPackValidation": True} if skip_pack_validation else {}
        if publish:
            params["publish"] = True
        return Uid.model_validate(self._http.json("POST", "/v1/clusterprofiles", json=body,
                                                  params=params or None))

    def get(self, uid: str, *, check_drift: bool = True) -> ClusterProfile:
        """Return a profile with its packs in layer order; drift is checked live by default."""
        params = None if check_drift else {"checkDrift": False}
        return ClusterProfile.model_validate(
            self._http.json("GET", f"/v1/clusterprofiles/{uid}", params=params))

    def list(self, *, name: str | None = None, max_items: int = 1000) -> list[ProfileListItem]:
        """Return the tenant's profiles (optionally of one name), following the pages."""
        items: list[ProfileListItem] = []
        token: str | None = None
        while len(items) < max_items:
            page = ProfileList.model_validate(self._http.json(
                "GET", "/v1/clusterprofiles",
                params={"name": name, "limit": 100, "continue": token}))
            items.extend(page.items)
            token = page.listmeta.continue_
            if not token:
                break
        return items[:max_items]

    def publish(self, uid: str) -> None:
        """Publish a profile (Palette's `PATCH /{uid}/publish`)."""
        self._http.request("PATCH", f"/v1/clusterprofiles/{uid}/publish")

    def resolve(self, ref: str) -> ProfileRef:
        """Find a profile by `name` (when it has one version), `name:version`, or uid."""
        name, _, version = ref.partition(":")
        named: list[ProfileRef] = [r for r in self.list(name=name) if r.metadata.name == name]
        if version:
            named = [r for r in named if r.spec.version == version]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            versions = ", ".join(sorted(r.spec.version for r in named))
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

    def resolve_uid(self, ref: str) -> str:
        """Return the uid of the profile `resolve` finds."""
        return self.resolve(ref).metadata.uid or ""

    def update(self, uid: str, body: dict[str, Any], *,
               skip_pack_validation: bool = False) -> None:
        """Replace a profile's metadata and packs."""
        params = {"skipPackValidation": True} if skip_pack_validation else None
        self._http.request("PUT", f"/v1/clusterprofiles/{uid}", json=body, params=params)

    def add_chart(self, uid: str, new_pack: PackRef, *,
                  skip_pack_validation: bool = False) -> ClusterProfile:
        """Append a chart layer (read, append, write back) and return the updated profile."""
        body = writable(self.get(uid, check_drift=False))
        body["spec"]["template"]["packs"].append(pack_body(new_pack))
        self.update(uid, body, skip_pack_validation=skip_pack_validation)
        return self.get(uid)

    def edit_packs(self, uid: str, change: Callable[[builtins.list[dict[str, Any]]], None], *,
                   skip_pack_validation: bool = False) -> ClusterProfile:
        """Read the profile, let `change` edit its pack list in place, write it back."""
        body = writable(self.get(uid, check_drift=False))
        change(body["spec"]["template"]["packs"])
        self.update(uid, body, skip_pack_validation=skip_pack_validation)
        return self.get(uid, check_drift=False)

    def remove_chart(self, uid: str, chart: str) -> ClusterProfile:
        """Remove the layer of chart `chart`; raise a 404 `ApiError` if there is none."""
        return self.edit_packs(uid, lambda packs: packs.remove(_find(packs, chart)))

    def set_values(self, uid: str, chart: str, values: str) -> ClusterProfile:
        """Replace the values of chart `chart`'s layer."""
        return self.edit_packs(uid, lambda packs: _find(packs, chart).update(values=values))

    def set_version(self, uid: str, chart: str, version: str) -> ClusterProfile:
        """Move chart `chart`'s layer to another version (its values stay)."""
        return self.edit_packs(uid, lambda packs: _find(packs, chart).update(tag=version))

    def new_version(self, uid: str, version: str) -> Uid:
        """Copy a profile under a new version; both stay readable."""
        return Uid.model_validate(self._http.json(
            "POST", f"/v1/clusterprofiles/{uid}/versions", json={"version": version}))

    def clone(self, uid: str, name: str, version: str | None = None) -> Uid:
        """Copy a profile under a new name (Palette's `POST /{uid}/clone`)."""
        body: dict[str, Any] = {"metadata": {"name": name}}
        if version:
            body["spec"] = {"version": version}
        return Uid.model_validate(self._http.json(
            "POST", f"/v1/clusterprofiles/{uid}/clone", json=body))

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

    def export(self, uid: str, fmt: ExportFormat,
               variables: dict[str, str] | None = None) -> str:
        """Return Palette's profile file (json, yaml) or Flux, Argo CD or helmfile YAML,
        with the given variable values substituted.

        Values a chart's schema refuses once substituted raise `ApiError` with code
        `ValuesInvalid`; its `details["errors"]` lists each error's field and pointer.
        """
        params: dict[str, str | int | bool | None] = {"format": fmt}
        params.update({f"var.{k}": v for k, v in (variables or {}).items()})
        return self._http.request("GET", f"/v1/clusterprofiles/{uid}/export",
                                  params=params).text

    def variables(self, uid: str) -> Variables:
        """Return the profile's variables (sensitive values blank)."""
        return Variables.model_validate(
            self._http.json("GET", f"/v1/clusterprofiles/{uid}/variables"))

    def patch_variables(self, uid: str, variables: builtins.list[Variable]) -> None:
        """Update the given variables by name, and add new ones."""
        self._http.request("PATCH", f"/v1/clusterprofiles/{uid}/variables",
                           json=Variables(variables=variables).model_dump(
                               by_alias=True, exclude={"variables": {"__all__": {
                                   "default_value_set"}}}))

    def delete_variables(self, uid: str, names: builtins.list[str]) -> None:
        """Delete the named variables."""
        self._http.request("DELETE", f"/v1/clusterprofiles/{uid}/variables",
                           json={"variables": names})

    def validate_values(self, uid: str) -> ValuesCheck:
        """Return every schema and variable error of the profile, with its pointer."""
        return ValuesCheck.model_validate(
            self._http.json("POST", f"/v1/clusterprofiles/{uid}/validate/values"))


def _find(packs: list[dict[str, Any]], chart: str) -> dict[str, Any]:
    for p in packs:
        if p["name"] == chart:
            return p
    names = ", ".join(p["name"] for p in packs) or "none"
    raise ApiError(404, "ResourceNotFound",
                   f"the profile has no layer of chart '{chart}' (layers: {names})",
                   {"field": "chart"})

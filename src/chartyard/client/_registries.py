"""Registries (OCI and Helm): create, read, validate, synchronize and delete, any kind."""

from __future__ import annotations

import builtins
from typing import Any, cast

from chartyard.client._errors import ApiError
from chartyard.client._http import Http
from chartyard.client._types import RegistryKind, RegistryRef
from chartyard.registries.kinds import all_kinds, get_kind
from chartyard.wire.common import Uid
from chartyard.wire.registries import (
    MetadataItem,
    RegistriesMetadata,
    Summary,
    SummaryItem,
    SyncStatus,
)


class RegistriesApi:
    """The `/v1/registries` endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> list[SummaryItem]:
        """Return the tenant's registries (OCI and Helm) with sync status and chart counts."""
        rows: builtins.list[SummaryItem] = []
        for family in dict.fromkeys(k.family for k in all_kinds()):
            body = self._http.json("GET", f"/v1/registries/{family}/summary")
            rows.extend(Summary.model_validate(body).items)
        return rows

    def metadata(self) -> builtins.list[MetadataItem]:
        """Return the profile builder's Registry drop-down."""
        body = self._http.json("GET", "/v1/registries/metadata")
        return RegistriesMetadata.model_validate(body).items

    def resolve(self, name_or_uid: str) -> RegistryRef:
        """Find a registry by name or uid; raise a 404 `ApiError` naming both when absent."""
        rows = self.list()
        found = ([r for r in rows if r.metadata["name"] == name_or_uid]
                 or [r for r in rows if r.metadata["uid"] == name_or_uid])
        if found:
            meta = found[0].metadata
            return RegistryRef(meta["uid"], meta["name"], found[0].spec["kind"])
        known = ", ".join(sorted(r.metadata["name"] for r in rows)) or "none yet"
        raise ApiError(404, "ResourceNotFound",
                       f"no registry has the name or uid '{name_or_uid}' (registries: {known})",
                       {"field": "registry"})

    def kind_of(self, uid: str) -> RegistryKind:
        """Return the kind of a stored registry, from the registry lists."""
        for row in self.list():
            if row.metadata["uid"] == uid:
                return str(row.spec["kind"])
        raise ApiError(404, "ResourceNotFound", f"registry '{uid}' not found",
                       {"field": "registry"})

    @staticmethod
    def _collection(kind: RegistryKind) -> str:
        return "/v1/registries" + get_kind(kind).collection_path

    @staticmethod
    def _item(kind: RegistryKind, uid: str) -> str:
        return "/v1/registries" + get_kind(kind).item_path.format(uid=uid)

    def _kind(self, uid: str, kind: RegistryKind | None) -> RegistryKind:
        return kind or self.kind_of(uid)

    @staticmethod
    def _body_kind(body: dict[str, Any], kind: RegistryKind | None) -> RegistryKind:
        chosen = kind or body.get("kind")
        if not isinstance(chosen, str) or not chosen:
            raise ValueError("say which kind of registry this body is: pass kind=, or build "
                             "the body with registry_body() (it sets 'kind')")
        return chosen

    def create(self, body: dict[str, Any], kind: RegistryKind | None = None, *,
               skip_validation: bool = False) -> Uid:
        """Validate and store a registry; return its uid. The kind defaults to body['kind']."""
        kind = self._body_kind(body, kind)
        params = {"skipValidation": True} if skip_validation else None
        return Uid.model_validate(self._http.json("POST", self._collection(kind),
                                                  json=body, params=params))

    def validate_spec(self, body: dict[str, Any], kind: RegistryKind | None = None) -> None:
        """Check a registry body by connecting with it; raise the typed cause on failure."""
        kind = self._body_kind(body, kind)
        self._http.request("POST", self._collection(kind) + "/validate", json=body)

    def validate(self, uid: str, kind: RegistryKind | None = None) -> None:
        """Check a stored registry with its stored secrets; raise the typed cause on failure."""
        kind = self._kind(uid, kind)
        self._http.request("POST", self._item(kind, uid) + "/validate")

    def get(self, uid: str, kind: RegistryKind | None = None) -> dict[str, Any]:
        """Return a registry body; secrets are never returned, only `passwordSet` flags."""
        kind = self._kind(uid, kind)
        return cast(dict[str, Any], self._http.json("GET", self._item(kind, uid)))

    def update(self, uid: str, body: dict[str, Any], kind: RegistryKind | None = None) -> None:
        """Replace a registry's settings; omitted secrets keep their stored values."""
        kind = kind or body.get("kind") or self.kind_of(uid)
        self._http.request("PUT", self._item(kind, uid), json=body)

    def delete(self, uid: str, kind: RegistryKind | None = None) -> None:
        """Delete a registry and its catalog."""
        kind = self._kind(uid, kind)
        self._http.request("DELETE", self._item(kind, uid))

    def sync(self, uid: str, kind: RegistryKind | None = None, *, force: bool = False) -> None:
        """Ask for a sync now; `force` also re-checks digests already in the catalog."""
        kind = self._kind(uid, kind)
        params = {"forceSync": True} if force else None
        self._http.request("POST", self._item(kind, uid) + "/sync", params=params)

    def sync_status(self, uid: str, kind: RegistryKind | None = None) -> SyncStatus:
        """Return the registry's sync status and progress."""
        kind = self._kind(uid, kind)
        return SyncStatus.model_validate(
            self._http.json("GET", self._item(kind, uid) + "/sync/status"))

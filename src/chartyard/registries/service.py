"""A tenant's registries in the database: read, store, present. No network calls here.

Creating, updating and validating talk to the registry; `registries.operations` runs those
as a short read here, the network work with no session open, then a short write here that
re-checks what the read saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import ConflictError, NotFoundError, PermissionDenied
from chartyard.names import name_key
from chartyard.registries import present
from chartyard.registries.families import family_of, family_of_kind, get_family
from chartyard.registries.kinds import Normalised, get_kind, kind_of
from chartyard.registries.kinds.base import StoredSync
from chartyard.registries.menu import registry_menu
from chartyard.sources import HelmRepoTarget, RegistryTarget
from chartyard.store.models import ChartVersion, Registry, SyncState, Tenant, utcnow


@dataclass(frozen=True)
class Seen:
    """What the read phase saw of a stored registry, to re-check before writing."""

    uid: str
    name: str
    updated_at: datetime
    secrets_enc: str | None


class RegistryService:
    """Registry use cases for one caller, scoped to the caller's tenant."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx = ctx
        self.session = session
        self.principal = principal

    def require_admin(self) -> None:
        """Raise 403 unless the caller is a tenant admin."""
        if not self.principal.has(Role.TENANT_ADMIN):
            raise PermissionDenied("registry changes need the tenant-admin role")

    def external_id(self) -> str:
        """Return the tenant's AWS external ID."""
        tenant = self.session.get(Tenant, self.principal.tenant_uid)
        assert tenant is not None
        return tenant.aws_external_id

    def get(self, uid: str, kind: str | None = None) -> Registry:
        """Return the tenant's registry, or raise 404 for a missing or foreign one."""
        reg = self.session.get(Registry, uid)
        if reg is None or reg.tenant_uid != self.principal.tenant_uid or (
            kind is not None and reg.kind != kind
        ):
            raise NotFoundError(f"registry '{uid}' not found")
        return reg

    def all(self) -> list[Registry]:
        """Return the tenant's registries by name."""
        query = select(Registry).where(Registry.tenant_uid == self.principal.tenant_uid)
        return list(self.session.scalars(query.order_by(Registry.name)).unique())

    def secret_names(self, reg: Registry) -> set[str]:
        """Return which secrets are stored, without returning them."""
        return set(self.ctx.box.decrypt(reg.secrets_enc))

    def target(self, reg: Registry) -> RegistryTarget | HelmRepoTarget:
        """Return the connectable target of a stored registry."""
        return kind_of(reg).target(reg.spec, self.ctx.box.decrypt(reg.secrets_enc),
                                   self.external_id())

    def body(self, reg: Registry) -> BaseModel:
        """Return the registry as its kind's GET shows it (the kind's response model)."""
        return kind_of(reg).body(reg, self.secret_names(reg), self.external_id())

    def entity(self, reg: Registry) -> dict[str, Any]:
        """Return any OCI registry as ``GET /v1/registries/oci/{uid}`` shows it."""
        kind = kind_of(reg)
        if not family_of_kind(kind).serves_entity:
            raise NotFoundError(f"registry '{reg.uid}' is not an OCI registry")
        return {"type": kind.name, "kind": kind.name, "uid": reg.uid, "name": reg.name,
                "scope": "tenant", "metadata": present.metadata_body(reg),
                **kind.entity(reg, self.secret_names(reg))}

    # The read and write halves of create, update and validate.

    def target_for(self, norm: Normalised,
                   seen: Seen | None = None) -> RegistryTarget | HelmRepoTarget:
        """Return the target of a body; omitted secrets come from the stored registry."""
        secrets = norm.secrets
        if secrets is None:
            secrets = self.ctx.box.decrypt(seen.secrets_enc) if seen else {}
        return get_kind(norm.kind).target(norm.spec, secrets, self.external_id())

    def seen(self, uid: str, kind: str) -> Seen:
        """Return what an update's read phase needs to re-check later."""
        reg = self.get(uid, kind)
        return Seen(reg.uid, reg.name, reg.updated_at, reg.secrets_enc)

    def check_create(self, norm: Normalised) -> None:
        """Raise unless the caller may create this registry now (admin, name free)."""
        self.require_admin()
        self._check_name_free(norm.name)

    def check_update(self, uid: str, norm: Normalised) -> Seen:
        """Raise unless the caller may update the registry; return what was seen."""
        self.require_admin()
        seen = self.seen(uid, norm.kind)
        if name_key(norm.name) != name_key(seen.name):
            self._check_name_free(norm.name)
        return seen

    def create(self, norm: Normalised) -> Registry:
        """Store a new (already validated) registry and schedule its first sync."""
        self.check_create(norm)
        reg = Registry(
            tenant_uid=self.principal.tenant_uid, name=norm.name, kind=norm.kind,
            endpoint=norm.endpoint, is_sync_supported=norm.is_sync_supported, spec=norm.spec,
            secrets_enc=self.ctx.box.encrypt(norm.secrets or {}),
            sync_interval_seconds=norm.sync_interval_seconds,
            labels=dict(norm.labels), annotations=dict(norm.annotations),
        )
        # Every registry is read once at registration; only synced ones repeat.
        reg.sync = SyncState(status="Pending", due_at=utcnow())
        self.session.add(reg)
        self._flush_unique(norm.name)
        audit.record(self.session, self.principal, "registry.create", norm.kind, reg.uid,
                     reg.name, {"endpoint": reg.endpoint, "sync": reg.is_sync_supported})
        return reg

    def update(self, uid: str, norm: Normalised, seen: Seen | None = None) -> Registry:
        """Replace a registry's settings; omitted secrets are kept.

        With `seen`, refuse (409) when the registry changed since it was read and validated.
        """
        current = self.check_update(uid, norm)
        if seen is not None and (current.updated_at, current.secrets_enc) != (
                seen.updated_at, seen.secrets_enc):
            raise ConflictError(f"registry '{current.name}' was changed by someone else while "
                                "it was being validated; load it again and retry",
                                {"field": "metadata.uid"})
        reg = self.get(uid, norm.kind)
        reg.name = norm.name
        reg.labels, reg.annotations = dict(norm.labels), dict(norm.annotations)
        reg.endpoint = norm.endpoint
        reg.spec = norm.spec
        reg.sync_interval_seconds = norm.sync_interval_seconds
        turned_on = norm.is_sync_supported and not reg.is_sync_supported
        reg.is_sync_supported = norm.is_sync_supported
        if norm.secrets is not None:
            reg.secrets_enc = self.ctx.box.encrypt(norm.secrets)
        if turned_on and reg.sync is not None:
            reg.sync.due_at = utcnow()
        reg.updated_at = utcnow()
        self._flush_unique(norm.name)
        changed = {"endpoint": reg.endpoint, "secretsChanged": norm.secrets is not None}
        audit.record(self.session, self.principal, "registry.update", reg.kind, reg.uid,
                     reg.name, changed)
        return reg

    def delete(self, uid: str, kind: str | None = None) -> Registry:
        """Delete a registry and its catalog; return it."""
        self.require_admin()
        reg = self.get(uid, kind)
        audit.record(self.session, self.principal, "registry.delete", reg.kind, reg.uid, reg.name)
        self.session.delete(reg)
        return reg

    # Lists

    def chart_counts(self) -> dict[str, int]:
        """Return the number of distinct charts per registry."""
        rows = self.session.execute(
            select(ChartVersion.registry_uid, func.count(func.distinct(ChartVersion.repository)))
            .where(ChartVersion.tenant_uid == self.principal.tenant_uid)
            .group_by(ChartVersion.registry_uid)
        )
        return {uid: int(n) for uid, n in rows}

    def summary(self, family: str = "oci") -> list[dict[str, Any]]:
        """Return the rows of one family's registry list (``v1OciRegistry`` /
        ``v1HelmRegistrySummary``, plus chartyard's fields)."""
        counts = self.chart_counts()
        rows = []
        for r in self.family(family):
            kind = kind_of(r)
            stored = StoredSync.model_validate(r.spec)
            status = present.sync_status(r)
            rows.append({
                "metadata": present.metadata_body(r),
                "spec": {
                    "registryType": kind.name,
                    "kind": kind.name,
                    "kindLabel": kind.list_caption,
                    "endpoint": stored.given_endpoint or stored.endpoint,
                    "providerType": stored.provider_type,
                    "isPrivate": kind.is_private(r),
                    "scope": "tenant",
                    "containsSpectroManifest": stored.contains_spectro_manifest,
                    "authType": kind.auth_label(r),
                    "isSyncSupported": r.is_sync_supported,
                    "chartCount": counts.get(r.uid, 0),
                    "baseContentPath": stored.base_content_path,
                    "statusPath": kind.item_path.format(uid=r.uid) + "/sync/status",
                    **kind.summary_spec(r),
                },
                "status": {"sync": status, "syncStatus": status},
            })
        return rows

    def family(self, family: str) -> list[Registry]:
        """Return the tenant's registries of one family (``oci``, ``helm``) by name."""
        wanted = get_family(family)
        return [r for r in self.all() if family_of(r) is wanted]

    def metadata(self, scope: str = "all") -> list[dict[str, Any]]:
        """Return the profile builder's Registry drop-down (``v1RegistryMetadata``).

        chartyard's registries are all tenant-scoped: ``scope=system`` lists none.
        """
        return registry_menu(self.session.connection(), self.principal.tenant_uid, scope)

    def _check_name_free(self, name: str) -> None:
        exists = self.session.scalar(
            select(Registry.uid).where(
                Registry.tenant_uid == self.principal.tenant_uid,
                Registry.name_key == name_key(name),
            )
        )
        if exists:
            raise ConflictError(f"a registry named '{name}' already exists (names are compared "
                                "ignoring case); choose another name",
                                {"field": "metadata.name"})

    def _flush_unique(self, name: str) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"a registry named '{name}' already exists",
                                {"field": "metadata.name"}) from exc

"""Create, read, update and delete a tenant's registries; validate before saving."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import ConflictError, NotFoundError, PermissionDenied
from chartyard.registries import present
from chartyard.registries.rules import Normalised
from chartyard.registries.target import build_target
from chartyard.registries.validation import validate_target
from chartyard.sources import RegistryTarget
from chartyard.store.models import ChartVersion, Registry, SyncState, Tenant, utcnow


class RegistryService:
    """Registry use cases for one caller, scoped to the caller's tenant."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx = ctx
        self.session = session
        self.principal = principal

    def _require_admin(self) -> None:
        if not self.principal.has(Role.TENANT_ADMIN):
            raise PermissionDenied("registry changes need the tenant-admin role")

    def _external_id(self) -> str:
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

    def target(self, reg: Registry) -> RegistryTarget:
        """Return the connectable target of a stored registry."""
        return build_target(reg.kind, reg.spec, self.ctx.box.decrypt(reg.secrets_enc),
                            self._external_id())

    def body(self, reg: Registry) -> dict[str, Any]:
        """Return the registry as the API shows it."""
        if reg.kind == "ecr":
            return present.ecr_body(reg, self.secret_names(reg), self._external_id())
        return present.basic_body(reg, self.secret_names(reg))

    def validate(self, norm: Normalised, existing: Registry | None = None) -> None:
        """Connect with the given settings and raise a typed error on the first problem."""
        secrets = norm.secrets
        if secrets is None:
            secrets = self.ctx.box.decrypt(existing.secrets_enc) if existing else {}
        target = build_target(norm.kind, norm.spec, secrets, self._external_id())
        asyncio.run(validate_target(target, self.ctx.sources, sync_on=norm.is_sync_supported))

    def validate_stored(self, reg: Registry) -> None:
        """Connect with a stored registry's settings and secrets; raise the first problem."""
        asyncio.run(validate_target(self.target(reg), self.ctx.sources,
                                    sync_on=reg.is_sync_supported))

    def create(self, norm: Normalised, *, skip_validation: bool = False) -> Registry:
        """Validate, then store a new registry and schedule its first sync."""
        self._require_admin()
        self._check_name_free(norm.name)
        if not skip_validation:
            self.validate(norm)
        reg = Registry(
            tenant_uid=self.principal.tenant_uid, name=norm.name, kind=norm.kind,
            endpoint=norm.endpoint, is_sync_supported=norm.is_sync_supported, spec=norm.spec,
            secrets_enc=self.ctx.box.encrypt(norm.secrets or {}),
            sync_interval_seconds=norm.sync_interval_seconds,
        )
        # Every registry is read once at registration; only synced ones repeat.
        reg.sync = SyncState(status="Pending", due_at=utcnow())
        self.session.add(reg)
        self._flush_unique(norm.name)
        audit.record(self.session, self.principal, "registry.create", norm.kind, reg.uid,
                     reg.name, {"endpoint": reg.endpoint, "sync": reg.is_sync_supported})
        return reg

    def update(self, uid: str, norm: Normalised, *, skip_validation: bool = False) -> Registry:
        """Validate, then replace a registry's settings; omitted secrets are kept."""
        self._require_admin()
        reg = self.get(uid, norm.kind)
        if norm.name != reg.name:
            self._check_name_free(norm.name)
        if not skip_validation:
            self.validate(norm, reg)
        reg.name = norm.name
        reg.endpoint = norm.endpoint
        reg.spec = norm.spec
        reg.sync_interval_seconds = norm.sync_interval_seconds
        turned_on = norm.is_sync_supported and not reg.is_sync_supported
        reg.is_sync_supported = norm.is_sync_supported
        if norm.secrets is not None:
            reg.secrets_enc = self.ctx.box.encrypt(norm.secrets)
        if turned_on and reg.sync is not None:
            reg.sync.due_at = utcnow()
        self._flush_unique(norm.name)
        changed = {"endpoint": reg.endpoint, "secretsChanged": norm.secrets is not None}
        audit.record(self.session, self.principal, "registry.update", reg.kind, reg.uid,
                     reg.name, changed)
        return reg

    def delete(self, uid: str, kind: str) -> None:
        """Delete a registry and its catalog."""
        self._require_admin()
        reg = self.get(uid, kind)
        audit.record(self.session, self.principal, "registry.delete", reg.kind, reg.uid, reg.name)
        self.session.delete(reg)

    def chart_counts(self) -> dict[str, int]:
        """Return the number of distinct charts per registry."""
        rows = self.session.execute(
            select(ChartVersion.registry_uid, func.count(func.distinct(ChartVersion.repository)))
            .where(ChartVersion.tenant_uid == self.principal.tenant_uid)
            .group_by(ChartVersion.registry_uid)
        )
        return {uid: int(n) for uid, n in rows}

    def summary(self) -> list[dict[str, Any]]:
        """Return the rows of the registry list."""
        counts = self.chart_counts()
        return [
            {
                "metadata": {"uid": r.uid, "name": r.name},
                "spec": {
                    "kind": r.kind,
                    "endpoint": r.endpoint,
                    "authType": present.auth_label(r),
                    "isSyncSupported": r.is_sync_supported,
                    "chartCount": counts.get(r.uid, 0),
                    "baseContentPath": list(r.spec["baseContentPath"]),
                },
                "status": {"syncStatus": present.sync_status(r)},
            }
            for r in self.all()
        ]

    def metadata(self) -> list[dict[str, Any]]:
        """Return the profile builder's Registry drop-down."""
        return [
            {
                "uid": r.uid,
                "name": r.name,
                "kind": "oci-ecr" if r.kind == "ecr" else "oci-basic",
                "isPrivate": r.kind == "basic" or bool(r.spec.get("isPrivate")),
                "isSyncSupported": r.is_sync_supported,
                "scope": "tenant",
                "endpoint": r.endpoint,
            }
            for r in self.all()
        ]

    def _check_name_free(self, name: str) -> None:
        exists = self.session.scalar(
            select(Registry.uid).where(
                Registry.tenant_uid == self.principal.tenant_uid, Registry.name == name
            )
        )
        if exists:
            raise ConflictError(f"a registry named '{name}' already exists; choose another name",
                                {"field": "metadata.name"})

    def _flush_unique(self, name: str) -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"a registry named '{name}' already exists",
                                {"field": "metadata.name"}) from exc

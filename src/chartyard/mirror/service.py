"""Start mirror runs and read them back, scoped to the caller's tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, NotFoundError, PermissionDenied
from chartyard.oci import is_path_component
from chartyard.profiles.service import ProfileService
from chartyard.registries.families import family_of
from chartyard.registries.service import RegistryService
from chartyard.store.models import MirrorRun, Registry
from chartyard.store.wakeup import mark_due
from chartyard.wire.mirrors import MirrorRequest


def check_base_path(value: str) -> str:
    """Return the base path trimmed of slashes, or raise naming ``basePath``."""
    path = value.strip().strip("/")
    if path and not all(is_path_component(part) for part in path.split("/")):
        raise InvalidInput("basePath", f"basePath {value!r} is not a repository path: use "
                                       "lowercase letters, digits and '.', '_', '-' between "
                                       "'/', e.g. 'mirror/charts'")
    return path


class MirrorService:
    """Mirror runs of one tenant."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx = ctx
        self.session = session
        self.principal = principal

    def start(self, profile_uid: str, request: MirrorRequest) -> MirrorRun:
        """Queue a mirror of a profile into a registry (tenant-admin: it writes there)."""
        self.require_admin("mirroring")
        profile = ProfileService(self.ctx, self.session, self.principal).get(profile_uid)
        target = self.target(request.targetRegistryUid)
        run = MirrorRun(tenant_uid=self.principal.tenant_uid, profile_uid=profile.uid,
                        target_registry_uid=target.uid,
                        base_path=check_base_path(request.basePath),
                        include_images=request.includeImages,
                        created_by=self.principal.username, charts=[], images=[])
        self.session.add(run)
        self.session.flush()
        mark_due(self.session)  # a worker takes it at commit, not at its next poll
        audit.record(self.session, self.principal, "clusterprofile.mirror", "clusterprofile",
                     profile.uid, profile.name,
                     {"mirror": run.uid, "targetRegistry": target.name,
                      "basePath": run.base_path, "includeImages": run.include_images})
        return run

    def require_admin(self, what: str) -> None:
        """Raise unless the caller is a tenant admin (``what`` writes to a registry)."""
        if not self.principal.has(Role.TENANT_ADMIN):
            raise PermissionDenied(f"{what} writes to a registry: it needs the tenant-admin "
                                   "role")

    def target(self, uid: str, field: str = "targetRegistryUid") -> Registry:
        """Return an OCI registry of the tenant, or raise naming ``field``."""
        try:
            reg = RegistryService(self.ctx, self.session, self.principal).get(uid)
        except NotFoundError:
            if field == "uid":
                raise
            raise InvalidInput(field, f"{field}: no registry '{uid}'; use the uid of an OCI "
                                      "registry") from None
        if not family_of(reg).accepts_pushes:
            raise InvalidInput(field, f"{field}: {reg.name} is a Helm repository; use an OCI "
                                      "registry (Basic or ECR)")
        return reg

    def get(self, uid: str) -> MirrorRun:
        """Return a run of the tenant."""
        run = self.session.get(MirrorRun, uid)
        if run is None or run.tenant_uid != self.principal.tenant_uid:
            raise NotFoundError(f"mirror '{uid}' not found")
        return run

    def latest(self, profile_uid: str, registry_uid: str) -> MirrorRun:
        """Return the newest completed mirror of a profile into a registry."""
        run = self.session.scalar(
            select(MirrorRun).where(MirrorRun.tenant_uid == self.principal.tenant_uid,
                                    MirrorRun.profile_uid == profile_uid,
                                    MirrorRun.target_registry_uid == registry_uid,
                                    MirrorRun.status == "Completed")
            .order_by(MirrorRun.finished_at.desc()).limit(1))
        if run is None:
            raise InvalidInput("mirror", f"mirror: the profile has no completed mirror into "
                                         f"registry '{registry_uid}'; run POST "
                                         "/v1/clusterprofiles/{uid}/mirror first")
        return run

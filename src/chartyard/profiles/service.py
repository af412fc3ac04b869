"""Create, read, update, delete, version, list and export a tenant's cluster profiles."""

from __future__ import annotations

import asyncio
from typing import Any

import semver
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import ConflictError, InvalidInput, NotFoundError, PermissionDenied
from chartyard.helm import sort_versions_desc, tag_to_version
from chartyard.pagination import decode_cursor, like_pattern, page_body, page_limit
from chartyard.profiles import present
from chartyard.profiles.drift import Drift, PackRef, check_drift
from chartyard.profiles.export import ExportPack, RegistryInfo, render
from chartyard.profiles.packs import release_name
from chartyard.profiles.resolve import PackResolver
from chartyard.profiles.schemas import ProfileBody
from chartyard.profiles.values import chart_values, pack_section, parse_values
from chartyard.registries.kinds import kind_of
from chartyard.registries.service import RegistryService
from chartyard.sources import AnyTarget
from chartyard.store.models import ClusterProfile, ProfilePack, Registry

TYPES = {"add-on": "add-on", "cluster": "cluster", "full": "cluster"}
KIND = "clusterprofile"


def check_version(version: str, field: str) -> str:
    """Return the version if it is semver (such as 1.0.0), else raise `InvalidInput`."""
    try:
        semver.Version.parse(version)
    except ValueError as exc:
        raise InvalidInput(field, f"{field}: '{version}' is not a semantic version; write it "
                                  "as MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.1.0-rc.1") from exc
    return version


def check_type(value: str) -> str:
    """Return the stored profile type for `add-on`, `cluster` or its alias `full`."""
    stored = TYPES.get(value.strip().lower())
    if stored is None:
        raise InvalidInput("spec.template.type", f"spec.template.type '{value}' is not "
                                                 "supported; use 'add-on' or 'cluster'")
    return stored


def _has_label(labels: dict[str, Any], wanted: str) -> bool:
    """Match `key`, `key:value` or `key=value` against a profile's labels."""
    for sep in ("=", ":"):
        key, found, value = wanted.partition(sep)
        if found and key in labels:
            return str(labels[key]) == value
    return wanted in labels or wanted in {str(v) for v in labels.values()}


class ProfileService:
    """Cluster profile use cases for one caller, scoped to the caller's tenant."""

    def __init__(self, ctx: AppContext, session: Session, principal: Principal) -> None:
        self.ctx, self.session, self.principal = ctx, session, principal

    def _require_editor(self) -> None:
        if not self.principal.has(Role.PROFILE_EDITOR):
            raise PermissionDenied("cluster profile changes need the profile-editor or "
                                   "tenant-admin role")

    def get(self, uid: str) -> ClusterProfile:
        """Return the tenant's profile, or raise 404 for a missing or foreign one."""
        profile = self.session.get(ClusterProfile, uid)
        if profile is None or profile.tenant_uid != self.principal.tenant_uid:
            raise NotFoundError(f"cluster profile '{uid}' not found")
        return profile

    # ---- writes -------------------------------------------------------------
    def create(self, body: ProfileBody, *, skip_pack_validation: bool = False) -> ClusterProfile:
        """Check and resolve the packs, then store a new profile."""
        self._require_editor()
        version = check_version(body.spec.version, "spec.version")
        profile_type = check_type(body.spec.template.type)
        self._check_free(body.metadata.name, version)
        packs = self._resolver(skip_pack_validation).resolve(body.spec.template.packs)
        profile = ClusterProfile(
            tenant_uid=self.principal.tenant_uid, name=body.metadata.name, version=version,
            description=body.metadata.annotations.get("description", ""),
            profile_type=profile_type, cloud_type=body.spec.template.cloud_type,
            labels=dict(body.metadata.labels), packs=packs)
        self.session.add(profile)
        self._flush(profile.name, version)
        self._audit("clusterprofile.create", profile)
        return profile

    def update(self, uid: str, body: ProfileBody, *,
               skip_pack_validation: bool = False) -> ClusterProfile:
        """Replace a profile's metadata and packs; packs are resolved again."""
        self._require_editor()
        profile = self.get(uid)
        version = check_version(body.spec.version, "spec.version")
        profile_type = check_type(body.spec.template.type)
        if (body.metadata.name, version) != (profile.name, profile.version):
            self._check_free(body.metadata.name, version)
        packs = self._resolver(skip_pack_validation).resolve(body.spec.template.packs)
        profile.name, profile.version = body.metadata.name, version
        profile.description = body.metadata.annotations.get("description", "")
        profile.labels = dict(body.metadata.labels)
        profile.profile_type, profile.cloud_type = profile_type, body.spec.template.cloud_type
        profile.packs.clear()
        self.session.flush()
        profile.packs.extend(packs)
        self._flush(profile.name, version)
        self._audit("clusterprofile.update", profile)
        return profile

    def delete(self, uid: str) -> None:
        """Delete a profile (this version only)."""
        self._require_editor()
        profile = self.get(uid)
        self._audit("clusterprofile.delete", profile)
        self.session.delete(profile)

    def new_version(self, uid: str, version: str) -> ClusterProfile:
        """Copy a profile under a new version; both stay readable."""
        self._require_editor()
        source = self.get(uid)
        version = check_version(version, "version")
        self._check_free(source.name, version, field="version")
        copy = ClusterProfile(
            tenant_uid=source.tenant_uid, name=source.name, version=version,
            description=source.description, profile_type=source.profile_type,
            cloud_type=source.cloud_type, labels=dict(source.labels or {}),
            packs=[_copy_pack(p) for p in source.packs])
        self.session.add(copy)
        self._flush(copy.name, version, field="version")
        self._audit("clusterprofile.version", copy, {"from": source.uid,
                                                     "fromVersion": source.version})
        return copy

    def _resolver(self, skip: bool) -> PackResolver:
        return PackResolver(self.ctx, self.session, self.principal, skip_validation=skip)

    def _audit(self, action: str, profile: ClusterProfile,
               extra: dict[str, Any] | None = None) -> None:
        details = {"version": profile.version,
                   "packs": [f"{p.name}:{p.tag}" for p in profile.packs], **(extra or {})}
        audit.record(self.session, self.principal, action, KIND, profile.uid, profile.name,
                     details)

    def _check_free(self, name: str, version: str, field: str = "spec.version") -> None:
        exists = self.session.scalar(select(ClusterProfile.uid).where(
            ClusterProfile.tenant_uid == self.principal.tenant_uid,
            ClusterProfile.name == name, ClusterProfile.version == version))
        if exists:
            raise self._conflict(name, version, field, exists)

    def _flush(self, name: str, version: str, field: str = "spec.version") -> None:
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise self._conflict(name, version, field, None) from exc

    @staticmethod
    def _conflict(name: str, version: str, field: str, uid: str | None) -> ConflictError:
        return ConflictError(
            f"cluster profile {name} version {version} already exists; choose another version",
            {"field": field, **({"uid": uid} if uid else {})})

    # ---- reads --------------------------------------------------------------
    def versions(self, profile: ClusterProfile) -> list[dict[str, str]]:
        """Return every version of the profile's name, newest first."""
        rows = {version: uid for version, uid in self.session.execute(
            select(ClusterProfile.version, ClusterProfile.uid).where(
                ClusterProfile.tenant_uid == profile.tenant_uid,
                ClusterProfile.name == profile.name))}
        return [{"version": v, "uid": rows[v]} for v in sort_versions_desc(rows)]

    def body(self, profile: ClusterProfile, *, check_drift: bool = True) -> dict[str, Any]:
        """Return the profile as GET shows it, checking each pack's drift live."""
        registries = self._registries(profile.packs)
        drift = self._drift(profile.packs, registries) if check_drift else {}
        packs = [present.pack_body(p, registries[p.registry_uid].name
                                   if p.registry_uid in registries else None, drift.get(p.id))
                 for p in profile.packs]
        return present.profile_body(profile, packs, self.versions(profile))

    def page(self, *, name: str = "", profile_type: str = "", tag: str = "", limit: int = 50,
             token: str | None = None) -> dict[str, Any]:
        """Return one page of profiles, filtered by name (substring), type and label."""
        limit = page_limit(limit)
        offset = decode_cursor(token)
        query = select(ClusterProfile).where(
            ClusterProfile.tenant_uid == self.principal.tenant_uid)
        if name.strip():
            like = like_pattern(name.strip().lower())
            query = query.where(func.lower(ClusterProfile.name).like(like, escape="\\"))
        if profile_type.strip():
            query = query.where(ClusterProfile.profile_type == check_type(profile_type))
        query = query.order_by(ClusterProfile.name, ClusterProfile.version, ClusterProfile.uid)
        if tag.strip():
            matched = [p for p in self.session.scalars(query)
                       if _has_label(p.labels or {}, tag.strip())]
            rows = matched[offset:offset + limit + 1]
        else:
            rows = list(self.session.scalars(query.offset(offset).limit(limit + 1)))
        items = [present.summary(p) for p in rows[:limit]]
        return page_body(items, offset=offset, limit=limit, more=len(rows) > limit)

    def export(self, uid: str, fmt: str) -> str:
        """Return the profile as Flux, Argo CD or helmfile YAML."""
        profile = self.get(uid)
        registries = self._registries(profile.packs)
        packs = [self._export_pack(i, p, registries) for i, p in enumerate(profile.packs)]
        return render(fmt, profile.name, packs)

    # ---- helpers ------------------------------------------------------------
    def _registries(self, packs: list[ProfilePack]) -> dict[str, Registry]:
        svc = RegistryService(self.ctx, self.session, self.principal)
        out: dict[str, Registry] = {}
        for uid in {p.registry_uid for p in packs if p.registry_uid}:
            try:
                out[uid] = svc.get(uid)
            except NotFoundError:
                continue
        return out

    def _drift(self, packs: list[ProfilePack], registries: dict[str, Registry]) -> dict[int, Drift]:
        svc = RegistryService(self.ctx, self.session, self.principal)
        refs = [PackRef(p.id, reg.uid, reg.name, p.repository, p.oci_tag, p.digest)
                for p in packs
                if p.repository and p.oci_tag and (reg := registries.get(p.registry_uid or ""))]
        if not refs:
            return {}
        targets: dict[str, AnyTarget] = {
            uid: svc.target(registries[uid]) for uid in {r.registry_uid for r in refs}}
        return asyncio.run(check_drift(targets, refs, self.ctx.sources))

    @staticmethod
    def _export_pack(index: int, pack: ProfilePack, registries: dict[str, Registry]) -> ExportPack:
        field = f"spec.template.packs[{index}]"
        reg = registries.get(pack.registry_uid or "")
        if reg is None or not pack.repository or not pack.oci_tag:
            raise InvalidInput(f"{field}.registryUid",
                               f"pack {pack.name} has no registry any more; update the profile "
                               "before exporting it")
        values = parse_values(pack.values, f"{field}.values")
        section = pack_section(values, f"{field}.values")
        access = kind_of(reg).export_access(reg)
        info = RegistryInfo(
            name=reg.name, plain_http=access.plain_http, custom_ca=access.custom_ca,
            insecure_skip_verify=access.insecure_skip_verify,
            has_credentials=access.has_credentials, ecr=access.ecr,
            repo_url=access.repo_url, pass_credentials=access.pass_credentials)
        return ExportPack(
            name=release_name(pack.name), host=access.host, repository=pack.repository,
            oci_tag=pack.oci_tag, version=pack.chart_version or tag_to_version(pack.oci_tag),
            digest=pack.digest, namespace=section.namespace or "default",
            priority=section.install_priority, values=chart_values(values), registry=info)


def _copy_pack(pack: ProfilePack) -> ProfilePack:
    return ProfilePack(
        position=pack.position, name=pack.name, tag=pack.tag, registry_uid=pack.registry_uid,
        pack_type=pack.pack_type, source=pack.source, values=pack.values,
        pack_uid=pack.pack_uid, digest=pack.digest, verified=pack.verified,
        repository=pack.repository, oci_tag=pack.oci_tag, chart_version=pack.chart_version)

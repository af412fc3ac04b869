"""Create, read, update, delete, version, list and export a tenant's cluster profiles.

`ProfileService` works inside one transaction and does no registry I/O. The
module-level `create_profile`, `update_profile` and `profile_body` are what request
handlers await: a short read, the registry work with no session open (Private Pack
checks, default values, drift), then a short write or read that re-checks.
"""

from __future__ import annotations

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
from chartyard.names import name_key
from chartyard.pagination import decode_cursor, like_pattern, page_body, page_limit
from chartyard.profiles import present
from chartyard.profiles import variables as V
from chartyard.profiles.drift import Drift, PackRef, check_drift
from chartyard.profiles.export import ExportPack, RegistryInfo, render
from chartyard.profiles.export_check import export_errors
from chartyard.profiles.packs import release_name
from chartyard.profiles.resolve import PackPlan, PackResolver
from chartyard.profiles.schemas import PackBody, ProfileBody
from chartyard.profiles.validation import plan_errors, raise_errors
from chartyard.registries.kinds import kind_of
from chartyard.registries.service import RegistryService
from chartyard.sources import AnyTarget
from chartyard.store.models import ClusterProfile, ProfilePack, Registry
from chartyard.trust import gate as trust_gate
from chartyard.values import chart_values, pack_section, parse_values, references, substitute
from chartyard.wire.variables import Variable

TYPES = {"add-on": "add-on", "cluster": "cluster", "full": "cluster", "infra": "infra",
         "system": "system"}
KIND = "clusterprofile"


def check_version(version: str, field: str) -> str:
    """Return the version if it is semver (such as 1.0.0), else raise `InvalidInput`."""
    try:
        semver.Version.parse(version)
    except ValueError as exc:
        raise InvalidInput(field, f"{field}: '{version}' is not a semantic version; write it "
                                  "as MAJOR.MINOR.PATCH, e.g. 1.0.0 or 1.1.0-rc.1") from exc
    return version


class UnsupportedPackType(InvalidInput):
    """Report a Palette pack type chartyard cannot serve (manifest packs have no chart)."""

    code = "PackTypeUnsupported"


def check_pack_types(packs: list[PackBody], prefix: str = "spec.template.packs") -> None:
    """Raise for packs chartyard cannot resolve: `manifest` packs carry no Helm chart."""
    for i, pack in enumerate(packs):
        if pack.type == "manifest":
            raise UnsupportedPackType(
                f"{prefix}[{i}].type",
                f"{prefix}[{i}].type 'manifest' is not supported by chartyard, which serves "
                "Helm charts; use type 'oci' or 'helm' with a chart from a registry")


def apply_layers(profile: ClusterProfile, packs: list[PackBody]) -> None:
    """Store each pack's Palette layer as sent (`addon` when omitted)."""
    for row, body in zip(profile.packs, packs, strict=False):
        row.layer = body.layer or "addon"


def check_type(value: str) -> str:
    """Return the stored profile type for `add-on`, `cluster` or its alias `full`."""
    stored = TYPES.get(value.strip().lower())
    if stored is None:
        raise InvalidInput("spec.template.type", f"spec.template.type '{value}' is not "
                                                 "supported; use 'add-on', 'cluster', "
                                                 "'infra' or 'system'")
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
    def prepare(self, body: ProfileBody, resolver: PackResolver,
                uid: str | None = None) -> PackPlan:
        """Check a create (or an update of `uid`) and plan its packs; no registry I/O."""
        self._require_editor()
        version = check_version(body.spec.version, "spec.version")
        check_type(body.spec.template.type)
        check_pack_types(body.spec.template.packs)
        if uid is None:
            self._check_free(body.metadata.name, version)
        else:
            profile = self.get(uid)
            if (name_key(body.metadata.name), version) != (profile.name_key, profile.version):
                self._check_free(body.metadata.name, version)
        return resolver.plan(self.session, body.spec.template.packs)

    def create(self, body: ProfileBody, plan: PackPlan, resolver: PackResolver, *,
               publish: bool = False, variables: list[Variable] | None = None,
               ) -> ClusterProfile:
        """Store a new profile (a draft unless `publish`) from a fetched pack plan,
        re-checking what `prepare` read."""
        self._require_editor()
        version = check_version(body.spec.version, "spec.version")
        profile_type = check_type(body.spec.template.type)
        self._check_free(body.metadata.name, version)
        packs = resolver.rows(self.session, plan)
        trust_gate.enforce(self.session, self.principal.tenant_uid, packs)
        profile = ClusterProfile(
            tenant_uid=self.principal.tenant_uid, name=body.metadata.name, version=version,
            description=body.metadata.annotations.get("description", ""),
            annotations=dict(body.metadata.annotations), profile_type=profile_type,
            cloud_type=body.spec.template.cloud_type,
            labels=dict(body.metadata.labels), packs=packs, published=publish)
        apply_layers(profile, body.spec.template.packs)
        V.store(profile, variables or [], self.ctx.box)
        self.session.add(profile)
        self._flush(profile.name, version)
        self._audit("clusterprofile.create", profile)
        return profile

    def update(self, uid: str, body: ProfileBody, plan: PackPlan,
               resolver: PackResolver, variables: list[Variable] | None = None,
               ) -> ClusterProfile:
        """Replace a profile's metadata and packs from a fetched plan, re-checking the profile.

        Palette's update body has no `cloudType`: when it is not sent, the stored one stays;
        the published state is kept.
        """
        self._require_editor()
        profile = self.get(uid)
        if "cloud_type" not in body.spec.template.model_fields_set:
            body.spec.template.cloud_type = profile.cloud_type
        version = check_version(body.spec.version, "spec.version")
        profile_type = check_type(body.spec.template.type)
        if (name_key(body.metadata.name), version) != (profile.name_key, profile.version):
            self._check_free(body.metadata.name, version)
        packs = resolver.rows(self.session, plan)
        trust_gate.enforce(self.session, self.principal.tenant_uid, packs)
        profile.name, profile.version = body.metadata.name, version
        profile.description = body.metadata.annotations.get("description", "")
        profile.annotations = dict(body.metadata.annotations)
        profile.labels = dict(body.metadata.labels)
        profile.profile_type, profile.cloud_type = profile_type, body.spec.template.cloud_type
        profile.packs.clear()
        self.session.flush()
        profile.packs.extend(packs)
        apply_layers(profile, body.spec.template.packs)
        if variables is not None:
            V.store(profile, variables, self.ctx.box)
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
            description=source.description, annotations=dict(source.annotations or {}),
            profile_type=source.profile_type,
            cloud_type=source.cloud_type, labels=dict(source.labels or {}),
            packs=[copy_pack(p) for p in source.packs], variables=source.variables,
            variables_enc=source.variables_enc)
        self.session.add(copy)
        self._flush(copy.name, version, field="version")
        self._audit("clusterprofile.version", copy, {"from": source.uid,
                                                     "fromVersion": source.version})
        return copy

    def _audit(self, action: str, profile: ClusterProfile,
               extra: dict[str, Any] | None = None) -> None:
        details = {"version": profile.version,
                   "packs": [f"{p.name}:{p.tag}" for p in profile.packs], **(extra or {})}
        audit.record(self.session, self.principal, action, KIND, profile.uid, profile.name,
                     details)

    def _check_free(self, name: str, version: str, field: str = "spec.version") -> None:
        exists = self.session.scalar(select(ClusterProfile.uid).where(
            ClusterProfile.tenant_uid == self.principal.tenant_uid,
            ClusterProfile.name_key == name_key(name), ClusterProfile.version == version))
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
                ClusterProfile.name_key == profile.name_key))}
        return [{"version": v, "uid": rows[v]} for v in sort_versions_desc(rows)]

    def body(self, profile: ClusterProfile,
             drift: dict[int, Drift] | None = None) -> dict[str, Any]:
        """Return the profile as GET shows it, with each pack's drift as checked (if given)."""
        registries = self._registries(profile.packs)
        drift = drift or {}
        layers = trust_gate.layer_verdicts(self.session, profile.packs)
        packs = [present.pack_body(p, registries[p.registry_uid].name
                                   if p.registry_uid in registries else None, drift.get(p.id),
                                   layer.verification)
                 for p, layer in zip(profile.packs, layers, strict=True)]
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

    def export(self, uid: str, fmt: str, given: dict[str, str] | None = None) -> str:
        """Return the profile as Flux, Argo CD or helmfile YAML, variables substituted.

        Variables are substituted here, at export, rather than bound late by the tools
        (Flux `valuesFrom`, Argo CD parameters): helmfile has no such binding, Argo CD
        parameters do not reach inside a values document, and substituting here lets
        every value be checked (format, regex, required, and the chart's schema) before
        it leaves. A sensitive value is never taken from storage: it must be given with
        the export.
        """
        profile = self.get(uid)
        return render(fmt, profile.name, self.export_packs(profile, given))

    def export_packs(self, profile: ClusterProfile,
                     given: dict[str, str] | None = None) -> list[ExportPack]:
        """Return the profile's packs as exporters see them, variables substituted.

        Each layer that uses variables is checked against its chart's schema again with
        the values substituted (`export_check`): any error is a `ValuesInvalid`.
        """
        registries = self._registries(profile.packs)
        used = [n for p in profile.packs for n in references(p.values or "")]
        variables = V.load(profile, self.ctx.box)
        values = V.export_values(variables, given or {}, used)
        packs = [self._export_pack(i, p, registries, values, pinned=profile.published)
                 for i, p in enumerate(profile.packs)]
        raise_errors(export_errors(self.session, profile, variables, values))
        return packs

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

    def drift_refs(self, profile: ClusterProfile,
                   ) -> tuple[dict[str, AnyTarget], list[PackRef]]:
        """Return what a drift check of the profile's packs asks, and where (no I/O)."""
        svc = RegistryService(self.ctx, self.session, self.principal)
        registries = self._registries(profile.packs)
        refs = [PackRef(p.id, reg.uid, reg.name, p.repository, p.oci_tag, p.digest)
                for p in profile.packs
                if p.repository and p.oci_tag and (reg := registries.get(p.registry_uid or ""))]
        targets: dict[str, AnyTarget] = {
            uid: svc.target(registries[uid]) for uid in {r.registry_uid for r in refs}}
        return targets, refs

    @staticmethod
    def _export_pack(index: int, pack: ProfilePack, registries: dict[str, Registry],
                     variables: dict[str, str], *, pinned: bool = False) -> ExportPack:
        field = f"spec.template.packs[{index}]"
        reg = registries.get(pack.registry_uid or "")
        if reg is None or not pack.repository or not pack.oci_tag:
            raise InvalidInput(f"{field}.registryUid",
                               f"pack {pack.name} has no registry any more; update the profile "
                               "before exporting it")
        values = parse_values(substitute(pack.values, variables), f"{field}.values")
        section = pack_section(values, f"{field}.values")
        access = kind_of(reg).export_access(reg)
        info = RegistryInfo(
            name=reg.name, plain_http=access.plain_http, custom_ca=access.custom_ca,
            insecure_skip_verify=access.insecure_skip_verify,
            has_credentials=access.has_credentials,
            cloud_provider=access.cloud_provider, token_username=access.token_username,
            repo_url=access.repo_url, pass_credentials=access.pass_credentials)
        return ExportPack(
            name=release_name(pack.name), host=access.host, repository=pack.repository,
            oci_tag=pack.oci_tag, version=pack.chart_version or tag_to_version(pack.oci_tag),
            digest=pack.digest, namespace=section.namespace or "default",
            priority=section.install_priority, values=chart_values(values), registry=info,
            pinned=pinned)


def copy_pack(pack: ProfilePack) -> ProfilePack:
    """Return an unsaved copy of a pack row, for a new version or a clone."""
    return ProfilePack(
        position=pack.position, name=pack.name, tag=pack.tag, registry_uid=pack.registry_uid,
        pack_type=pack.pack_type, source=pack.source, values=pack.values,
        pack_uid=pack.pack_uid, digest=pack.digest, verified=pack.verified,
        repository=pack.repository, oci_tag=pack.oci_tag, chart_version=pack.chart_version,
        layer=pack.layer, chart_digest=pack.chart_digest)


async def create_profile(ctx: AppContext, principal: Principal, body: ProfileBody, *,
                         skip_pack_validation: bool = False,
                         publish: bool = False) -> ClusterProfile:
    """Create a profile (a draft unless `publish`); Private Packs are checked live with no
    transaction open."""
    resolver = PackResolver(ctx, principal, skip_validation=skip_pack_validation)
    plan = await ctx.run_transaction(
        lambda s: ProfileService(ctx, s, principal).prepare(body, resolver))
    await resolver.fetch(plan)
    variables = body.spec.variables or []
    raise_errors(plan_errors(plan, variables))
    return await ctx.run_transaction(
        lambda s: ProfileService(ctx, s, principal).create(body, plan, resolver,
                                                           publish=publish,
                                                           variables=variables))


async def update_profile(ctx: AppContext, principal: Principal, uid: str, body: ProfileBody, *,
                         skip_pack_validation: bool = False) -> ClusterProfile:
    """Replace a profile's metadata and packs; Private Packs are checked with no transaction."""
    resolver = PackResolver(ctx, principal, skip_validation=skip_pack_validation)
    plan = await ctx.run_transaction(
        lambda s: ProfileService(ctx, s, principal).prepare(body, resolver, uid))
    await resolver.fetch(plan)
    stored = await ctx.run_transaction(
        lambda s: V.load(ProfileService(ctx, s, principal).get(uid), ctx.box))
    sent = body.spec.variables
    variables = stored if sent is None else V.keep_sensitive(sent, stored)
    raise_errors(plan_errors(plan, variables))
    return await ctx.run_transaction(
        lambda s: ProfileService(ctx, s, principal).update(
            uid, body, plan, resolver, None if sent is None else variables))


async def profile_body(ctx: AppContext, principal: Principal, uid: str, *,
                       check: bool = True) -> dict[str, Any]:
    """Return a profile as GET shows it; drift is checked live with no transaction open."""
    def refs(session: Session) -> tuple[dict[str, AnyTarget], list[PackRef]]:
        svc = ProfileService(ctx, session, principal)
        return svc.drift_refs(svc.get(uid))

    targets, refs_ = await ctx.run_transaction(refs)
    drift = await check_drift(targets, refs_, ctx.sources) if check and refs_ else {}

    def read(session: Session) -> dict[str, Any]:
        svc = ProfileService(ctx, session, principal)
        return svc.body(svc.get(uid), drift)  # re-read: it may have changed or gone meanwhile

    return await ctx.run_transaction(read)

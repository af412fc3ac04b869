"""Palette's cluster profile operations: publish, clone, validate, the dashboard list, and
the profile file export.

They build on `ProfileService` (same tenant scoping, roles and audit) and add what
Palette's clients call besides create/read/update/delete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import semver
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal
from chartyard.context import AppContext
from chartyard.errors import ChartyardError, ConflictError, InvalidInput
from chartyard.names import check_name, name_key
from chartyard.pagination import decode_cursor, page_body
from chartyard.profiles import present
from chartyard.profiles import variables as V
from chartyard.profiles.resolve import PackResolver
from chartyard.profiles.schemas import TemplateBody
from chartyard.profiles.service import (
    KIND,
    ProfileService,
    check_pack_types,
    check_type,
    check_version,
    copy_pack,
)
from chartyard.store.models import ClusterProfile, ProfilePack
from chartyard.trust import gate as trust_gate
from chartyard.wire.profiles import (
    ConstraintError,
    ConstraintResponse,
    ConstraintResult,
    FilterArray,
    FilterString,
    FilterVersion,
    ProfileFilter,
    ProfilesFilterSpec,
    ValidatorResponse,
)

MAX_DASHBOARD_PAGE = 50  # Palette's documented maximum


class PaletteProfiles(ProfileService):
    """Palette's extra cluster profile use cases for one caller."""

    def publish(self, uid: str) -> ClusterProfile:
        """Mark a profile published: its draft becomes the published template."""
        self._require_editor()
        profile = self.get(uid)
        if not profile.published:
            trust_gate.enforce(self.session, self.principal.tenant_uid, profile.packs)
            profile.published = True
            self._audit("clusterprofile.publish", profile)
        return profile

    def clone(self, uid: str, name: str, version: str | None) -> ClusterProfile:
        """Copy a profile under a new name (and version); the copy starts as a draft."""
        self._require_editor()
        source = self.get(uid)
        check_name(name, "metadata.name")
        version = check_version(version or source.version, "metadata.version")
        self._check_free(name, version, field="metadata.name")
        copy = ClusterProfile(
            tenant_uid=source.tenant_uid, name=name, version=version,
            description=source.description, annotations=dict(source.annotations or {}),
            profile_type=source.profile_type,
            cloud_type=source.cloud_type, labels=dict(source.labels or {}), published=False,
            packs=[copy_pack(p) for p in source.packs], variables=source.variables,
            variables_enc=source.variables_enc)
        self.session.add(copy)
        self._flush(name, version, field="metadata.name")
        self._audit("clusterprofile.clone", copy, {"from": source.uid})
        return copy

    def check_name(self, name: str, version: str | None) -> None:
        """Raise if `name` (and `version`, default 1.0.0) is invalid or already taken."""
        check_name(name or "", "name")
        version = check_version(version or "1.0.0", "version")
        uid = self.session.scalar(select(ClusterProfile.uid).where(
            ClusterProfile.tenant_uid == self.principal.tenant_uid,
            ClusterProfile.name_key == name_key(name), ClusterProfile.version == version))
        if uid:
            raise ConflictError(f"cluster profile {name} version {version} already exists",
                                {"field": "name", "uid": uid})

    def dashboard(self, spec: ProfilesFilterSpec, *, limit: int | None, offset: int | None,
                  token: str | None) -> dict[str, Any]:
        """Return one page of Palette's filtered, sorted profile summaries."""
        rows = list(self.session.scalars(select(ClusterProfile).where(
            ClusterProfile.tenant_uid == self.principal.tenant_uid)))
        rows = [p for p in rows if _matches(p, spec.filter)]
        rows.sort(key=lambda p: (p.name, p.version, p.uid))
        for sort in reversed(spec.sort or []):
            key = _SORT_KEYS.get(sort.field or "profileName", _SORT_KEYS["profileName"])
            rows.sort(key=key, reverse=sort.order == "desc")
        size = max(1, min(limit or MAX_DASHBOARD_PAGE, MAX_DASHBOARD_PAGE))
        start = decode_cursor(token) if token else max(0, min(offset or 0, 2**31))
        page = rows[start:start + size]
        more = start + size < len(rows)
        items = [present.dashboard_summary(p, self.versions(p)) for p in page]
        return page_body(items, offset=start, limit=size, more=more)

    def profile_file(self, uid: str, fmt: str) -> tuple[str, str]:
        """Return Palette's profile file (JSON or YAML) and a file name for it."""
        profile = self.get(uid)
        doc: dict[str, Any] = {
            "metadata": {"name": profile.name,
                         "annotations": present.annotations_of(profile),
                         "labels": dict(profile.labels or {})},
            "spec": {"version": profile.version,
                     "template": {"type": profile.profile_type, "cloudType": profile.cloud_type,
                                  "packs": [{"name": p.name, "tag": p.tag,
                                             "registryUid": p.registry_uid, "type": p.pack_type,
                                             "layer": p.layer or "addon", "values": p.values}
                                            for p in profile.packs]}},
        }
        variables = V.public(V.load(profile, self.ctx.box))
        if variables:  # references stay in the values; sensitive values stay blank
            doc["spec"]["variables"] = [
                v.model_dump(by_alias=True, exclude={"default_value_set"}) for v in variables]
        self._audit_export(profile, fmt)
        if fmt == "yaml":
            text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(doc, indent=2)
        return text, f"{profile.name}-{profile.version}.{fmt}"

    def _audit_export(self, profile: ClusterProfile, fmt: str) -> None:
        audit.record(self.session, self.principal, "clusterprofile.export", KIND, profile.uid,
                     profile.name, {"format": fmt})


def _fold(text: str, ignore_case: bool) -> str:
    return text.lower() if ignore_case else text


def _name_matches(name: str, f: FilterString | None) -> bool:
    if f is None:
        return True
    n = _fold(name, f.ignore_case)
    checks: list[tuple[str | None, Callable[[str], bool]]] = [
        (f.eq, lambda v: n == v), (f.ne, lambda v: n != v),
        (f.contains, lambda v: v in n), (f.begins_with, n.startswith)]
    return all(test(_fold(v, f.ignore_case)) for v, test in checks if v)


def _labels(profile: ClusterProfile) -> set[str]:
    out: set[str] = set()
    for key, value in (profile.labels or {}).items():
        out.add(str(key))
        if value not in (None, ""):
            out.add(f"{key}:{value}")
    return out


def _tags_match(profile: ClusterProfile, f: FilterArray | None) -> bool:
    if f is None:
        return True
    tags = {_fold(t, f.ignore_case) for t in _labels(profile)}
    eq = [_fold(t, f.ignore_case) for t in f.eq or []]
    ne = [_fold(t, f.ignore_case) for t in f.ne or []]
    begins = [_fold(t, f.ignore_case) for t in f.begins_with or []]
    return (all(t in tags for t in eq) and not any(t in tags for t in ne)
            and all(any(tag.startswith(b) for tag in tags) for b in begins))


def _semver(text: str) -> semver.Version | None:
    try:
        return semver.Version.parse(text)
    except ValueError:
        return None


def _version_matches(version: str, f: FilterVersion | None) -> bool:
    if f is None:
        return True
    if (f.eq and version != f.eq) or (f.ne and version == f.ne):
        return False
    if f.begins_with and not version.startswith(f.begins_with):
        return False
    mine = _semver(version)
    for bound, wanted in ((f.gt, 1), (f.lt, -1)):
        if bound:
            other = _semver(bound)
            if mine is None or other is None or mine.compare(other) != wanted:
                return False
    return True


def _types_match(profile: ClusterProfile, types: list[str] | None) -> bool:
    if not types:
        return True
    wanted = set()
    for t in types:
        try:
            wanted.add(check_type(t))
        except InvalidInput as exc:
            raise InvalidInput("filter.profileType", exc.message.replace(
                "spec.template.type", "filter.profileType")) from exc
    return profile.profile_type in wanted


def _matches(profile: ClusterProfile, f: ProfileFilter | None) -> bool:
    if f is None:
        return True
    return (_name_matches(profile.name, f.profile_name) and _tags_match(profile, f.tags)
            and _version_matches(profile.version, f.version)
            and _types_match(profile, f.profile_type))


_SORT_KEYS: dict[str, Callable[[ClusterProfile], Any]] = {
    "profileName": lambda p: p.name,
    "environment": lambda p: p.cloud_type,
    "profileType": lambda p: p.profile_type,
    "creationTimestamp": lambda p: p.created_at,
    "lastModifiedTimestamp": lambda p: p.updated_at,
}


def _verdicts(principal: Principal, rows: list[ProfilePack],
              session: Session) -> tuple[bool, list[trust_gate.LayerVerdict]]:
    return (trust_gate.required(session, principal.tenant_uid),
            trust_gate.layer_verdicts(session, rows))


async def validate_packs(ctx: AppContext, principal: Principal, template: TemplateBody,
                         uid: str | None = None) -> ValidatorResponse:
    """Check each pack as a create would, and report what is wrong per pack; store nothing.

    Registries are asked with no transaction open. Each pack's values are checked
    against its chart's schema and the variables (the profile's, for the `uid` form).
    """
    from chartyard.profiles.validation import layer_errors

    variables = [] if uid is None else await ctx.run_transaction(
        lambda s: V.load(PaletteProfiles(ctx, s, principal).get(uid), ctx.box))
    results: list[ConstraintResult] = []
    for i, pack in enumerate(template.packs):
        errors: list[ConstraintError] = []
        warnings: list[ConstraintError] = []
        try:
            check_pack_types([pack])
            resolver = PackResolver(ctx, principal, skip_validation=False)
            plan = await ctx.run_transaction(lambda s: resolver.plan(s, [pack]))  # noqa: B023
            await resolver.fetch(plan)
            rows = await ctx.run_transaction(lambda s: resolver.rows(s, plan))  # noqa: B023
            text = pack.values if pack.values.strip() else plan.defaults.get(0, "")
            errors += [ConstraintError(code="ValuesInvalid", message=e.text)
                       for e in layer_errors(i, pack.name, text, plan.charts.get(0), variables)]
        except ChartyardError as exc:
            message = exc.message.replace("spec.template.packs[0]", f"spec.template.packs[{i}]")
            errors.append(ConstraintError(code=exc.code, message=message))
        else:
            blocking, layers = await ctx.run_transaction(partial(_verdicts, principal, rows))
            for layer in layers:
                if layer.status != "verified":
                    note = ConstraintError(code="LayerNotVerified", message=layer.message(
                        "spec.template.packs").replace("packs[0]", f"packs[{i}]"))
                    (errors if blocking else warnings).append(note)
        results.append(ConstraintResult(name=pack.name, display_name=pack.name, errors=errors,
                                        warnings=warnings))
    return ValidatorResponse(packs=ConstraintResponse(results=results))

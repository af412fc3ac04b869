"""Render stored cluster profiles as Palette-shaped response bodies.

Each body is built as its wire model (`chartyard.wire.profiles`) serializes it, so the
routes, the UI and the Python client share one definition of every shape.
"""

from __future__ import annotations

from typing import Any

from chartyard.errors import InvalidInput
from chartyard.profiles.drift import Drift
from chartyard.profiles.packs import release_name
from chartyard.registries.present import rfc3339
from chartyard.store.models import ClusterProfile, ProfilePack
from chartyard.values import PackSection, install_order, pack_section, parse_values
from chartyard.wire.common import WireModel
from chartyard.wire.profiles import ClusterProfile as ClusterProfileOut
from chartyard.wire.profiles import PackRef, ProfileListItem, ProfileSummary


def _shaped(model: type[WireModel], body: dict[str, Any]) -> dict[str, Any]:
    """Return `body` as its wire model serializes it: the model is the one definition."""
    return model.model_validate(body).model_dump(by_alias=True)


def section_of(pack: ProfilePack) -> PackSection:
    """Return the pack's `pack:` section; stored values that no longer parse count as empty."""
    try:
        return pack_section(parse_values(pack.values, "values"), "values")
    except InvalidInput:
        return PackSection()


def metadata(profile: ClusterProfile) -> dict[str, Any]:
    """Return the metadata block."""
    return {
        "uid": profile.uid,
        "name": profile.name,
        "annotations": annotations_of(profile),
        "labels": dict(profile.labels or {}),
        "creationTimestamp": rfc3339(profile.created_at),
        "lastModifiedTimestamp": rfc3339(profile.updated_at),
    }


def annotations_of(profile: ClusterProfile) -> dict[str, str]:
    """Return the annotations as given (profiles stored before they were kept show only
    their description)."""
    out = dict(profile.annotations or {})
    if profile.description and "description" not in out:
        out["description"] = profile.description
    return out


def pack_body(pack: ProfilePack, registry_name: str | None,
              drift: Drift | None, verification: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return one pack as GET shows it, with its drift when checked and its signature verdict."""
    section = section_of(pack)
    out: dict[str, Any] = {
        "name": pack.name,
        "tag": pack.tag,
        "registryUid": pack.registry_uid,
        "registryName": registry_name,
        "type": pack.pack_type,
        "source": pack.source,
        "values": pack.values,
        "packUid": pack.pack_uid,
        "digest": pack.digest,
        "verified": pack.verified,
        "repository": pack.repository,
        "version": pack.chart_version,
        "namespace": section.namespace,
        "installPriority": section.install_priority,
        "layer": pack.layer or "addon",
        "isInvalid": False,
        "invalidReason": None,
        "verification": verification,
    }
    if pack.registry_uid is None:
        out.update(isInvalid=True, invalidReason="the pack's registry was deleted; pick the "
                                                 "chart from another registry")
    elif drift is not None:
        out.update(isInvalid=drift.is_invalid, invalidReason=drift.reason,
                   driftUnknown=drift.unknown)
        if drift.message:
            out["driftMessage"] = drift.message
    if out["isInvalid"]:
        out["inValidReason"] = out["invalidReason"]  # Palette's spelling
    return _shaped(PackRef, out)


def install_names(packs: list[ProfilePack]) -> list[str]:
    """Return pack (release) names in install order: priority, then layer order."""
    order = install_order([section_of(p).install_priority for p in packs])
    return [release_name(packs[i].name) for i in order]


def template(profile: ClusterProfile, packs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return Palette's `v1ClusterProfileTemplate` of the profile."""
    return {"uid": profile.uid, "name": profile.name, "profileVersion": profile.version,
            "type": profile.profile_type, "cloudType": profile.cloud_type, "packs": packs}


def _state(profile: ClusterProfile, template: dict[str, Any]) -> dict[str, Any]:
    """Return `{"published": ...}` for a published profile, else `{"draft": ...}`."""
    return {"published" if profile.published else "draft": template}


def profile_body(profile: ClusterProfile, packs: list[dict[str, Any]],
                 versions: list[dict[str, str]]) -> dict[str, Any]:
    """Return the profile as GET shows it: Palette's `v1ClusterProfile`.

    As in Palette's `v1ClusterProfileSpec`, the packs are under `spec.draft` until the
    profile is published and under `spec.published` after; never both. `spec.template` is
    chartyard's editable copy, the same packs as a PUT body takes them.
    """
    tpl = template(profile, packs)
    return _shaped(ClusterProfileOut, {
        "apiVersion": "v1",
        "kind": "ClusterProfile",
        "metadata": metadata(profile),
        "spec": {
            "version": profile.version,
            "versions": versions,
            **_state(profile, tpl),
            "template": tpl,
        },
        "status": {
            "isPublished": profile.published,
            "hasUserMacros": False,
            "inUseClusterUids": [],
            "installOrder": install_names(list(profile.packs)),
            "isInvalid": any(p["isInvalid"] for p in packs),
        },
    })


def summary(profile: ClusterProfile) -> dict[str, Any]:
    """Return the profile as the list shows it: no values, no drift check."""
    return _shaped(ProfileListItem, {
        "metadata": metadata(profile),
        "spec": {
            "version": profile.version,
            "template": {
                "type": profile.profile_type, "cloudType": profile.cloud_type,
                "packs": [{"name": p.name, "tag": p.tag, "registryUid": p.registry_uid,
                           "source": p.source, "verified": p.verified,
                           "layer": p.layer or "addon", "type": p.pack_type}
                          for p in profile.packs],
            },
        },
        "status": {"isPublished": profile.published},
    })


def dashboard_summary(profile: ClusterProfile, versions: list[dict[str, str]]) -> dict[str, Any]:
    """Return Palette's `v1ClusterProfileSummary` of a profile."""
    tpl = {"type": profile.profile_type, "cloudType": profile.cloud_type,
           "packs": [{"name": p.name, "tag": p.tag, "type": p.pack_type,
                      "layer": p.layer or "addon", "packUid": p.pack_uid,
                      "version": p.chart_version} for p in profile.packs]}
    return _shaped(ProfileSummary, {
        "metadata": metadata(profile),
        "specSummary": {"version": profile.version, "versions": versions,
                        **_state(profile, tpl)},
        "status": {"isPublished": profile.published, "inUseClusterUids": [],
                   "pack": {"deleted": sum(1 for p in profile.packs if p.registry_uid is None),
                            "deprecated": 0, "disabled": 0}},
    })

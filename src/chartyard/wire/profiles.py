"""Cluster profiles on the wire: Palette's `v1ClusterProfile`, summaries, validation, clone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chartyard.wire.common import ListMeta, ObjectMeta, WireModel, omit
from chartyard.wire.trust import Verification

Layer = Literal["kernel", "os", "k8s", "cni", "csi", "addon"]


class PackRef(WireModel):
    """Palette's `v1PackRef`, with chartyard's resolution and drift fields beside it."""

    name: str
    layer: Layer = "addon"
    tag: str | None = omit()
    registry_uid: str | None = omit("registryUid")
    type: str = "oci"
    values: str = ""
    pack_uid: str | None = omit("packUid")
    digest: str | None = omit()
    version: str | None = omit()
    is_invalid: bool = Field(default=False, alias="isInvalid")
    in_valid_reason: str | None = omit("inValidReason")
    # chartyard's own fields.
    registry_name: str | None = Field(default=None, alias="registryName")
    source: str | None = None
    verified: bool | None = None
    repository: str | None = None
    namespace: str | None = None
    install_priority: int | None = Field(default=None, alias="installPriority")
    invalid_reason: str | None = Field(default=None, alias="invalidReason")
    drift_unknown: bool | None = omit("driftUnknown")
    drift_message: str | None = omit("driftMessage")
    verification: Verification | None = omit()


class ProfileTemplate(WireModel):
    """Palette's `v1ClusterProfileTemplate`: type, cloud type and packs in layer order."""

    uid: str | None = omit()
    name: str | None = omit()
    type: str
    cloud_type: str = Field(alias="cloudType")
    profile_version: str | None = omit("profileVersion")
    packs: list[PackRef] = Field(default_factory=list)


class ProfileVersion(WireModel):
    """Palette's `v1ClusterProfileVersion`."""

    uid: str
    version: str


class ProfileSpec(WireModel):
    """Palette's `v1ClusterProfileSpec`; `template` is chartyard's editable copy (PUT body)."""

    version: str
    versions: list[ProfileVersion] = Field(default_factory=list)
    published: ProfileTemplate | None = omit()
    draft: ProfileTemplate | None = omit()
    template: ProfileTemplate | None = omit()


class ProfileStatus(WireModel):
    """Palette's `v1ClusterProfileStatus` with chartyard's install order and validity."""

    is_published: bool = Field(alias="isPublished")
    has_user_macros: bool = Field(default=False, alias="hasUserMacros")
    in_use_cluster_uids: list[str] = Field(default_factory=list, alias="inUseClusterUids")
    install_order: list[str] = Field(default_factory=list, alias="installOrder")
    is_invalid: bool = Field(default=False, alias="isInvalid")


class ClusterProfile(WireModel):
    """Palette's `v1ClusterProfile`: what `GET /v1/clusterprofiles/{uid}` returns."""

    api_version: str = Field(default="v1", alias="apiVersion")
    kind: str = "ClusterProfile"
    metadata: ObjectMeta
    spec: ProfileSpec
    status: ProfileStatus


class PackRefSummary(WireModel):
    """Palette's `v1PackRefSummary`."""

    name: str
    tag: str | None = omit()
    type: str = "oci"
    layer: Layer = "addon"
    pack_uid: str | None = omit("packUid")
    version: str | None = omit()


class TemplateSummary(WireModel):
    """Palette's `v1ClusterProfileTemplateSummary`."""

    type: str
    cloud_type: str = Field(alias="cloudType")
    packs: list[PackRefSummary] = Field(default_factory=list)


class SpecSummary(WireModel):
    """The `specSummary` of Palette's `v1ClusterProfileSummary`."""

    version: str
    versions: list[ProfileVersion] = Field(default_factory=list)
    published: TemplateSummary | None = omit()
    draft: TemplateSummary | None = omit()


class PackCounts(WireModel):
    """Palette's `v1ClusterProfilePackSummary`: chartyard has no deprecated or disabled packs."""

    deleted: float = 0
    deprecated: float = 0
    disabled: float = 0


class StatusSummary(WireModel):
    """Palette's `v1ClusterProfileStatusSummary`."""

    is_published: bool = Field(alias="isPublished")
    in_use_cluster_uids: list[str] = Field(default_factory=list, alias="inUseClusterUids")
    pack: PackCounts = Field(default_factory=PackCounts)


class ProfileSummary(WireModel):
    """Palette's `v1ClusterProfileSummary`."""

    metadata: ObjectMeta
    spec_summary: SpecSummary = Field(alias="specSummary")
    status: StatusSummary


class ProfilesSummary(WireModel):
    """Palette's `v1ClusterProfilesSummary`: one page of the dashboard list."""

    items: list[ProfileSummary]
    listmeta: ListMeta


class FilterString(WireModel):
    """Palette's `v1FilterString`."""

    eq: str | None = omit()
    ne: str | None = omit()
    contains: str | None = omit()
    begins_with: str | None = omit("beginsWith")
    ignore_case: bool = Field(default=False, alias="ignoreCase")


class FilterArray(WireModel):
    """Palette's `v1FilterArray` (over labels written `key` or `key:value`)."""

    eq: list[str] | None = omit()
    ne: list[str] | None = omit()
    begins_with: list[str] | None = Field(default=None, alias="beginsWith")
    ignore_case: bool = Field(default=False, alias="ignoreCase")


class FilterVersion(WireModel):
    """Palette's `v1FilterVersionString`."""

    eq: str | None = omit()
    ne: str | None = omit()
    begins_with: str | None = omit("beginsWith")
    gt: str | None = omit()
    lt: str | None = omit()


class ProfileFilter(WireModel):
    """Palette's `v1ClusterProfileFilterSpec`; environment, fips and scope are accepted only."""

    profile_name: FilterString | None = Field(default=None, alias="profileName")
    profile_type: list[str] | None = Field(default=None, alias="profileType")
    tags: FilterArray | None = None
    version: FilterVersion | None = None


SortField = Literal["profileName", "environment", "profileType", "creationTimestamp",
                    "lastModifiedTimestamp"]


class ProfileSort(WireModel):
    """Palette's `v1ClusterProfileSortSpec`."""

    field: SortField | None = None
    order: Literal["asc", "desc"] | None = None


class ProfilesFilterSpec(WireModel):
    """Palette's `v1ClusterProfilesFilterSpec`."""

    filter: ProfileFilter | None = None
    sort: list[ProfileSort] | None = None


class CloneMeta(WireModel):
    """Palette's `v1ClusterProfileCloneMetaInputEntity`; `target` is accepted and ignored."""

    name: str
    version: str | None = omit()


class CloneEntity(WireModel):
    """Palette's `v1ClusterProfileCloneEntity`."""

    metadata: CloneMeta


class ConstraintError(WireModel):
    """Palette's `v1ConstraintError`."""

    code: str
    message: str


class ConstraintResult(WireModel):
    """Palette's `v1ConstraintValidatorResult`: one pack and what is wrong with it."""

    name: str
    display_name: str = Field(default="", alias="displayName")
    errors: list[ConstraintError] = Field(default_factory=list)
    # chartyard's own: what does not block, such as an unverified chart while not required.
    warnings: list[ConstraintError] = Field(default_factory=list)


class ConstraintResponse(WireModel):
    """Palette's `v1ConstraintValidatorResponse`."""

    results: list[ConstraintResult] = Field(default_factory=list)


class ValidatorResponse(WireModel):
    """Palette's `v1ClusterProfileValidatorResponse`."""

    packs: ConstraintResponse


class ListedPack(WireModel):
    """A pack as chartyard's simple list shows it: no values, no drift check."""

    name: str
    tag: str
    registry_uid: str | None = Field(default=None, alias="registryUid")
    source: str | None = None
    verified: bool | None = None
    layer: Layer = "addon"
    type: str = "oci"


class ListedTemplate(WireModel):
    """The template of a listed profile."""

    type: str
    cloud_type: str = Field(alias="cloudType")
    packs: list[ListedPack] = Field(default_factory=list)


class ListedSpec(WireModel):
    """The spec of a listed profile."""

    version: str
    template: ListedTemplate


class ListedStatus(WireModel):
    """The status of a listed profile."""

    is_published: bool = Field(alias="isPublished")


class ProfileListItem(WireModel):
    """One profile of chartyard's simple list, `GET /v1/clusterprofiles`."""

    metadata: ObjectMeta
    spec: ListedSpec
    status: ListedStatus


class ProfileList(WireModel):
    """One page of `GET /v1/clusterprofiles`."""

    items: list[ProfileListItem]
    listmeta: ListMeta

"""The chart catalog on the wire: search pages, a chart's versions, one version's detail."""

from __future__ import annotations

from pydantic import Field

from chartyard.wire.common import ListMeta, WireModel, omit
from chartyard.wire.trust import Verification


class ChartHit(WireModel):
    """One chart found by a catalog search (`GET /v1/packs`)."""

    name: str
    registry_uid: str = Field(alias="registryUid")
    registry_name: str = Field(alias="registryName")
    repository: str
    latest_version: str = Field(alias="latestVersion")
    latest_pack_uid: str = Field(alias="latestPackUid")
    versions: int = Field(description="how many versions the catalog holds")
    description: str | None
    icon: str | None
    keywords: list[str]


class SearchPage(WireModel):
    """One page of catalog search results, best match first."""

    items: list[ChartHit]
    listmeta: ListMeta


class ChartTag(WireModel):
    """One version of a chart in a registry."""

    tag: str
    version: str
    pack_uid: str = Field(alias="packUid")
    digest: str
    app_version: str | None = Field(alias="appVersion")
    repository: str
    verification: Verification | None = None


class ChartVersions(WireModel):
    """A chart's versions in one registry, newest SemVer first."""

    name: str
    registry_uid: str = Field(alias="registryUid")
    tags: list[ChartTag]


class Maintainer(WireModel):
    """A Chart.yaml maintainer; fields the chart leaves out are left out."""

    name: str | None = omit()
    email: str | None = omit()
    url: str | None = omit()


class Dependency(WireModel):
    """A Chart.yaml dependency (`version` is a constraint); unset fields are left out."""

    name: str
    version: str | None = omit()
    repository: str | None = omit()
    condition: str | None = omit()
    alias: str | None = omit()


class PackDigests(WireModel):
    """The digests of a chart version: its manifest, config and chart layer."""

    manifest: str
    config: str
    chart: str | None


class PackDetail(WireModel):
    """A chart version's metadata (`GET /v1/packs/{packUid}`)."""

    uid: str
    name: str
    version: str
    tag: str
    registry_uid: str = Field(alias="registryUid")
    registry_name: str = Field(alias="registryName")
    repository: str
    oci_ref: str | None = Field(alias="ociRef", description="`oci://host/repo`; null for a "
                                                            "classic Helm repository")
    pull_ref: str = Field(alias="pullRef", description="what `helm pull` takes")
    app_version: str | None = Field(alias="appVersion")
    description: str | None
    icon: str | None
    keywords: list[str]
    home: str | None
    sources: list[str]
    maintainers: list[Maintainer]
    dependencies: list[Dependency]
    kube_version: str | None = Field(alias="kubeVersion")
    deprecated: bool
    type: str
    api_version: str | None = Field(alias="apiVersion")
    annotations: dict[str, str]
    digests: PackDigests
    created: str | None = Field(description="when the version was indexed (RFC 3339)")
    verification: Verification | None = None

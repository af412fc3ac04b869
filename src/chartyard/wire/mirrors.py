"""Mirror requests and answers: copy a profile's charts (and images) into another registry."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chartyard.wire.common import WireModel

MirrorStatusName = Literal["Pending", "InProgress", "Completed", "Failed"]


class MirrorRequest(WireModel):
    """``POST /v1/clusterprofiles/{uid}/mirror``: where to copy the profile's charts."""

    targetRegistryUid: str = Field(min_length=1, max_length=64,
                                   description="an OCI registry (Basic or ECR) chartyard "
                                               "may push to")
    basePath: str = Field("", max_length=255,
                          description="repository path under the target's endpoint, "
                                      "e.g. 'mirror/charts'")
    includeImages: bool = Field(False, description="copy the images the charts declare too")


class MirroredChart(WireModel):
    """One chart of a mirror: where from, where to, its digest in the target."""

    name: str
    version: str
    source: str
    target: str
    digest: str | None = None
    copied: bool = False


class MirroredImage(WireModel):
    """One image of a mirror; ``error`` says why it was not copied."""

    name: str
    source: str | None = None
    target: str | None = None
    digest: str | None = None
    copied: bool = False
    platforms: list[str] = Field(default_factory=list)
    error: str | None = None


class MirrorStatus(WireModel):
    """``GET /v1/mirrors/{uid}``: a mirror run's status and progress."""

    uid: str
    status: MirrorStatusName
    message: str = ""
    profileUid: str
    targetRegistryUid: str
    basePath: str = ""
    includeImages: bool = False
    charts: list[MirroredChart] = Field(default_factory=list)
    images: list[MirroredImage] = Field(default_factory=list)
    chartsTotal: int = 0
    chartsDone: int = 0
    blobsCopied: int = 0
    blobsSkipped: int = 0
    bytesCopied: int = 0
    createdAt: str | None = None
    startedAt: str | None = None
    finishedAt: str | None = None


class BundlePushed(WireModel):
    """``POST /v1/registries/oci/{uid}/bundle``: what was pushed and the profile created."""

    profileUid: str
    manifests: int
    blobsCopied: int
    blobsSkipped: int
    references: list[str] = Field(default_factory=list)

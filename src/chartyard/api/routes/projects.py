"""Palette's project list: a chartyard tenant is one project, "Default"."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter

from chartyard.api.deps import CurrentUser
from chartyard.wire.auth import ProjectMetadata, ProjectsMetadata
from chartyard.wire.common import ObjectEntity

router = APIRouter(prefix="/v1/dashboard", tags=["projects"])

DEFAULT_PROJECT = "Default"


def project_uid(tenant_uid: str) -> str:
    """Return the stable uid of a tenant's one project (24 hex digits, as Palette's)."""
    return hashlib.sha256(f"project:{tenant_uid}".encode()).hexdigest()[:24]


@router.get("/projects/metadata", response_model=ProjectsMetadata)
def projects_metadata(principal: CurrentUser, name: str = "") -> ProjectsMetadata:
    """List the tenant's projects: the one "Default"; a `ProjectUid` header is ignored."""
    if name and name != DEFAULT_PROJECT:
        return ProjectsMetadata(items=[])
    entity = ObjectEntity(uid=project_uid(principal.tenant_uid), name=DEFAULT_PROJECT)
    return ProjectsMetadata(items=[ProjectMetadata(metadata=entity)])

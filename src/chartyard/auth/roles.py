"""Roles and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Roles, from most to least privileged."""

    TENANT_ADMIN = "tenant-admin"
    PROFILE_EDITOR = "profile-editor"
    VIEWER = "viewer"


_RANK = {Role.VIEWER: 0, Role.PROFILE_EDITOR: 1, Role.TENANT_ADMIN: 2}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: one user of one tenant."""

    user_uid: str
    username: str
    tenant_uid: str
    role: Role

    def has(self, role: Role) -> bool:
        """Return whether the caller holds `role` or a stronger one."""
        return _RANK[self.role] >= _RANK[role]

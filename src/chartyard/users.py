"""Manage a tenant's users: list, create, change role, disable, enable, reset password.

Only a tenant admin manages users, and only those of their own tenant; every change is
audited. Disabling a user deletes their sessions and revokes their API keys in the same
transaction, so a token or key in use stops working on the next request.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth import service as auth
from chartyard.auth.passwords import hash_password
from chartyard.auth.roles import Principal, Role
from chartyard.errors import InvalidInput, NotFoundError, PermissionDenied
from chartyard.store.models import ApiKey, AuthToken, Tenant, User, utcnow
from chartyard.wire.common import rfc3339

KIND = "user"
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


def parse_role(value: str, field: str = "role") -> Role:
    """Return the role named `value`, or raise `InvalidInput` listing the roles."""
    try:
        return Role(value.strip().lower())
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(field, f"{field}: '{value}' is not a role; use one of {roles}") from exc


def check_password(password: str, field: str = "password") -> str:
    """Return the password if it is long enough, else raise `InvalidInput`."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(field, f"{field}: must be at least {MIN_PASSWORD} characters long")
    if len(password) > 1024:
        raise InvalidInput(field, f"{field}: must be at most 1024 characters long")
    return password


def user_body(user: User) -> dict[str, Any]:
    """Return a user as the API shows it (never the password hash)."""
    return {"uid": user.uid, "username": user.username, "role": user.role,
            "tenantUid": user.tenant_uid, "disabled": bool(user.disabled),
            "createdAt": rfc3339(user.created_at)}


class UserService:
    """User management for one tenant admin, scoped to their tenant."""

    def __init__(self, session: Session, principal: Principal) -> None:
        if not principal.has(Role.TENANT_ADMIN):
            raise PermissionDenied("managing users needs the tenant-admin role")
        self.session, self.principal = session, principal

    def get(self, uid: str) -> User:
        """Return a user of the caller's tenant, or raise 404 for a missing or foreign one."""
        user = self.session.get(User, uid)
        if user is None or user.tenant_uid != self.principal.tenant_uid:
            raise NotFoundError(f"user '{uid}' not found")
        return user

    def find(self, ref: str) -> User:
        """Return a user of the caller's tenant by uid or username."""
        user = self.session.scalar(select(User).where(
            User.tenant_uid == self.principal.tenant_uid, User.username == ref))
        return user if user is not None else self.get(ref)

    def list(self) -> list[User]:
        """Return the tenant's users by username."""
        return list(self.session.scalars(select(User).where(
            User.tenant_uid == self.principal.tenant_uid).order_by(User.username)))

    def create(self, username: str, password: str, role: str) -> User:
        """Create a user in the caller's tenant."""
        username = username.strip()
        if not _USERNAME.match(username):
            raise InvalidInput("username", "username: use 1-128 letters, digits and . _ @ -, "
                                           "starting with a letter or digit")
        chosen = parse_role(role)
        tenant_row = self.session.get(Tenant, self.principal.tenant_uid)
        if tenant_row is None:
            raise NotFoundError("the caller's tenant no longer exists")
        user = auth.create_user(self.session, tenant_row.name, username,
                                check_password(password), chosen)
        self._audit("user.create", user, {"role": user.role})
        return user

    def set_role(self, uid: str, role: str) -> User:
        """Change a user's role; an admin cannot demote themselves."""
        user = self.get(uid)
        chosen = parse_role(role)
        if user.uid == self.principal.user_uid and chosen is not Role.TENANT_ADMIN:
            raise InvalidInput("role", "role: you cannot remove your own tenant-admin role; "
                                       "ask another tenant admin")
        before = user.role
        user.role = chosen.value
        self._audit("user.role", user, {"from": before, "to": user.role})
        return user

    def set_disabled(self, uid: str, disabled: bool) -> User:
        """Disable a user (revoking their sessions and API keys at once) or enable them."""
        user = self.get(uid)
        if disabled and user.uid == self.principal.user_uid:
            raise InvalidInput("disabled", "disabled: you cannot disable yourself")
        user.disabled = disabled
        details: dict[str, Any] = {}
        if disabled:
            details = self._revoke_access(user)
        self._audit("user.disable" if disabled else "user.enable", user, details)
        return user

    def reset_password(self, uid: str, password: str) -> User:
        """Set a new password; the user's sessions end, their API keys stay."""
        user = self.get(uid)
        user.password_hash = hash_password(check_password(password))
        user.failed_logins, user.locked_until = 0, None
        ended = self.session.execute(delete(AuthToken).where(AuthToken.user_uid == user.uid))
        self._audit("user.password", user, {"sessionsEnded": _count(ended)})
        return user

    def _revoke_access(self, user: User) -> dict[str, Any]:
        ended = self.session.execute(delete(AuthToken).where(AuthToken.user_uid == user.uid))
        revoked = self.session.execute(update(ApiKey).where(
            ApiKey.user_uid == user.uid, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow()))
        return {"sessionsEnded": _count(ended), "apiKeysRevoked": _count(revoked)}

    def _audit(self, action: str, user: User, details: dict[str, Any]) -> None:
        audit.record(self.session, self.principal, action, KIND, user.uid, user.username,
                     details)


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

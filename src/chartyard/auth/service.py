"""Users, tenants, sessions and API keys."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import Connection, String, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from chartyard.auth.passwords import hash_password, token_hash, verify_password
from chartyard.auth.roles import Principal, Role
from chartyard.aws import generate_external_id
from chartyard.errors import (
    ConflictError,
    InvalidInput,
    NotFoundError,
    PermissionDenied,
    ServiceError,
    TooManyAttempts,
    Unauthenticated,
)
from chartyard.store.models import ApiKey, AuthToken, Tenant, User, utcnow

BOOTSTRAP_TENANT = "default"
BOOTSTRAP_USER = "admin"
API_KEY_PREFIX = "cy_"


def _principal(user: User) -> Principal:
    return Principal(user.uid, user.username, user.tenant_uid, Role(user.role))


def create_tenant(session: Session, name: str) -> Tenant:
    """Create a tenant with its own AWS external ID."""
    if session.scalar(select(Tenant).where(Tenant.name == name)):
        raise ConflictError(f"tenant '{name}' already exists", {"field": "name"})
    tenant = Tenant(name=name, aws_external_id=generate_external_id())
    session.add(tenant)
    session.flush()
    return tenant


def create_user(session: Session, tenant_name: str, username: str, password: str,
                role: Role) -> User:
    """Create a user in a tenant; usernames are unique across tenants."""
    tenant = session.scalar(select(Tenant).where(Tenant.name == tenant_name))
    if tenant is None:
        raise NotFoundError(f"tenant '{tenant_name}' does not exist; create it first")
    if len(password) < 8:
        raise InvalidInput("password", "password must be at least 8 characters long")
    if session.scalar(select(User).where(User.username == username)):
        raise ConflictError(f"user '{username}' already exists", {"field": "username"})
    user = User(tenant_uid=tenant.uid, username=username,
                password_hash=hash_password(password), role=role.value)
    session.add(user)
    session.flush()
    return user


def bootstrap(session: Session, admin_password: str | None) -> str | None:
    """Create tenant `default` and user `admin` once; return a generated password, if any."""
    if session.scalar(select(User).where(User.username == BOOTSTRAP_USER)):
        return None
    if session.scalar(select(Tenant).where(Tenant.name == BOOTSTRAP_TENANT)) is None:
        create_tenant(session, BOOTSTRAP_TENANT)
    generated = None if admin_password else secrets.token_urlsafe(18)
    create_user(session, BOOTSTRAP_TENANT, BOOTSTRAP_USER, admin_password or generated or "",
                Role.TENANT_ADMIN)
    return generated


def authenticate(sessions: sessionmaker[Session], username: str, password: str, *,
                 ttl: timedelta, max_failures: int, lockout: timedelta,
                 org: str | None = None) -> str:
    """Check a password and return a new session token; throttle repeated failures.

    `org`, when given (Palette's login), must be the user's tenant.

    A failure is committed before it is raised, so the failure count survives it.
    """
    error: ServiceError | None = None
    with sessions() as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            error = TooManyAttempts(
                f"too many failed logins for '{username}'; try again in {wait} s",
                {"retryAfter": wait},
            )
        elif (user is None or user.disabled or (org and user.tenant.name != org)
              or not verify_password(password, user.password_hash)):
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= max_failures:
                    user.locked_until = now + lockout
                    user.failed_logins = 0
            error = Unauthenticated("invalid username or password")
        else:
            user.failed_logins = 0
            user.locked_until = None
            token = secrets.token_urlsafe(32)
            session.add(AuthToken(token_hash=token_hash(token), user_uid=user.uid,
                                  expires_at=now + ttl))
    if error is not None:
        raise error
    return token


# The two lookups of every API request, built once (building costs more than running them).
_TOKEN_LOOKUP = (
    select(AuthToken.expires_at, User.uid, User.username, User.tenant_uid, User.role,
           User.disabled)
    .join(User, User.uid == AuthToken.user_uid)
    .where(AuthToken.token_hash == bindparam("hash", type_=String))
)
_API_KEY_LOOKUP = (
    select(ApiKey.revoked_at, ApiKey.active, ApiKey.expires_at, User.uid, User.username,
           User.tenant_uid, User.role, User.disabled)
    .join(User, User.uid == ApiKey.user_uid)
    .where(ApiKey.key_hash == bindparam("hash", type_=String))
)


def principal_for_token(db: Session | Connection, token: str) -> Principal:
    """Return the principal of a valid session token: one indexed lookup, no ORM objects."""
    found = db.execute(_TOKEN_LOOKUP, {"hash": token_hash(token)}).first()
    if found is None or found.expires_at <= utcnow():
        raise Unauthenticated("the session token is invalid or expired; authenticate again")
    if found.disabled:
        raise Unauthenticated("the user of this token is disabled")
    return Principal(found.uid, found.username, found.tenant_uid, Role(found.role))


def principal_for_api_key(db: Session | Connection, key: str) -> Principal:
    """Return the principal of a valid, unrevoked API key: one indexed lookup, no ORM objects."""
    row = db.execute(_API_KEY_LOOKUP, {"hash": token_hash(key)}).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the API key is invalid or revoked")
    if not row.active or (row.expires_at is not None and row.expires_at <= utcnow()):
        raise Unauthenticated("the API key is deactivated or expired; activate it with "
                              "PATCH /v1/apiKeys/{uid} or create a new one")
    if row.disabled:
        raise Unauthenticated("the owner of this API key no longer exists")
    return Principal(row.uid, row.username, row.tenant_uid, Role(row.role))


def principal_for_request(db: Session | Connection, api_key: str | None,
                          token: str | None) -> Principal:
    """Return the caller of an API request: by its API key, else by its session token."""
    if api_key:
        return principal_for_api_key(db, api_key)
    if token:
        return principal_for_token(db, token)
    raise Unauthenticated(
        "authentication required: send 'Authorization: <token>' (or 'Bearer <token>') from "
        "POST /v1/auth/authenticate, or an 'ApiKey: <key>' header"
    )


def create_api_key(session: Session, principal: Principal, name: str) -> tuple[ApiKey, str]:
    """Create an API key for the caller; the key is returned once and stored hashed."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(user_uid=principal.user_uid, tenant_uid=principal.tenant_uid,
                 name=name or "api-key", key_hash=token_hash(key), prefix=key[:10])
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(session: Session, principal: Principal) -> list[ApiKey]:
    """List the caller's API keys (all of the tenant's for a tenant admin)."""
    query = select(ApiKey).where(ApiKey.tenant_uid == principal.tenant_uid)
    if not principal.has(Role.TENANT_ADMIN):
        query = query.where(ApiKey.user_uid == principal.user_uid)
    return list(session.scalars(query.order_by(ApiKey.created_at)))


def revoke_api_key(session: Session, principal: Principal, uid: str) -> ApiKey:
    """Revoke an API key of the caller, or any of the tenant's for a tenant admin."""
    row = session.get(ApiKey, uid)
    if row is None or row.tenant_uid != principal.tenant_uid:
        raise NotFoundError(f"API key '{uid}' not found")
    if row.user_uid != principal.user_uid and not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("only a tenant admin may revoke another user's API key")
    row.revoked_at = row.revoked_at or utcnow()
    return row


def logout(session: Session, token: str) -> None:
    """Invalidate a session token."""
    row = session.get(AuthToken, token_hash(token))
    if row is not None:
        session.delete(row)

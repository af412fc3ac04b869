"""Palette's API key operations beyond create/list/revoke: read, update, (de)activate."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal, Role
from chartyard.errors import InvalidInput, NotFoundError, PermissionDenied
from chartyard.store.models import ApiKey
from chartyard.wire.auth import ApiKey as ApiKeyOut
from chartyard.wire.auth import ApiKeySpec, ApiKeyStatus, ApiKeyUser
from chartyard.wire.common import ObjectMeta, rfc3339


def parse_expiry(text: str | None, field: str = "spec.expiry") -> datetime | None:
    """Return an RFC 3339 expiry as aware UTC; Go's zero time and empty mean none."""
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(field, f"'{text}' is not an RFC 3339 time; write it as "
                                  "2027-01-31T00:00:00Z") from exc


def set_expiry(row: ApiKey, text: str | None) -> None:
    """Set a key's expiry from its RFC 3339 text, keeping the text to return as it was sent."""
    row.expires_at = parse_expiry(text)
    row.expiry_text = text or None


def owned(session: Session, principal: Principal, uid: str) -> ApiKey:
    """Return a live key of the caller (any of the tenant's for a tenant admin), else 404."""
    row = session.get(ApiKey, uid)
    if row is None or row.tenant_uid != principal.tenant_uid or row.revoked_at is not None:
        raise NotFoundError(f"API key '{uid}' not found")
    if row.user_uid != principal.user_uid and not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("only a tenant admin may change another user's API key")
    return row


def update(session: Session, principal: Principal, uid: str, name: str | None,
           expiry: str | None) -> ApiKey:
    """Rename a key and set its expiry."""
    row = owned(session, principal, uid)
    if name:
        row.name = name
    set_expiry(row, expiry)
    return row


def set_active(session: Session, principal: Principal, uid: str, active: bool) -> ApiKey:
    """Activate or deactivate a key; a deactivated key authenticates nothing."""
    row = owned(session, principal, uid)
    row.active = active
    return row


def present(row: ApiKey) -> ApiKeyOut:
    """Return the key as Palette's `v1ApiKey`, with chartyard's flat fields beside it."""
    created = rfc3339(row.created_at)
    live = row.revoked_at is None and row.active
    return ApiKeyOut(
        metadata=ObjectMeta(uid=row.uid, name=row.name, creation_timestamp=created,
                            last_modified_timestamp=created),
        spec=ApiKeySpec(expiry=row.expiry_text or rfc3339(row.expires_at),
                        user=ApiKeyUser(uid=row.user_uid)),
        status=ApiKeyStatus(is_active=live),
        uid=row.uid, name=row.name, prefix=row.prefix, created_at=created,
        revoked=row.revoked_at is not None)

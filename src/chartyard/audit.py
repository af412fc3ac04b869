"""Record who changed what, and when; details never hold secrets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.store.models import AuditEvent


def record(session: Session, principal: Principal, action: str, kind: str,
           uid: str | None, name: str | None, details: dict[str, Any] | None = None) -> None:
    """Add an audit event in the caller's transaction."""
    session.add(AuditEvent(tenant_uid=principal.tenant_uid, actor=principal.username,
                           action=action, target_kind=kind, target_uid=uid, target_name=name,
                           details=details or {}))


def recent(session: Session, tenant_uid: str, limit: int = 100,
           before_id: int | None = None) -> list[AuditEvent]:
    """Return the tenant's newest audit events, newest first."""
    query = select(AuditEvent).where(AuditEvent.tenant_uid == tenant_uid)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))

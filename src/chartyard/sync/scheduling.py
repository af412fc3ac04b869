"""Ask for syncs and read their status and history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.auth.roles import Principal, Role
from chartyard.errors import PermissionDenied
from chartyard.registries.present import rfc3339
from chartyard.store.models import Registry, SyncRun, SyncState, utcnow


def request_sync(session: Session, principal: Principal, reg: Registry, *, force: bool) -> None:
    """Make the registry due now; `force` also re-checks known digests."""
    if not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("synchronizing a registry needs the tenant-admin role")
    state = reg.sync or SyncState(registry_uid=reg.uid)
    reg.sync = state
    state.due_at = utcnow()
    state.force_requested = state.force_requested or force
    if state.status not in ("InProgress",):
        state.status = "Pending"
        state.message = "synchronization requested"
    audit.record(session, principal, "registry.sync", reg.kind, reg.uid, reg.name,
                 {"force": force})


def history(session: Session, reg: Registry, limit: int) -> list[dict[str, Any]]:
    """Return the registry's latest sync runs, newest first."""
    rows = session.scalars(
        select(SyncRun).where(SyncRun.registry_uid == reg.uid)
        .order_by(SyncRun.started_at.desc()).limit(max(1, min(limit, 100)))
    )
    return [
        {
            "uid": r.uid, "status": r.status, "forced": r.forced, "worker": r.worker,
            "startTime": rfc3339(r.started_at), "endTime": rfc3339(r.finished_at),
            "durationSeconds": (r.finished_at - r.started_at).total_seconds()
            if r.finished_at else None,
            "requests": r.requests, "added": r.added, "removed": r.removed,
            "updated": r.updated, "skipped": r.skipped,
            "errorCode": r.error_code, "errorMessage": r.error_message,
        }
        for r in rows
    ]

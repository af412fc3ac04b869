"""Claim sync work through leases in the database, so one registry syncs once at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from chartyard import metrics
from chartyard.store.models import SyncState, utcnow
from chartyard.store.wakeup import mark_due


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    return [
        SyncState.due_at.is_not(None),
        SyncState.due_at <= now,
        or_(SyncState.lease_owner.is_(None), SyncState.lease_expires_at < now),
    ]


def claim_next(session: Session, worker: str, lease: timedelta) -> str | None:
    """Claim the most overdue registry; return its uid, or None when nothing is due."""
    now = utcnow()
    candidates = session.execute(
        select(SyncState.registry_uid, SyncState.lease_owner).where(*_claimable(now))
        .order_by(SyncState.due_at).limit(5)
    ).all()
    for uid, previous_owner in candidates:
        # A conditional update is the claim: exactly one worker sees rowcount 1.
        result = session.execute(
            update(SyncState).where(SyncState.registry_uid == uid, *_claimable(now))
            .values(lease_owner=worker, lease_expires_at=now + lease)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            if previous_owner is not None:
                metrics.lease_takeover()  # its worker died without giving the lease back
            return uid
    return None


def next_due(session: Session) -> datetime | None:
    """Return the earliest due time of a registry no live lease holds (None: nothing)."""
    now = utcnow()
    return session.scalar(
        select(func.min(SyncState.due_at)).where(
            SyncState.due_at.is_not(None),
            or_(SyncState.lease_owner.is_(None), SyncState.lease_expires_at < now))
    )


def renew(session: Session, uid: str, worker: str, lease: timedelta) -> bool:
    """Extend our lease; False means another worker has taken it over."""
    result = session.execute(
        update(SyncState).where(SyncState.registry_uid == uid, SyncState.lease_owner == worker)
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def holds(session: Session, uid: str, worker: str) -> SyncState | None:
    """Return the state row locked for update if we still hold its lease."""
    query = select(SyncState).where(
        SyncState.registry_uid == uid, SyncState.lease_owner == worker
    ).with_for_update()
    return session.scalar(query)


def release(state: SyncState, next_due: datetime | None) -> None:
    """Give the lease back and set when the registry is next due."""
    state.lease_owner = None
    state.lease_expires_at = None
    state.due_at = next_due


def give_up(session: Session, uid: str, worker: str) -> bool:
    """Hand our lease back and make the registry due now, so another worker takes it at once."""
    result = session.execute(
        update(SyncState).where(SyncState.registry_uid == uid, SyncState.lease_owner == worker)
        .values(lease_owner=None, lease_expires_at=None, due_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    mark_due(session)
    return getattr(result, "rowcount", 0) == 1


def acquire(session: Session, uid: str, worker: str, lease: timedelta) -> bool:
    """Take the registry's lease now, due or not; False while someone else holds it."""
    now = utcnow()
    result = session.execute(
        update(SyncState).where(
            SyncState.registry_uid == uid,
            or_(SyncState.lease_owner.is_(None), SyncState.lease_expires_at < now),
        ).values(lease_owner=worker, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def give_back(state: SyncState) -> None:
    """Release the lease without changing when the registry is next due."""
    state.lease_owner = None
    state.lease_expires_at = None

"""Mirror runs in the database: claim through leases, record progress, answer status.

A run is claimable while ``Pending`` or ``InProgress`` with no live lease, so a run
whose worker died is picked up again once its lease expires, and resumes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from chartyard.store.models import MirrorBlob, MirrorRun, utcnow

ACTIVE = ("Pending", "InProgress")
PAUSED = "(paused after a registry fault)"  # lease owner of a run waiting to resume


class LeaseLost(Exception):
    """Signal that another worker took the run over."""


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    return [MirrorRun.status.in_(ACTIVE),
            or_(MirrorRun.lease_owner.is_(None), MirrorRun.lease_expires_at < now)]


def claim_next(session: Session, worker: str, lease: timedelta) -> str | None:
    """Claim the oldest runnable mirror; return its uid, or None."""
    now = utcnow()
    candidates = session.scalars(select(MirrorRun.uid).where(*_claimable(now))
                                 .order_by(MirrorRun.created_at).limit(5)).all()
    for uid in candidates:
        result = session.execute(
            update(MirrorRun).where(MirrorRun.uid == uid, *_claimable(now))
            .values(lease_owner=worker, lease_expires_at=now + lease)
            .execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0) == 1:
            return uid
    return None


def renew(session: Session, uid: str, worker: str, lease: timedelta) -> bool:
    """Extend our lease; False when another worker holds the run now."""
    result = session.execute(
        update(MirrorRun).where(MirrorRun.uid == uid, MirrorRun.lease_owner == worker)
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False))
    return getattr(result, "rowcount", 0) == 1


def release(session: Session, uid: str, worker: str) -> None:
    """Hand the lease back (a stopping worker), so another resumes the run at once."""
    session.execute(
        update(MirrorRun).where(MirrorRun.uid == uid, MirrorRun.lease_owner == worker)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False))


def held(session: Session, uid: str, worker: str) -> MirrorRun:
    """Return the run if we hold its lease; raise `LeaseLost` otherwise."""
    run = session.scalar(select(MirrorRun).where(MirrorRun.uid == uid,
                                                 MirrorRun.lease_owner == worker))
    if run is None:
        raise LeaseLost(uid)
    return run


def finished_blobs(session: Session, uid: str) -> set[tuple[str, str]]:
    """Return the (repository, digest) pairs the run has finished."""
    rows = session.execute(select(MirrorBlob.repository, MirrorBlob.digest)
                           .where(MirrorBlob.mirror_uid == uid))
    return {(repo, digest) for repo, digest in rows}


def record_blob(session: Session, uid: str, worker: str, repository: str, digest: str,
                size: int, *, copied: bool) -> None:
    """Record one finished blob and add it to the run's counters."""
    run = held(session, uid, worker)
    if session.get(MirrorBlob, (uid, repository, digest)) is not None:
        return
    session.add(MirrorBlob(mirror_uid=uid, repository=repository, digest=digest,
                           copied=copied, size=size))
    if copied:
        run.blobs_copied += 1
        run.bytes_copied += size
    else:
        run.blobs_skipped += 1


def body(run: MirrorRun) -> dict[str, Any]:
    """Return the run as ``GET /v1/mirrors/{uid}`` shows it."""
    return {
        "uid": run.uid, "status": run.status, "message": run.message,
        "profileUid": run.profile_uid, "targetRegistryUid": run.target_registry_uid,
        "basePath": run.base_path, "includeImages": run.include_images,
        "charts": [{k: v for k, v in c.items() if k != "done"} for c in run.charts or []],
        "images": list(run.images or []),
        "chartsTotal": run.charts_total, "chartsDone": run.charts_done,
        "blobsCopied": run.blobs_copied, "blobsSkipped": run.blobs_skipped,
        "bytesCopied": run.bytes_copied,
        "createdAt": _iso(run.created_at), "startedAt": _iso(run.started_at),
        "finishedAt": _iso(run.finished_at),
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None

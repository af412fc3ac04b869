"""Read a registry's sync state and catalog straight from the database, for fault tests."""

from __future__ import annotations

from sqlalchemy import func, select

from chartyard.context import AppContext
from chartyard.store.models import Chart, ChartVersion, SyncRun, SyncState

Catalog = frozenset[tuple[str, str, str]]


def catalog_rows(ctx: AppContext, uid: str) -> Catalog:
    """Return the registry's chart versions as (repository, tag, digest), checked for integrity.

    Integrity: one row per (repository, tag), and the per-chart summary rows
    agree with the version rows (count and presence).
    """
    with ctx.transaction() as session:
        rows = session.execute(
            select(ChartVersion.repository, ChartVersion.tag, ChartVersion.digest)
            .where(ChartVersion.registry_uid == uid)
        ).all()
        keys = [(r, t) for r, t, _ in rows]
        assert len(keys) == len(set(keys)), "duplicate (repository, tag) rows"
        per_repo = dict(session.execute(
            select(ChartVersion.repository, func.count())
            .where(ChartVersion.registry_uid == uid).group_by(ChartVersion.repository)
        ).all())
        charts = dict(session.execute(
            select(Chart.repository, Chart.version_count).where(Chart.registry_uid == uid)
        ).all())
        assert charts == per_repo, f"chart summaries {charts} disagree with versions {per_repo}"
    return frozenset((str(r), str(t), str(d)) for r, t, d in rows)


def assert_settled(ctx: AppContext, uid: str) -> SyncState:
    """Assert no sync of the registry is stuck: state and runs Completed or Failed, no lease."""
    with ctx.transaction() as session:
        state = session.get(SyncState, uid)
        assert state is not None
        assert state.status in ("Completed", "Failed"), state.status
        assert state.lease_owner is None
        running = session.scalar(select(func.count()).select_from(SyncRun).where(
            SyncRun.registry_uid == uid, SyncRun.status == "InProgress"))
        assert running == 0
        session.expunge(state)
        return state

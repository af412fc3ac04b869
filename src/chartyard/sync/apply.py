"""Apply a sync's outcome to the catalog in one transaction, or record why it failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from chartyard.catalog.index import refresh_charts
from chartyard.helm import tag_to_version
from chartyard.oci import chart_name
from chartyard.store.models import (
    ChartVersion,
    IgnoredTag,
    Registry,
    SyncRun,
    SyncState,
    new_uid,
    utcnow,
)
from chartyard.sync import leases
from chartyard.sync.fetch import SkippedTag
from chartyard.sync.plan import Known
from chartyard.trust import store as trust_store
from chartyard.trust.material import Material
from chartyard.trust.verdict import Verdict

_CHUNK = 500
T = TypeVar("T")


class ChartRow(Protocol):
    """What a catalog row is made of: a fetched OCI chart, or a Helm index entry."""

    @property
    def repository(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def digest(self) -> str: ...
    @property
    def config_digest(self) -> str: ...
    @property
    def chart_digest(self) -> str | None: ...
    @property
    def metadata(self) -> dict[str, Any]: ...


@dataclass
class Changes:
    """Everything a sync decided, ready to apply."""

    charts: list[ChartRow] = field(default_factory=list)
    skipped: list[SkippedTag] = field(default_factory=list)
    drop: list[Known] = field(default_factory=list)
    repositories: int = 0
    replaced: int = 0
    # Signature verdicts of fetched charts, by (repository, tag), judged before applying.
    judged: dict[tuple[str, str], tuple[Material, Verdict]] = field(default_factory=dict)
    staged_run: str | None = None  # more rows wait in the staging table under this run
    staged: int = 0

    @property
    def added(self) -> int:
        """Return how many rows go into the catalog, in memory and staged."""
        return len(self.charts) + self.staged


def row_of(reg: Registry, chart: ChartRow) -> dict[str, object]:
    """Return the catalog row (column values) of a chart of ``reg``."""
    meta = chart.metadata
    keywords = " ".join(str(k) for k in meta.get("keywords", []))
    return {
        "uid": new_uid(),
        "tenant_uid": reg.tenant_uid, "registry_uid": reg.uid, "repository": chart.repository,
        "name": str(meta.get("name", chart_name(chart.repository))), "tag": chart.tag,
        "version": str(meta.get("version") or tag_to_version(chart.tag)), "digest": chart.digest,
        "config_digest": chart.config_digest, "chart_digest": chart.chart_digest,
        "app_version": meta.get("appVersion"), "description": meta.get("description"),
        "keywords": keywords.lower(), "chart_metadata": meta, "indexed_at": utcnow(),
    }


def _chunks(values: list[T]) -> list[list[T]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def apply_changes(session: Session, reg: Registry, run: SyncRun, worker: str,
                  changes: Changes, next_due: datetime | None) -> bool:
    """Write the changes if we still hold the lease; return False (and write nothing) if not."""
    state = leases.holds(session, reg.uid, worker)
    if state is None:
        return False
    chart_ids = write_changes(session, reg, changes)
    total = session.scalar(
        select(func.count()).select_from(ChartVersion).where(ChartVersion.registry_uid == reg.uid)
    ) or 0
    now = utcnow()
    state.status = "Completed"
    state.reason = None
    state.message = (f"{total} chart versions in {changes.repositories} repositories; "
                     f"{changes.added} added, {len(chart_ids)} removed, "
                     f"{len(changes.skipped)} non-chart tags skipped")
    state.last_run_time = run.started_at
    state.last_synced_time = now
    state.chart_versions = total
    state.repositories_done = state.repositories_total
    state.force_requested = False
    leases.release(state, next_due)
    run.status = "Completed"
    run.finished_at = now
    run.added = changes.added - changes.replaced
    run.updated = changes.replaced
    run.removed = len(chart_ids) - changes.replaced
    run.skipped = len(changes.skipped)
    session.merge(run)
    return True


def write_changes(session: Session, reg: Registry, changes: Changes) -> list[str]:
    """Delete dropped versions, insert fetched ones and skipped tags, refresh chart rows.

    Return the uids of the chart versions deleted.
    """
    chart_ids = [k.chart_uid for k in changes.drop if k.chart_uid]
    ignored_ids = [k.ignored_id for k in changes.drop if k.ignored_id is not None]
    for uids in _chunks(chart_ids):
        session.execute(delete(ChartVersion).where(ChartVersion.uid.in_(uids)))
    for ids in _chunks(ignored_ids):
        session.execute(delete(IgnoredTag).where(IgnoredTag.id.in_(ids)))
    for chunk in _chunks(changes.charts):  # rows are built a chunk at a time: big first syncs
        rows = [row_of(reg, c) for c in chunk]
        session.execute(insert(ChartVersion), rows)
        trust_store.record(session, reg.tenant_uid, rows, changes.judged)
    skipped = [{"registry_uid": reg.uid, "repository": s.repository, "tag": s.tag,
                "digest": s.digest, "reason": s.reason[:256]}
               for s in changes.skipped if s.remember]
    for skip_rows in _chunks(skipped):
        session.execute(insert(IgnoredTag), skip_rows)
    touched = {c.repository for c in changes.charts} | {k.repository for k in changes.drop}
    if changes.staged_run is not None:
        from chartyard.sync.staging import swap_in  # staging builds on this

        touched.update(swap_in(session, reg.uid, changes.staged_run))
    refresh_charts(session, reg, touched)
    return chart_ids


def apply_index(session: Session, reg: Registry, run: SyncRun, worker: str,
                changes: Changes | None, cursor: dict[str, object], status: int,
                next_due: datetime | None) -> bool:
    """Apply a Helm index sync (``changes`` None: the index did not change) and its cursor."""
    if not apply_changes(session, reg, run, worker, changes or Changes(), next_due):
        return False
    state = session.get(SyncState, reg.uid)
    assert state is not None
    state.cursor = cursor
    total = state.chart_versions
    if changes is None:
        why = "answered 304 Not Modified" if status == 304 else "is unchanged (same digest)"
        state.message = f"{total} chart versions; index.yaml {why}"
    else:
        state.message = (f"{total} chart versions of {changes.repositories} charts; "
                         f"{run.added} added, {run.updated} updated, {run.removed} removed")
    return True


def record_failure(session: Session, reg_uid: str, run: SyncRun, worker: str, code: str,
                   message: str, next_due: datetime | None) -> None:
    """Mark the run Failed with its reason; the catalog is left as it was."""
    state = leases.holds(session, reg_uid, worker)
    now = utcnow()
    run.status = "Failed"
    run.finished_at = now
    run.error_code = code
    run.error_message = message
    session.merge(run)
    if state is None:
        return
    state.status = "Failed"
    state.reason = code
    state.message = message
    state.last_run_time = run.started_at
    leases.release(state, next_due)

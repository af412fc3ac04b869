"""Stage a Helm index sync's rows in the database as they are parsed; swap them in at the end.

Memory then stays flat whatever the index size: the sync holds one batch of rows at a
time. The staged rows are invisible to the catalog until ``swap_in``, which runs inside
the sync's one final transaction, with the signature verdicts staged beside them; a
failed or interrupted sync leaves the catalog as
it was, and its staged rows are deleted (at the latest by the registry's next sync).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from chartyard.store.models import (
    ChartProvenance,
    ChartVersion,
    IndexStagingRow,
    IndexStagingVerdict,
    Registry,
    utcnow,
)
from chartyard.sync.apply import ChartRow, row_of
from chartyard.trust.material import Material
from chartyard.trust.store import provenance_values
from chartyard.trust.verdict import Verdict

STAGED_BATCH = 500  # staged entries judged (provenance fetched) at a time
# The verdict columns the staging table shares with ``chart_provenance``.
_VERDICT_COLUMNS = ("chart_version_uid", "tenant_uid", "method", "provenance",
                    "provenance_digest", "chart_digest", "status", "reason", "signer",
                    "fingerprint", "checked_at")
# The columns both tables share: everything of a catalog row.
_COLUMNS = ("uid", "tenant_uid", "registry_uid", "repository", "name", "tag", "version",
            "digest", "config_digest", "chart_digest", "app_version", "description",
            "keywords", "chart_metadata", "indexed_at")


@contextmanager
def unmapped(session: Session) -> Iterator[None]:
    """Read through SQLite's bounded page cache, not its memory map, for a bulk write.

    Every page a query touches through the map stays resident in the process: a swap
    of 60,000 rows would grow the process by the size of the rows it moved. Catalog
    reads keep the map. A no-op on PostgreSQL.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    mapped = session.execute(text("PRAGMA mmap_size")).scalar()
    session.execute(text("PRAGMA mmap_size=0"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA mmap_size={int(mapped or 0)}"))


def stage(session: Session, reg: Registry, run_uid: str, charts: Sequence[ChartRow]) -> None:
    """Write one batch of rows for the run ``run_uid``."""
    if charts:
        session.execute(insert(IndexStagingRow),
                        [{**row_of(reg, c), "run_uid": run_uid} for c in charts])


@dataclass(frozen=True)
class StagedChart:
    """What the signature stage needs of a staged entry: where it is and its index data."""

    id: int
    uid: str
    repository: str
    tag: str
    digest: str
    metadata: dict[str, Any]


def staged_charts(session: Session, run_uid: str, after: int,
                  limit: int = STAGED_BATCH) -> list[StagedChart]:
    """Return up to ``limit`` of the run's staged entries whose id is above ``after``."""
    rows = session.execute(
        select(IndexStagingRow.id, IndexStagingRow.uid, IndexStagingRow.repository,
               IndexStagingRow.tag, IndexStagingRow.digest, IndexStagingRow.chart_metadata)
        .where(IndexStagingRow.run_uid == run_uid, IndexStagingRow.id > after)
        .order_by(IndexStagingRow.id).limit(limit))
    return [StagedChart(*row) for row in rows]


StagedVerdicts = Mapping[str, tuple[Material, Verdict]]
"""Verdicts of staged rows, by the staged row's uid (its catalog uid once swapped in)."""


def stage_verdicts(session: Session, reg: Registry, run_uid: str,
                   judged: StagedVerdicts) -> None:
    """Write the verdicts of one judged batch of staged rows, by staged row uid."""
    now = utcnow()
    values = [{**provenance_values(uid, reg.tenant_uid, material, verdict, now),
               "run_uid": run_uid, "registry_uid": reg.uid}
              for uid, (material, verdict) in judged.items()]
    if values:
        session.execute(insert(IndexStagingVerdict), values)


def swap_in(session: Session, registry_uid: str, run_uid: str) -> list[str]:
    """Move the run's staged rows into the catalog; return the repositories they touch."""
    repositories = list(session.scalars(
        select(IndexStagingRow.repository).where(IndexStagingRow.run_uid == run_uid).distinct()))
    source = select(*(getattr(IndexStagingRow, c) for c in _COLUMNS)).where(
        IndexStagingRow.run_uid == run_uid, IndexStagingRow.registry_uid == registry_uid)
    session.execute(insert(ChartVersion).from_select(list(_COLUMNS), source))
    verdicts = select(*(getattr(IndexStagingVerdict, c) for c in _VERDICT_COLUMNS)).where(
        IndexStagingVerdict.run_uid == run_uid, IndexStagingVerdict.registry_uid == registry_uid)
    session.execute(insert(ChartProvenance).from_select(list(_VERDICT_COLUMNS), verdicts))
    session.execute(delete(IndexStagingRow).where(IndexStagingRow.run_uid == run_uid))
    session.execute(delete(IndexStagingVerdict).where(IndexStagingVerdict.run_uid == run_uid))
    return repositories


def discard(session: Session, registry_uid: str) -> None:
    """Delete every row and verdict staged for the registry (a failed or abandoned sync's)."""
    session.execute(delete(IndexStagingRow).where(IndexStagingRow.registry_uid == registry_uid))
    session.execute(delete(IndexStagingVerdict)
                    .where(IndexStagingVerdict.registry_uid == registry_uid))

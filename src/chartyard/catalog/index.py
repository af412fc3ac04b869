"""Keep the per-repository chart rows (newest version, counts) in step with chart versions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from chartyard.helm import version_sort_key
from chartyard.store.models import Chart, ChartVersion, Registry, new_uid

_CHUNK = 500
MAX_INDEXED_KEYWORDS = 1000


def refresh_charts(session: Session, reg: Registry, repositories: Collection[str]) -> None:
    """Recompute the chart rows of the given repositories of a registry."""
    repos = list(repositories)
    for i in range(0, len(repos), _CHUNK):
        chunk = repos[i:i + _CHUNK]
        session.execute(delete(Chart).where(Chart.registry_uid == reg.uid,
                                            Chart.repository.in_(chunk)))
        grouped: dict[str, list[ChartVersion]] = defaultdict(list)
        for row in session.scalars(select(ChartVersion).where(
                ChartVersion.registry_uid == reg.uid, ChartVersion.repository.in_(chunk))):
            grouped[row.repository].append(row)
        rows = []
        for repo, versions in grouped.items():
            latest = max(versions, key=lambda v: version_sort_key(v.version))
            rows.append({
                "uid": new_uid(), "tenant_uid": reg.tenant_uid, "registry_uid": reg.uid,
                "repository": repo, "name": latest.name, "latest_version": latest.version,
                "latest_pack_uid": latest.uid, "version_count": len(versions),
                "description": latest.description,
                "icon": str(latest.chart_metadata.get("icon") or "")[:1024] or None,
                # Bounded so the search index entry stays small (PostgreSQL caps ~2.7 KB).
                "keywords": latest.keywords[:MAX_INDEXED_KEYWORDS],
            })
        if rows:
            session.execute(insert(Chart), rows)

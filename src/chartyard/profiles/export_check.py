"""Check layers against their charts' schemas again at export, once variables are substituted.

Only layers whose values use a variable are checked: the others were checked whole
when they were saved, and export stays a few database reads. The check is the
save-time one (`validation.schema_errors`), with the export's values substituted.

The chart's files come from the `chart_contents` cache, read in the export's own
session; no registry is asked. The cache is keyed by the chart layer's digest, found
through the catalog row of the pack's manifest digest. A pack the catalog does not
hold (a Private Pack outside the synced paths) has no such row: when it is saved,
`remember_charts` caches its files under its manifest digest too (content-addressed,
so never stale). A layer whose files are not cached either way (never fetched, or
cached before this check existed) is not checked again, and its export is not refused.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chartyard.profiles.resolve import PackPlan
from chartyard.profiles.validation import ValuesError, schema_errors
from chartyard.store.models import ChartContent, ChartVersion, ClusterProfile, ProfilePack
from chartyard.values import references
from chartyard.wire.variables import Variable


def export_errors(session: Session, profile: ClusterProfile, variables: list[Variable],
                  values: dict[str, str]) -> list[ValuesError]:
    """Return the schema errors of the profile's layers that use variables, `values` given."""
    checked = [(i, p) for i, p in enumerate(profile.packs) if references(p.values or "")]
    charts = _cached_charts(session, profile.tenant_uid, [p for _, p in checked])
    sensitive = frozenset(v.name for v in variables if v.is_sensitive and v.name in values)
    errors: list[ValuesError] = []
    for index, pack in checked:
        chart = charts.get((pack.registry_uid, pack.repository, pack.digest)) or (
            session.get(ChartContent, pack.digest) if pack.digest else None)
        if chart is not None and chart.values_schema:
            errors += schema_errors(f"spec.template.packs[{index}].values", pack.name,
                                    pack.values, chart, values, sensitive)
    return errors


Key = tuple[str | None, str | None, str | None]


def _cached_charts(session: Session, tenant_uid: str,
                   packs: list[ProfilePack]) -> dict[Key, ChartContent]:
    """Return the cached chart files of the packs, by (registry, repository, digest)."""
    keys = {(p.registry_uid, p.repository, p.digest) for p in packs
            if p.registry_uid and p.repository and p.digest}
    if not keys:
        return {}
    rows = session.execute(
        select(ChartVersion.registry_uid, ChartVersion.repository, ChartVersion.digest,
               ChartContent)
        .join(ChartContent, ChartContent.digest == ChartVersion.chart_digest)
        .where(ChartVersion.tenant_uid == tenant_uid,
               or_(*(and_(ChartVersion.registry_uid == r, ChartVersion.repository == repo,
                          ChartVersion.digest == d) for r, repo, d in keys))))
    return {(r, repo, d): chart for r, repo, d, chart in rows}


def remember_charts(session: Session, packs: list[ProfilePack], plan: PackPlan) -> None:
    """Cache, under the pack's manifest digest, the files of each saved layer that uses
    variables and whose chart has a schema, for export's check of a pack outside the
    catalog. The files are the ones the save checked (same manifest digest)."""
    for row in packs:
        chart, found = plan.charts.get(row.position), plan.resolved.get(row.position)
        if (chart is None or not chart.values_schema or not row.digest
                or found is None or found.digest != row.digest
                or not references(row.values or "")
                or session.get(ChartContent, row.digest) is not None):
            continue
        try:
            with session.begin_nested():
                session.add(ChartContent(digest=row.digest, values_yaml=chart.values_yaml,
                                         values_schema=chart.values_schema))
        except IntegrityError:
            continue  # a concurrent save cached the same manifest first

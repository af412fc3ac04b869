"""Check layers against their charts' schemas again at export, once variables are substituted.

Only layers whose values use a variable are checked: the others were checked whole
when they were saved, and export stays a few database reads. The check is the
save-time one (`validation.schema_errors`), with the export's values substituted.

The chart's files come from the `chart_contents` cache, read in the export's own
session; no registry is asked. A pack records the digest of its chart archive, the
cache's key. Packs saved before it did (migration 0016) are found through the
catalog row of their manifest digest. A layer whose files are not cached either way
(never fetched) is not checked again, and its export is not refused.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chartyard.profiles.schema_check import has_schemas
from chartyard.profiles.validation import ValuesError, schema_errors
from chartyard.store.models import ChartContent, ChartVersion, ClusterProfile, ProfilePack
from chartyard.values import references
from chartyard.wire.variables import Variable


def export_errors(session: Session, profile: ClusterProfile, variables: list[Variable],
                  values: dict[str, str]) -> list[ValuesError]:
    """Return the schema errors of the profile's layers that use variables, `values` given."""
    checked = [(i, p) for i, p in enumerate(profile.packs) if references(p.values or "")]
    catalog = _catalog_charts(session, profile.tenant_uid,
                              [p for _, p in checked if not p.chart_digest])
    sensitive = frozenset(v.name for v in variables if v.is_sensitive and v.name in values)
    errors: list[ValuesError] = []
    for index, pack in checked:
        chart = (session.get(ChartContent, pack.chart_digest) if pack.chart_digest
                 else catalog.get((pack.registry_uid, pack.repository, pack.digest)))
        if chart is not None and has_schemas(chart.values_schema, chart.subcharts):
            errors += schema_errors(f"spec.template.packs[{index}].values", pack.name,
                                    pack.values, chart, values, sensitive)
    return errors


Key = tuple[str | None, str | None, str | None]


def _catalog_charts(session: Session, tenant_uid: str,
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

"""Refresh only the named repositories of a registry, as a registry event asks.

The same stages as a full sync, minus discovery: no ``_catalog`` call.
1. take the registry's lease (a running sync holds it: the caller retries later)
   and read what the catalog knows of these repositories;
2. per repository: list its tags, plan against the catalog, fetch the manifest
   and config blob of new tags (and of tags a push event says changed digest);
3. apply everything in one transaction and give the lease back, leaving the
   periodic sync's schedule as it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.oci import NotFound, OCIError
from chartyard.registries.families import family_of_target
from chartyard.registries.kinds import kind_of
from chartyard.sources import AnyTarget, ChartSource
from chartyard.store.models import ChartVersion, IgnoredTag, Registry, Tenant
from chartyard.sync import leases
from chartyard.sync.apply import Changes, write_changes
from chartyard.sync.fetch import FetchedChart, SkippedTag, VanishedTag, fetch_tag
from chartyard.sync.pipeline import bounded
from chartyard.sync.plan import Known, plan_repository
from chartyard.trust.sync import judge_fetched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshOutcome:
    """How a refresh ended: Completed, Busy (a sync holds the lease), Failed or Skipped.

    ``unseen`` names the pushed tags (repository -> tag -> digest) the registry did not
    serve yet: docker-registry sends a push event before it links the tag, so a
    refresh can run in between.
    """

    status: str
    requests: int = 0
    added: int = 0
    removed: int = 0
    error_code: str | None = None
    unseen: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Start:
    reg: Registry
    target: AnyTarget
    known: dict[str, dict[str, Known]]


class RepositoryRefresh:
    """Refresh some repositories of one registry; ``changed`` maps repository -> tag -> digest.

    ``changed`` names tags a push event says now point at a digest: when the catalog
    holds another digest for one, that version is replaced.
    """

    def __init__(self, ctx: AppContext, uid: str, changed: Mapping[str, Mapping[str, str]],
                 worker: str) -> None:
        self.ctx, self.uid, self.worker = ctx, uid, worker
        self.changed = changed
        self.changes = Changes()
        self.unseen: dict[str, dict[str, str]] = {}

    def _start(self) -> _Start | str:
        lease = timedelta(seconds=self.ctx.settings.lease_seconds)
        with self.ctx.transaction() as session:
            reg = session.get(Registry, self.uid)
            if reg is None or not reg.is_sync_supported or reg.sync is None:
                return "Skipped"
            tenant = session.get(Tenant, reg.tenant_uid)
            assert tenant is not None
            target = kind_of(reg).target(reg.spec, self.ctx.box.decrypt(reg.secrets_enc),
                                          tenant.aws_external_id)
            if not family_of_target(target).refreshes():
                return "Skipped"  # e.g. an index repository has no repositories to refresh
            if not leases.acquire(session, self.uid, self.worker, lease):
                return "Busy"
            return _Start(reg, target, _load_known(session, self.uid, list(self.changed)))

    async def run(self) -> RefreshOutcome:
        """Refresh and apply; the lease is always given back."""
        started = await asyncio.to_thread(self._start)
        if isinstance(started, str):
            return RefreshOutcome(started)
        source: ChartSource = family_of_target(started.target).open(started.target,
                                                                     self.ctx.sources)
        try:
            limit = self.ctx.sources.limits.max_in_flight
            await bounded(list(self.changed),
                          lambda r: self._repository(source, r, started.known.get(r, {})), limit)
        except OCIError as exc:
            await asyncio.to_thread(self._release)
            log.warning("event refresh failed", extra={"registry": self.uid, "code": exc.code})
            return RefreshOutcome("Failed", source.stats.total, error_code=exc.code)
        finally:
            await source.aclose()
        self.changes.judged = await judge_fetched(self.ctx, started.reg.tenant_uid,
                                                  self.changes.charts)
        removed = await asyncio.to_thread(self._apply, started.reg)
        return RefreshOutcome("Completed", source.stats.total,
                              len(self.changes.charts) - self.changes.replaced,
                              removed - self.changes.replaced, unseen=self.unseen)

    async def _repository(self, source: ChartSource, repo: str,
                          known: dict[str, Known]) -> bool:
        try:
            tags = await source.list_tags(repo)
        except NotFound:
            tags = []
        plan = plan_repository(repo, tags, known, force=False)
        listed = set(tags)
        pushed = self.changed.get(repo, {})
        for tag in pushed.keys() - listed:
            self.unseen.setdefault(repo, {})[tag] = pushed[tag]
        for tag, digest in self.changed.get(repo, {}).items():
            entry = known.get(tag)
            if entry is not None and tag in listed and digest and entry.digest != digest:
                plan.drop.append(entry)
                plan.fetch.append(tag)
                self.changes.replaced += 1 if entry.chart_uid else 0
        limit = self.ctx.sources.limits.max_in_flight
        for result in await bounded(plan.fetch, lambda t: fetch_tag(source, repo, t), limit):
            if isinstance(result, FetchedChart):
                self.changes.charts.append(result)
            elif isinstance(result, SkippedTag):
                self.changes.skipped.append(result)
            elif isinstance(result, VanishedTag) and result.tag in pushed:
                self.unseen.setdefault(repo, {})[result.tag] = pushed[result.tag]
        self.changes.drop.extend(plan.drop)
        return True

    def _apply(self, reg: Registry) -> int:
        with self.ctx.transaction() as session:
            state = leases.holds(session, self.uid, self.worker)
            if state is None:
                return 0  # the lease expired and a sync took over: it will see the same
            removed = write_changes(session, reg, self.changes)
            state.chart_versions = session.scalar(
                select(func.count()).select_from(ChartVersion)
                .where(ChartVersion.registry_uid == self.uid)) or 0
            leases.give_back(state)
            return len(removed)

    def _release(self) -> None:
        with self.ctx.transaction() as session:
            state = leases.holds(session, self.uid, self.worker)
            if state is not None:
                leases.give_back(state)


def _load_known(session: Session, uid: str, repos: list[str]) -> dict[str, dict[str, Known]]:
    known: dict[str, dict[str, Known]] = {}
    for cuid, repo, tag, digest in session.execute(
        select(ChartVersion.uid, ChartVersion.repository, ChartVersion.tag, ChartVersion.digest)
        .where(ChartVersion.registry_uid == uid, ChartVersion.repository.in_(repos))
    ):
        known.setdefault(repo, {})[tag] = Known(repo, digest, chart_uid=cuid)
    for iid, repo, tag, digest in session.execute(
        select(IgnoredTag.id, IgnoredTag.repository, IgnoredTag.tag, IgnoredTag.digest)
        .where(IgnoredTag.registry_uid == uid, IgnoredTag.repository.in_(repos))
    ):
        known.setdefault(repo, {}).setdefault(tag, Known(repo, digest, ignored_id=iid))
    return known

"""Sync a classic Helm repository: one conditional index download, then a diff by entry.

Stages, as for OCI registries but over one document:
1. fetch ``index.yaml`` with the validators of the last successful sync (none when forced);
   a 304, or the same body digest, means nothing changed: no parse, no catalog write;
2. parse the index as a stream; each chart version is compared with the catalog by
   (chart, version) and a fingerprint of its whole entry; only new or changed entries
   become catalog rows, handed to the caller's ``stage`` in batches of ``STAGE_BATCH``
   (the sync writes them to a staging table: memory stays flat for any index size);
3. refuse chart URLs whose host the egress policy denies, before anything reaches the
   catalog;
4. the caller swaps the staged rows in, applies the drops and the new validators, in
   one short transaction.

Catalog rows: ``repository`` and ``name`` are the chart's key under ``entries``, ``tag``
and ``version`` its version, ``digest`` the index's sha256 of the archive (or, for an
index without digests, ``entry:<sha256 of its URLs and created time>``), ``chart_digest``
the same (the key chart files are cached under), and ``chart_metadata`` the Chart.yaml
fields plus ``urls`` and ``created``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chartyard.helmrepo import (
    HelmRepoClient,
    IndexDownload,
    IndexEntry,
    IndexValidators,
    check_chart_hosts,
)
from chartyard.oci import EgressPolicy
from chartyard.sync.plan import Known

ENTRY_DIGEST_PREFIX = "entry:"
STAGE_BATCH = 500


@dataclass(frozen=True)
class IndexKnown:
    """A chart version the catalog holds for a Helm repository: its row and fingerprint."""

    chart_uid: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class IndexChart:
    """A catalog row to insert, its metadata kept as compact JSON until it is written.

    A first sync of a 20,000-version index holds every row until its one transaction;
    as dicts they cost ~3 KB each, as JSON bytes a quarter of that.
    """

    repository: str
    tag: str
    digest: str
    config_digest: str
    chart_digest: str | None
    packed: bytes

    @property
    def metadata(self) -> dict[str, Any]:
        """Return the Chart.yaml fields plus ``urls`` and ``created``."""
        value: dict[str, Any] = json.loads(self.packed)
        return value


@dataclass
class IndexPlan:
    """What an index sync decided: rows to insert, rows to drop, and counts."""

    charts: list[IndexChart] = field(default_factory=list)
    drop: list[Known] = field(default_factory=list)
    chart_names: int = 0
    versions: int = 0
    replaced: int = 0
    staged: int = 0  # rows handed to ``stage`` (not in ``charts``)


@dataclass(frozen=True)
class IndexSyncResult:
    """The outcome of `collect_index`: a plan (None when unchanged) and the validators."""

    plan: IndexPlan | None
    cursor: dict[str, Any]
    status: int


def cursor_of(validators: IndexValidators, url: str) -> dict[str, Any]:
    """Return validators as stored in the sync state, with the index URL they belong to."""
    return {"url": url, "etag": validators.etag, "lastModified": validators.last_modified,
            "digest": validators.digest}


def validators_of(cursor: Mapping[str, Any] | None, url: str) -> IndexValidators | None:
    """Return the validators of a stored cursor, or None (none stored, or another URL)."""
    if not cursor or cursor.get("url") != url:
        return None
    return IndexValidators(etag=cursor.get("etag"), last_modified=cursor.get("lastModified"),
                           digest=cursor.get("digest"))


def fingerprint(entry: IndexEntry) -> str:
    """Return a digest of everything the catalog keeps of an entry."""
    canonical = json.dumps([entry.urls, entry.digest, entry.created, entry.metadata],
                           sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def row_digest(entry: IndexEntry) -> str:
    """Return the catalog digest of an entry: the archive's, or one of its URLs and time."""
    if entry.digest:
        return entry.digest
    identity = json.dumps([entry.urls, entry.created], separators=(",", ":"))
    return ENTRY_DIGEST_PREFIX + hashlib.sha256(identity.encode()).hexdigest()


def fetched_chart(entry: IndexEntry) -> IndexChart:
    """Return the catalog row data of an entry."""
    metadata = dict(entry.metadata)
    metadata["urls"] = list(entry.urls)
    if entry.created:
        metadata["created"] = entry.created
    digest = row_digest(entry)
    return IndexChart(repository=entry.name, tag=entry.version, digest=digest,
                      config_digest=fingerprint(entry), chart_digest=digest,
                      packed=json.dumps(metadata, separators=(",", ":")).encode())


Stage = Callable[[list[IndexChart]], None]


def _key_hash(name: str, version: str) -> int:
    # 8 bytes per version seen instead of a tuple of two strings (~180 bytes).
    digest = hashlib.blake2b(f"{name}\0{version}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def plan_index(entries: Iterable[IndexEntry], known: Mapping[tuple[str, str], IndexKnown],
               hosts: dict[str, IndexEntry], stage: Stage | None = None) -> IndexPlan:
    """Diff the index against the catalog; note one entry per chart URL host in ``hosts``.

    A (chart, version) listed twice keeps its first entry, as ``helm pull`` would. With
    ``stage``, new rows go to it in batches and ``plan.charts`` ends empty.
    """
    plan = IndexPlan()
    seen: set[int] = set()
    names: set[str] = set()
    for entry in entries:
        key = (entry.name, entry.version)
        hashed = _key_hash(*key)
        if hashed in seen:
            continue
        seen.add(hashed)
        names.add(entry.name)
        for url in entry.urls:
            host = url.split("://", 1)[-1].split("/", 1)[0]
            hosts.setdefault(host, entry)
        old = known.get(key)
        print_ = fingerprint(entry)
        if old is not None and old.fingerprint == print_:
            continue
        if old is not None:
            plan.drop.append(Known(entry.name, "", chart_uid=old.chart_uid))
            plan.replaced += 1
        plan.charts.append(fetched_chart(entry))
        if stage is not None and len(plan.charts) >= STAGE_BATCH:
            _flush(plan, stage)
    if stage is not None:
        _flush(plan, stage)
    plan.drop.extend(Known(name, "", chart_uid=old.chart_uid)
                     for (name, version), old in known.items()
                     if _key_hash(name, version) not in seen)
    plan.chart_names = len(names)
    plan.versions = len(seen)
    return plan


def _flush(plan: IndexPlan, stage: Stage) -> None:
    if plan.charts:
        stage(plan.charts)
        plan.staged += len(plan.charts)
        plan.charts = []


async def collect_index(client: HelmRepoClient, known: Mapping[tuple[str, str], IndexKnown],
                        cursor: Mapping[str, Any] | None, *, force: bool,
                        egress: EgressPolicy, stage: Stage | None = None) -> IndexSyncResult:
    """Download and diff the index; raise an `OCIError` on anything unusable."""
    url = client.repo.index_url
    previous = None if force else validators_of(cursor, url)
    download: IndexDownload = await client.fetch_index(previous)
    with download:
        new_cursor = cursor_of(download.validators, url)
        if not download.changed:
            return IndexSyncResult(None, new_cursor, download.status)
        hosts: dict[str, IndexEntry] = {}
        plan = await asyncio.to_thread(plan_index, download.entries(), known, hosts, stage)
    await check_chart_hosts(hosts.values(), egress)
    return IndexSyncResult(plan, new_cursor, download.status)

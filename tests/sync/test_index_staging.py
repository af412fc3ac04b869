"""A Helm index sync streams its rows into a staging table; a failure keeps the old catalog."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text

from chartyard.store.models import (
    ChartProvenance,
    ChartVersion,
    IndexStagingRow,
    IndexStagingVerdict,
)
from chartyard.sync.helm_index import STAGE_BATCH
from tests.harness.app import Api
from tests.harness.nginx import NginxServer
from tests.sync.conftest import sync_now

pytestmark = pytest.mark.timeout(240)


def entry(chart: int, version: int, *, digest_seed: int = 0) -> str:
    name = f"chart-{chart:04d}"
    return (f"  - apiVersion: v2\n"
            f"    created: \"2024-05-01T10:11:12.{version:06d}Z\"\n"
            f"    description: Chart {chart} for the staging test.\n"
            f"    digest: {chart * 100 + version + digest_seed:064x}\n"
            f"    name: {name}\n"
            f"    urls:\n    - charts/{name}-1.{version}.0.tgz\n"
            f"    version: 1.{version}.0\n")


def index(charts: range, versions: int, *, digest_seed: int = 0) -> str:
    out = ["apiVersion: v1\nentries:\n"]
    for chart in charts:
        out.append(f"  chart-{chart:04d}:\n")
        out.extend(entry(chart, v, digest_seed=digest_seed) for v in range(versions))
    return "".join(out)


@contextmanager
def staged_inserts(engine: Engine) -> Iterator[list[int]]:
    """Count the INSERTs into the staging table (one per batch written)."""
    seen: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INDEX_STAGING "):
            seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def versions(api: Api, uid: str) -> dict[tuple[str, str], str]:
    with api.ctx.transaction() as s:
        return {(r, t): u for u, r, t in s.execute(
            select(ChartVersion.uid, ChartVersion.repository, ChartVersion.tag)
            .where(ChartVersion.registry_uid == uid))}


def staged_rows(api: Api) -> int:
    with api.ctx.transaction() as s:
        return s.scalar(select(func.count()).select_from(IndexStagingRow)) or 0


def staged_verdicts(api: Api) -> int:
    with api.ctx.transaction() as s:
        return s.scalar(select(func.count()).select_from(IndexStagingVerdict)) or 0


def verdicts(api: Api, uid: str) -> dict[str, str]:
    """Return the stored verdict status of each of the registry's versions, by version uid."""
    with api.ctx.transaction() as s:
        return {v: status for v, status in s.execute(
            select(ChartProvenance.chart_version_uid, ChartProvenance.status)
            .join(ChartVersion, ChartVersion.uid == ChartProvenance.chart_version_uid)
            .where(ChartVersion.registry_uid == uid))}


def test_a_big_index_is_staged_in_batches_and_a_failure_mid_stream_keeps_the_catalog(
        api: Api, plain_helm_repo: NginxServer) -> None:
    prefix = f"s{uuid.uuid4().hex[:10]}"
    path: Path = plain_helm_repo.path(f"{prefix}/index.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    first = STAGE_BATCH * 2 + 100  # three batches
    path.write_text(index(range(first // 10), 10))
    uid = api.post("/v1/registries/helm?skipValidation=true", {
        "metadata": {"name": prefix},
        "spec": {"endpoint": plain_helm_repo.url + prefix, "isSyncSupported": True,
                 "auth": {"type": "noAuth"}}}).json()["uid"]
    with staged_inserts(api.ctx.engine) as batches:
        outcome = sync_now(api.ctx, uid)
    assert (outcome.status, outcome.added) == ("Completed", first)
    assert len(batches) == 3 and staged_rows(api) == 0
    before = versions(api, uid)
    assert len(before) == first
    # Each batch's verdicts were staged beside it and moved in with the rows (no .prov: unsigned).
    judged = verdicts(api, uid)
    assert set(judged) == set(before.values()) and set(judged.values()) == {"unsigned"}
    assert staged_verdicts(api) == 0

    # Every entry changed and 400 more; the file is cut inside a quoted scalar well past
    # the first batches, as a dropped connection or a full disk would leave it.
    changed = index(range(first // 10 + 40), 10, digest_seed=7)
    cut = changed.index('created: "', int(len(changed) * 0.9)) + len('created: "2024-')
    path.write_text(changed[:cut])
    with staged_inserts(api.ctx.engine) as batches:
        failed = sync_now(api.ctx, uid, force=True)
    assert failed.status == "Failed"
    assert len(batches) >= 2  # rows really were staged before the parse failed
    assert versions(api, uid) == before  # the same rows: the catalog never saw the stage
    assert staged_rows(api) == 0
    status = api.get(f"/v1/registries/helm/{uid}/sync/status").json()
    assert "previous catalog is kept" in status["message"]

    # The whole file: every version replaced, 400 added, in one swap.
    path.write_text(changed)
    done = sync_now(api.ctx, uid, force=True)
    assert (done.status, done.added, done.removed) == ("Completed", 400, 0)
    after = versions(api, uid)
    assert len(after) == first + 400 and not set(after.values()) & set(before.values())
    assert set(verdicts(api, uid)) == set(after.values()) and staged_verdicts(api) == 0
    with api.ctx.transaction() as s:
        digests = set(s.scalars(select(ChartVersion.digest)
                                .where(ChartVersion.registry_uid == uid)))
    assert f"sha256:{7:064x}" in digests  # chart-0000 1.0.0 now carries the new digest
    assert staged_rows(api) == 0
    if api.ctx.engine.dialect.name == "sqlite":  # the bulk writes gave the memory map back
        with api.ctx.engine.connect() as conn:
            assert conn.execute(text("PRAGMA mmap_size")).scalar() == 536870912

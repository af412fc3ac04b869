"""The search index changes in the sync's transaction: a sync failing mid-apply changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from chartyard.catalog import index as catalog_index
from chartyard.store.models import Chart, SyncState, utcnow
from chartyard.sync import apply as sync_apply
from tests.harness.app import Api, basic_body
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now


def _search(api: Api, q: str) -> list[str]:
    reply = api.get("/v1/packs", params={"q": q})
    assert reply.status_code == 200, reply.text
    return [f"{i['name']} {i['latestVersion']}" for i in reply.json()["items"]]


def _index_consistent(api: Api) -> None:
    with api.ctx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # raises if the FTS index and charts disagree
            conn.execute(text("INSERT INTO charts_fts(charts_fts, rank) "
                              "VALUES ('integrity-check', 1)"))


def test_sync_failing_mid_apply_leaves_charts_and_index_as_they_were(
        api: Api, plain_registry: RegistryServer, helm: Helm, chart_factory: Any,
        unique_repo_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{plain_registry.oci_url}/{unique_repo_prefix}"
    helm.push(chart_factory.write("searchy", "1.0.0", keywords=("oldword",)), url,
              plain_http=True)
    reply = api.post("/v1/registries/oci/basic",
                     basic_body("atomic", plain_registry.url, sync=True,
                                base=[unique_repo_prefix]))
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    assert _search(api, "oldword") == ["searchy 1.0.0"]

    helm.push(chart_factory.write("searchy", "2.0.0", keywords=("newword",)), url,
              plain_http=True)
    helm.push(chart_factory.write("fresh", "0.1.0", keywords=("newword",)), url,
              plain_http=True)
    real_refresh = catalog_index.refresh_charts

    def refresh_then_fail(session: Any, reg: Any, repositories: Any) -> None:
        real_refresh(session, reg, repositories)  # rows and index entries written...
        assert session.query(Chart).filter(Chart.name == "fresh").count() == 1
        raise RuntimeError("disk full")            # ...then the apply fails

    monkeypatch.setattr(sync_apply, "refresh_charts", refresh_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        sync_now(api.ctx, uid, force=True)
    assert _search(api, "oldword") == ["searchy 1.0.0"]
    assert _search(api, "newword") == []
    assert _search(api, "fresh") == []
    _index_consistent(api)

    monkeypatch.setattr(sync_apply, "refresh_charts", real_refresh)
    with api.ctx.transaction() as session:  # the failed apply left its lease: let it lapse
        state = session.get(SyncState, uid)
        assert state is not None
        state.lease_expires_at = utcnow() - timedelta(seconds=1)
    assert sync_now(api.ctx, uid, force=True).status == "Completed"
    assert _search(api, "newword") == ["fresh 0.1.0", "searchy 2.0.0"]
    assert _search(api, "oldword") == []
    _index_consistent(api)

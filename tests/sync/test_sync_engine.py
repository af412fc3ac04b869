"""The sync pipeline against a real registry, with charts pushed by real helm."""

from __future__ import annotations

from typing import Any

from chartyard.oci import ClientLimits
from chartyard.store.models import SyncRun
from tests.harness.app import Api, basic_body
from tests.harness.helm import Helm
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.harness.transports import HookTransport
from tests.sync.conftest import catalog, sync_now


def _create(api: Api, reg: RegistryServer, *, base: list[str] | None = None,
            repos: list[str] | None = None, sync: bool = True, name: str = "r") -> str:
    body = basic_body(name, reg.url, sync=sync, base=base, repos=repos)
    r = api.post("/v1/registries/oci/basic", body)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def _status(api: Api, uid: str) -> dict[str, Any]:
    return dict(api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json())


def test_nested_and_multiple_base_paths_mixed_repo_and_build_metadata(
        api: Api, plain_registry: RegistryServer, helm: Helm, chart_factory: Any,
        unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    url = plain_registry.oci_url
    for path, name, version in [
        (f"{p}/team-a", "nginx", "1.0.0"), (f"{p}/team-a", "nginx", "1.1.0"),
        (f"{p}/team-a/infra", "redis", "2.0.0+build.7"), (f"{p}/team-b", "x", "0.1.0"),
        (f"{p}/team-c", "y", "0.1.0"), (f"{p}/team-ab", "z", "0.1.0"),
    ]:
        helm.push(chart_factory.write(name, version), f"{url}/{path}", plain_http=True)
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_image(f"{p}/team-a/nginx", "sha-image")
    uid = _create(api, plain_registry, base=[f"{p}/team-a", f"{p}/team-b"])
    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed"
    assert outcome.skipped == 1  # the image manifest mixed into the nginx repository
    assert catalog(api, uid) == {
        f"{p}/team-a/nginx": {"1.0.0": "1.0.0", "1.1.0": "1.1.0"},
        f"{p}/team-a/infra/redis": {"2.0.0_build.7": "2.0.0+build.7"},
        f"{p}/team-b/x": {"0.1.0": "0.1.0"},
    }
    status = _status(api, uid)
    assert status["status"] == "Completed"
    assert status["progress"]["chartVersions"] == 4
    assert status["progress"]["repositoriesTotal"] == 3
    versions = api.get(f"/v1/packs/nginx/registries/{uid}").json()["tags"]
    assert [v["version"] for v in versions] == ["1.1.0", "1.0.0"]


def test_catalog_pagination_over_many_repositories(api: Api, registry_factory: Any,
                                                   chart_factory: Any) -> None:
    reg: RegistryServer = registry_factory("plain")
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_many([(f"many/chart-{i:03d}", "1.0.0", chart_factory(f"chart-{i:03d}", "1.0.0"))
                          for i in range(120)])
    api.ctx.sources.limits = ClientLimits(catalog_page_size=50)
    uid = _create(api, reg, base=["many"])
    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed"
    assert len(catalog(api, uid)) == 120
    with api.ctx.transaction() as s:
        run = s.query(SyncRun).filter_by(registry_uid=uid).one()
        assert run.added == 120
    # 120 repositories at 50 per page: three catalog pages, followed by Link.
    assert outcome.requests >= 120 + 3


def test_incremental_sync_counts_requests(api: Api, registry_factory: Any, helm: Helm,
                                          chart_factory: Any) -> None:
    reg: RegistryServer = registry_factory("plain")
    url = reg.oci_url
    for name in ("a", "b"):
        for version in ("1.0.0", "1.1.0"):
            helm.push(chart_factory.write(name, version), f"{url}/apps", plain_http=True)
    uid = _create(api, reg, base=["apps"])
    first = sync_now(api.ctx, uid)
    assert (first.status, first.added) == ("Completed", 4)

    counting = HookTransport()
    api.ctx.sources.transport = counting
    again = sync_now(api.ctx, uid)
    assert again.added == again.removed == 0
    assert counting.kinds() == {"catalog": 1, "tags": 2}, counting.paths

    helm.push(chart_factory.write("a", "1.2.0"), f"{url}/apps", plain_http=True)
    with OciPusher.for_registry(reg) as pusher:
        pusher.delete_tag("apps/b", "1.0.0")
        # Overwrite a tag with different content: only forceSync notices.
        pusher.push_chart("apps/a", "1.0.0",
                          chart_factory("a", "1.0.0", description="rebuilt"))
    counting.reset()
    routine = sync_now(api.ctx, uid)
    assert (routine.added, routine.removed) == (1, 1)
    assert counting.kinds() == {"catalog": 1, "tags": 2, "manifest": 1, "blob": 1}
    assert catalog(api, uid) == {"apps/a": {"1.0.0": "1.0.0", "1.1.0": "1.1.0",
                                            "1.2.0": "1.2.0"},
                                 "apps/b": {"1.1.0": "1.1.0"}}
    forced = sync_now(api.ctx, uid, force=True)
    assert forced.status == "Completed"
    with api.ctx.transaction() as s:
        run = s.query(SyncRun).filter_by(registry_uid=uid).order_by(
            SyncRun.started_at.desc()).first()
        assert run is not None and run.updated == 1
    versions = api.get(f"/v1/packs/a/registries/{uid}").json()["tags"]
    pack = next(v for v in versions if v["tag"] == "1.0.0")
    assert api.get(f"/v1/packs/{pack['packUid']}").json()["description"] == "rebuilt"
    history = api.get(f"/v1/registries/oci/{uid}/basic/sync/history").json()["items"]
    assert [h["status"] for h in history] == ["Completed"] * 4
    newest, oldest = history[0], history[-1]
    assert newest["forced"] is True and newest["updated"] == 1
    assert oldest["added"] == 4 and oldest["requests"] == first.requests
    assert history[2]["requests"] == 3  # the no-change resync: one catalog, two tags lists
    assert all(h["durationSeconds"] is not None for h in history)


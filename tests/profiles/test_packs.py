"""Public and Private Packs against real registries: resolution, values, install order."""

from __future__ import annotations

import socket
from typing import Any

from tests.harness.app import Api
from tests.harness.charts import default_values
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import (
    Synced,
    create_profile,
    create_registry,
    pack,
    profile,
    push,
    sqlite_only,
)
from tests.sync.conftest import sync_now


def _packs(api: Api, uid: str) -> list[dict[str, Any]]:
    return list(api.get(f"/v1/clusterprofiles/{uid}").json()["spec"]["template"]["packs"])


@sqlite_only
def test_public_pack_resolves_from_catalog_with_build_metadata(api: Api, synced: Synced) -> None:
    # The version as helm writes it (with '+') and as the OCI tag ('_') both resolve.
    for i, tag in enumerate(["7.0.0+build.1", "7.0.0_build.1"]):
        uid = create_profile(api, profile(f"p{i}", [pack("redis", tag, synced.uid, "a: 1\n")]))
        [p] = _packs(api, uid)
        assert p["tag"] == tag
        assert p["version"] == "7.0.0+build.1"
        assert p["digest"] == synced.digests["redis:7.0.0+build.1"]
        assert p["repository"] == synced.repo("redis")
        detail = api.get(f"/v1/packs/{p['packUid']}").json()
        assert (detail["name"], detail["version"]) == ("redis", "7.0.0+build.1")


@sqlite_only
def test_public_pack_not_found_names_nearest_versions(api: Api, synced: Synced) -> None:
    r = api.post("/v1/clusterprofiles", profile("p", [pack("nginx", "1.2.0", synced.uid)]))
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["code"] == "PackNotFound"
    assert err["message"].startswith(
        "no pack found with name nginx, tag 1.2.0 in registry synced")
    assert err["details"]["nearestVersions"][:2] == ["1.1.0", "1.0.0"]
    assert "1.1.0" in err["message"]
    assert err["details"]["field"] == "spec.template.packs[0].tag"

    r = api.post("/v1/clusterprofiles", profile("p", [pack("nope", "1.0.0", synced.uid)]))
    assert r.status_code == 422
    assert r.json()["message"].startswith(
        "no pack found with name nope, tag 1.0.0 in registry synced")


@sqlite_only
def test_empty_values_stay_empty_and_the_defaults_are_shown(api: Api, synced: Synced) -> None:
    uid = create_profile(api, profile("p", [pack("nginx", "1.0.0", synced.uid, "")]))
    [p] = _packs(api, uid)
    assert p["values"] == ""  # as sent: the chart's defaults are not written into the profile
    # The defaults were read and cached by digest; the catalog shows them.
    assert api.get(f"/v1/packs/{p['packUid']}/values").text == default_values("nginx")
    flux = api.get(f"/v1/clusterprofiles/{uid}/export", params={"format": "flux"}).text
    assert "values: {}" in flux  # no override: Flux installs the chart with its defaults


@sqlite_only
def test_invalid_yaml_reports_line_and_column(api: Api, synced: Synced) -> None:
    values = "pack:\n  namespace: web\nreplicaCount: [1, 2\nimage: x\n"
    body = profile("p", [pack("nginx", "1.0.0", synced.uid, "a: 1\n"),
                         pack("redis", "7.0.0+build.1", synced.uid, values)])
    r = api.post("/v1/clusterprofiles", body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["details"]["field"] == "spec.template.packs[1].values"
    assert (err["details"]["line"], err["details"]["column"]) == (4, 6)
    assert "line 4, column 6" in err["message"]

    for bad, why in [("- a\n- b\n", "mapping"), ("pack:\n  namespace: Web_1\n", "namespace"),
                     ("pack:\n  spectrocloud.com/install-priority: soon\n", "integer")]:
        r = api.post("/v1/clusterprofiles", profile("p", [pack("nginx", "1.0.0", synced.uid,
                                                                bad)]))
        assert r.status_code == 422, bad
        assert r.json()["details"]["field"] == "spec.template.packs[0].values"
        assert why in r.json()["message"]


@sqlite_only
def test_install_priority_orders_installation_and_ties_keep_layer_order(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    names = ["a", "b", "c", "d", "e"]
    for name in names:
        push(plain_registry, f"{p}/{name}", "1.0.0")
    reg = create_registry(api, plain_registry.url, name="r", sync=True, base=[p])
    assert sync_now(api.ctx, reg).status == "Completed"
    priority = {"a": "10", "b": "-5", "c": None, "d": "10", "e": "0"}

    def values(name: str) -> str:
        level = priority[name]
        if level is None:
            return "x: 1\n"
        return f"pack:\n  spectrocloud.com/install-priority: {level}\nx: 1\n"

    uid = create_profile(api, profile("ordered", [pack(n, "1.0.0", reg, values(n))
                                                  for n in names]))
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    assert [q["name"] for q in got["spec"]["template"]["packs"]] == names  # layer order
    assert [q["installPriority"] for q in got["spec"]["template"]["packs"]] == [10, -5, 0, 10, 0]
    assert got["status"]["installOrder"] == ["b", "c", "e", "a", "d"]


@sqlite_only
def test_duplicate_pack_and_foreign_registry_are_rejected(api: Api, synced: Synced) -> None:
    body = profile("p", [pack("nginx", "1.0.0", synced.uid, "a: 1\n"),
                         pack("nginx", "2.0.0", synced.uid, "a: 1\n")])
    r = api.post("/v1/clusterprofiles", body)
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.template.packs[1].name"
    r = api.post("/v1/clusterprofiles", profile("p", [pack("nginx", "1.0.0", "0" * 24)]))
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "spec.template.packs[0].registryUid"
    assert "/v1/registries/metadata" in r.json()["message"]
    for bad_pack, field in [(pack("Nginx Chart", "1.0.0", synced.uid), "name"),
                            (pack("nginx", "1.0.0 beta", synced.uid), "tag")]:
        r = api.post("/v1/clusterprofiles", profile("p", [bad_pack]))
        assert r.status_code == 422
        assert r.json()["details"]["field"] == f"spec.template.packs[0].{field}"


@sqlite_only
def test_private_pack_on_a_registry_without_sync(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    digest = push(plain_registry, f"{p}/apps/web", "3.1.0")
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_image(f"{p}/apps/web", "image")
    # The endpoint carries a path: chart names are relative to it.
    reg = create_registry(api, f"{plain_registry.url}/{p}", name="nosync", sync=False)
    items = api.get("/v1/registries/metadata").json()["items"]
    assert any(i["uid"] == reg and i["isSyncSupported"] is False for i in items)

    uid = create_profile(api, profile("p", [pack("apps/web", "3.1.0", reg)]))
    [q] = _packs(api, uid)
    assert (q["source"], q["verified"], q["digest"]) == ("private", True, digest)
    assert q["repository"] == f"{p}/apps/web"
    assert "packUid" not in q  # unset Palette fields are omitted, never null
    assert q["values"] == ""  # as sent; the chart's defaults apply

    r = api.post("/v1/clusterprofiles", profile("q", [pack("apps/web", "3.2.0", reg)]))
    assert r.status_code == 422 and r.json()["code"] == "PackNotFound"
    assert r.json()["details"]["nearestVersions"] == ["3.1.0"]
    r = api.post("/v1/clusterprofiles", profile("q", [pack("apps/web", "image", reg)]))
    assert r.status_code == 422
    assert "not a Helm chart" in r.json()["message"]
    r = api.post("/v1/clusterprofiles",
                 profile("q", [pack("apps/web", "3.1.0", reg, source="public")]))
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.template.packs[0].source"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@sqlite_only
def test_unreachable_registry_needs_skip_pack_validation(api: Api) -> None:
    reg = create_registry(api, f"http://127.0.0.1:{_closed_port()}", name="down", sync=False,
                          skip_validation=True)
    body = profile("p", [pack("web", "1.0.0", reg, "a: 1\n")])
    r = api.post("/v1/clusterprofiles", body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "RegistryUnreachable"
    assert r.json()["details"]["field"] == "spec.template.packs[0].registryUid"
    assert "skipPackValidation" in r.json()["message"]

    uid = create_profile(api, body, skipPackValidation="true")
    got = api.get(f"/v1/clusterprofiles/{uid}")
    assert got.status_code == 200  # drift cannot be checked, but the GET works
    [q] = got.json()["spec"]["template"]["packs"]
    assert (q["verified"], q.get("digest"), q["values"]) == (False, None, "a: 1\n")
    assert q["driftUnknown"] is True and q["isInvalid"] is False
    assert "could not check registry down" in q["driftMessage"]


@sqlite_only
def test_ghcr_like_registry_private_packs_and_explicit_repositories(
        api: Api, ghcr_like_registry: RegistryServer, unique_repo_prefix: str) -> None:
    org = unique_repo_prefix
    base = f"{org}/charts"
    flux = push(ghcr_like_registry, f"{base}/flux-operator", "0.9.0")
    push(ghcr_like_registry, f"{base}/other-chart", "1.0.0")
    push(ghcr_like_registry, f"{base}/other-chart", "1.1.0")
    endpoint = f"{ghcr_like_registry.url}/{base}"  # like ghcr.io/<org>/charts

    # Palette-style: sync off, no credentials, anonymous Bearer tokens.
    private = create_registry(api, endpoint, name="ghcr", sync=False)
    uid = create_profile(api, profile("flux", [pack("flux-operator", "0.9.0", private,
                                                    "a: 1\n")]))
    [q] = _packs(api, uid)
    assert (q["verified"], q["digest"], q["isInvalid"]) == (True, flux, False)

    # Beyond Palette: one registry lists several charts explicitly and syncs without _catalog.
    synced = create_registry(api, endpoint, name="ghcr-many", sync=True,
                             repos=["flux-operator", "other-chart"])
    # The sync-off registry is read once at registration too; let that run first.
    assert sync_now(api.ctx, private).status == "Completed"
    outcome = sync_now(api.ctx, synced)
    assert outcome.status == "Completed", outcome
    tags = api.get(f"/v1/packs/other-chart/registries/{synced}").json()["tags"]
    assert [t["version"] for t in tags] == ["1.1.0", "1.0.0"]
    uid = create_profile(api, profile("many", [pack("other-chart", "1.1.0", synced, "a: 1\n"),
                                               pack("flux-operator", "0.9.0", synced, "")]))
    packs = _packs(api, uid)
    assert [q["source"] for q in packs] == ["public", "public"]
    assert packs[1]["values"] == ""
    drop_down = {i["name"] for i in api.get("/v1/registries/metadata").json()["items"]}
    assert {"ghcr", "ghcr-many"} <= drop_down

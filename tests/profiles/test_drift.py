"""Drift: a GET reports packs whose tag was deleted or now points at other content."""

from __future__ import annotations

from typing import Any

from tests.harness.app import Api
from tests.harness.charts import build_chart
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


def _packs(api: Api, uid: str) -> dict[str, dict[str, Any]]:
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    return {p["name"]: p for p in got["spec"]["template"]["packs"]}


@sqlite_only
def test_drift_after_tag_deleted_or_overwritten(api: Api, plain_registry: RegistryServer,
                                               unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    for name in ("kept", "deleted", "rebuilt"):
        push(plain_registry, f"{p}/{name}", "1.0.0")
    reg = create_registry(api, f"{plain_registry.url}/{p}", name="r", sync=False)
    uid = create_profile(api, profile("drift", [pack(n, "1.0.0", reg, "a: 1\n")
                                                for n in ("kept", "deleted", "rebuilt")]))
    before = _packs(api, uid)
    assert not any(q["isInvalid"] or q["driftUnknown"] for q in before.values())

    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.delete_tag(f"{p}/deleted", "1.0.0")
        new_digest = pusher.push_chart(f"{p}/rebuilt", "1.0.0",
                                       build_chart("rebuilt", "1.0.0", description="changed"))
    assert new_digest != before["rebuilt"]["digest"]

    after = _packs(api, uid)
    assert after["kept"]["isInvalid"] is False and after["kept"]["invalidReason"] is None
    assert after["deleted"]["isInvalid"] is True
    assert "deleted" in after["deleted"]["invalidReason"]
    assert after["rebuilt"]["isInvalid"] is True
    assert new_digest in after["rebuilt"]["invalidReason"]
    assert before["rebuilt"]["digest"] in after["rebuilt"]["invalidReason"]
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    assert got["status"]["isInvalid"] is True
    # checkDrift=false skips the registry round trip.
    quick = api.get(f"/v1/clusterprofiles/{uid}", params={"checkDrift": "false"}).json()
    assert not any(q["isInvalid"] for q in quick["spec"]["template"]["packs"])

    # Saving again accepts the rebuilt content; the deleted tag must be replaced first.
    body = profile("drift", [pack(n, "1.0.0", reg, "a: 1\n") for n in ("kept", "rebuilt")])
    assert api.put(f"/v1/clusterprofiles/{uid}", body).status_code == 204
    healed = _packs(api, uid)
    assert healed["rebuilt"]["digest"] == new_digest
    assert healed["rebuilt"]["isInvalid"] is False


@sqlite_only
def test_public_pack_drift_is_checked_live_not_from_the_catalog(api: Api, synced: Synced) -> None:
    uid = create_profile(api, profile("pub", [pack("nginx", "1.0.0", synced.uid, "a: 1\n"),
                                              pack("redis", "7.0.0+build.1", synced.uid,
                                                   "a: 1\n")]))
    with OciPusher.for_registry(synced.registry) as pusher:
        pusher.delete_tag(synced.repo("nginx"), "1.0.0")
    # The catalog still lists the tag (no sync ran); the GET asks the registry itself.
    tags = api.get(f"/v1/packs/nginx/registries/{synced.uid}").json()["tags"]
    assert "1.0.0" in [t["tag"] for t in tags]
    got = _packs(api, uid)
    assert got["nginx"]["isInvalid"] is True
    assert got["redis"]["isInvalid"] is False  # the build-metadata tag 7.0.0_build.1 is found

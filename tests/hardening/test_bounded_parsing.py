"""Bounded parsing through the API and sync: hostile documents end in clear errors.

Each case runs under tracemalloc (peak memory of the whole process, all
threads) and a pytest timeout (no hang).
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chartyard.context import AppContext
from chartyard.store.models import IgnoredTag, SyncState, utcnow
from chartyard.sync import leases
from chartyard.sync.fetch import SkippedTag
from chartyard.sync.pipeline import Outcome, SyncJob
from tests.hardening._artifacts import (
    OCI_MANIFEST,
    billion_laughs,
    deep_json,
    endless,
    gzip_bomb,
    push_raw_chart,
    symlink_chart,
    traversal_chart,
)
from tests.hardening._hostile import HostileRegistry, Reply, Seen
from tests.harness.app import Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer

pytestmark = pytest.mark.timeout(120)
MiB = 1024 * 1024


@contextmanager
def peak_memory(limit_mib: int) -> Iterator[dict[str, int]]:
    """Trace allocations in the block and assert the peak stayed under ``limit_mib``."""
    seen = {"peak": 0}
    tracemalloc.start()
    try:
        yield seen
        seen["peak"] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\npeak traced memory {seen['peak'] / MiB:.1f} MiB (limit {limit_mib} MiB)")
    assert seen["peak"] < limit_mib * MiB, f"peak {seen['peak'] / MiB:.1f} MiB"


def run_sync(ctx: AppContext, uid: str) -> tuple[Outcome, list[SkippedTag]]:
    """Run one sync like `tests.sync.conftest.sync_now`, also returning the skipped tags."""
    with ctx.transaction() as session:
        state = session.get(SyncState, uid)
        assert state is not None
        state.due_at = utcnow() - timedelta(seconds=1)
    with ctx.transaction() as session:
        assert leases.claim_next(session, "hardening", timedelta(seconds=60)) == uid
    job = SyncJob(ctx, uid, "hardening")
    outcome = asyncio.run(job.run())
    return outcome, job.changes.skipped


def ignored(ctx: AppContext, uid: str) -> dict[str, str]:
    """Return {repository:tag: reason} of the tags a registry's syncs skipped."""
    with ctx.transaction() as session:
        rows = session.scalars(select(IgnoredTag).where(IgnoredTag.registry_uid == uid))
        return {f"{r.repository}:{r.tag}": r.reason for r in rows}


def _register(api: Api, url: str, base: str, *, sync: bool = True) -> str:
    reply = api.post("/v1/registries/oci/basic", basic_body("r", url, sync=sync, base=[base]))
    assert reply.status_code == 201, reply.text
    return str(reply.json()["uid"])


def _pack_uid(api: Api, uid: str, name: str, tag: str) -> str:
    tags = api.get(f"/v1/packs/{name}/registries/{uid}").json()["tags"]
    return str(next(t["packUid"] for t in tags if t["tag"] == tag))


def _error(reply: Any, status: int = 422) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    body: dict[str, Any] = reply.json()
    assert set(body) == {"code", "message", "details", "ref"}
    return body


# ---- manifests: 100 MB and endless -------------------------------------------------------
def _manifest_front(hostile: Callable[..., HostileRegistry], upstream: str,
                    bad_tag: str, reply: Callable[[], Reply]) -> HostileRegistry:
    def rule(seen: Seen, n: int) -> Reply | None:
        if seen.method == "GET" and seen.path.endswith(f"/manifests/{bad_tag}"):
            return reply()
        return None

    return hostile(upstream, rule)


@pytest.mark.parametrize("shape", ["endless", "declared-100MB"])
def test_huge_manifest_skips_the_tag_with_bounded_memory(
        api: Api, hostile: Callable[..., HostileRegistry], plain_registry: RegistryServer,
        chart_factory: Any, unique_repo_prefix: str, shape: str) -> None:
    repo = f"{unique_repo_prefix}/app"
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(repo, "1.0.0", chart_factory("app", "1.0.0"))
        pusher.push_chart(repo, "6.6.6", chart_factory("app", "6.6.6"))
    headers = {"Content-Type": OCI_MANIFEST}

    def reply() -> Reply:
        if shape == "endless":
            return Reply(200, headers, endless())
        return Reply(200, headers, b" " * (64 * 1024), declared_length=100 * MiB)

    front = _manifest_front(hostile, plain_registry.url, "6.6.6", reply)
    uid = _register(api, front.url, unique_repo_prefix)
    with peak_memory(48):
        outcome, skipped = run_sync(api.ctx, uid)
    assert outcome.status == "Completed" and outcome.skipped == 1
    [skip] = skipped
    assert skip.tag == "6.6.6" and "limit" in skip.reason, skip.reason
    assert "unreadable manifest" in skip.reason
    tags = api.get(f"/v1/packs/app/registries/{uid}").json()["tags"]
    assert [t["tag"] for t in tags] == ["1.0.0"]  # the good tag is indexed, the bad one not
    assert front.bytes_sent < 16 * MiB  # we hung up long before 100 MB


def test_content_encoding_gzip_bomb_is_decoded_in_bounded_steps(
        api: Api, hostile: Callable[..., HostileRegistry], plain_registry: RegistryServer,
        chart_factory: Any, unique_repo_prefix: str) -> None:
    """A 256 KB `Content-Encoding: gzip` manifest that inflates to 256 MiB."""
    repo = f"{unique_repo_prefix}/app"
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(repo, "1.0.0", chart_factory("app", "1.0.0"))
        pusher.push_chart(repo, "6.6.6", chart_factory("app", "6.6.6"))
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(bytes(MiB)) for _ in range(256)) + packer.flush()
    headers = {"Content-Type": OCI_MANIFEST, "Content-Encoding": "gzip"}
    front = _manifest_front(hostile, plain_registry.url, "6.6.6",
                            lambda: Reply(200, headers, bomb))
    uid = _register(api, front.url, unique_repo_prefix)
    with peak_memory(24):  # one undivided 64 KiB chunk alone would inflate to ~64 MiB
        outcome, skipped = run_sync(api.ctx, uid)
    assert outcome.status == "Completed"
    assert [s.tag for s in skipped] == ["6.6.6"] and "limit" in skipped[0].reason


def test_endless_manifest_of_a_private_pack_is_a_422(
        api: Api, hostile: Callable[..., HostileRegistry], plain_registry: RegistryServer,
        chart_factory: Any, unique_repo_prefix: str) -> None:
    repo = f"{unique_repo_prefix}/app"
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(repo, "1.0.0", chart_factory("app", "1.0.0"))
    front = _manifest_front(hostile, plain_registry.url, "1.0.0",
                            lambda: Reply(200, {"Content-Type": OCI_MANIFEST}, endless()))
    uid = _register(api, front.url, unique_repo_prefix, sync=False)
    body = {"metadata": {"name": "p"},
            "spec": {"version": "1.0.0", "template": {"type": "add-on", "cloudType": "all",
                     "packs": [{"name": repo.split("/", 1)[1], "tag": "1.0.0",
                                "registryUid": uid, "type": "oci", "values": ""}]}}}
    with peak_memory(48):
        reply = api.post("/v1/clusterprofiles", body)
    error = _error(reply)
    assert error["code"] == "TooLarge", error
    assert "limit" in error["message"]


def test_deep_json_manifest_and_token_answers_are_refused(
        api: Api, hostile: Callable[..., HostileRegistry], plain_registry: RegistryServer,
        chart_factory: Any, unique_repo_prefix: str) -> None:
    repo = f"{unique_repo_prefix}/app"
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(repo, "1.0.0", chart_factory("app", "1.0.0"))
        pusher.push_chart(repo, "2.0.0", chart_factory("app", "2.0.0"))
    deep = b"[" * 10_000 + b"]" * 10_000
    front = _manifest_front(hostile, plain_registry.url, "2.0.0",
                            lambda: Reply(200, {"Content-Type": OCI_MANIFEST}, deep))
    uid = _register(api, front.url, unique_repo_prefix)
    outcome, skipped = run_sync(api.ctx, uid)
    assert outcome.status == "Completed"
    assert [s.tag for s in skipped] == ["2.0.0"] and "deeper" in skipped[0].reason

    # A token server answering 10,000-deep JSON, an endless body, or a gzip bomb under its
    # 64 KiB cap (sent encoded although identity was asked for) fails validation cleanly.
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    token_bomb = packer.compress(b'{"token":"' + bytes(60 * MiB)) + packer.flush()  # 61 KB
    for answer, code in ((Reply(200, {"Content-Type": "application/json"}, deep),
                          "ProtocolError"),
                         (Reply(200, {"Content-Type": "application/json"}, endless()),
                          "TooLarge"),
                         (Reply(200, {"Content-Type": "application/json",
                                      "Content-Encoding": "gzip"}, token_bomb),
                          "ProtocolError")):
        token = hostile(None, lambda seen, n, answer=answer: answer)
        challenge = f'Bearer realm="{token.url}/token",service="registry"'
        registry = hostile(None, lambda seen, n, c=challenge: Reply(
            401, {"WWW-Authenticate": c, "Content-Type": "application/json"}, b"{}"))
        with peak_memory(32):
            error = _error(api.post("/v1/registries/oci/basic/validate",
                                    basic_body("t", registry.url)))
        assert error["code"] == code, error


# ---- config blobs: 10,000-deep JSON, pushed to a real registry ---------------------------
def test_deep_json_config_blob_skips_the_tag_with_its_reason(
        api: Api, plain_registry: RegistryServer, chart_factory: Any,
        unique_repo_prefix: str) -> None:
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/good", "1.0.0", chart_factory("good", "1.0.0"))
        push_raw_chart(pusher, f"{unique_repo_prefix}/deep", "1.0.0", config=deep_json())
        push_raw_chart(pusher, f"{unique_repo_prefix}/huge", "1.0.0",
                       config=json.dumps({"name": "huge", "version": "1.0.0",
                                          "pad": "x" * (2 * MiB)}).encode())
    uid = _register(api, plain_registry.url, unique_repo_prefix)
    with peak_memory(64):
        outcome, _ = run_sync(api.ctx, uid)
    assert outcome.status == "Completed" and outcome.skipped == 2
    reasons = ignored(api.ctx, uid)
    assert "deeper than the limit of 64 levels" in reasons[f"{unique_repo_prefix}/deep:1.0.0"]
    assert "limit" in reasons[f"{unique_repo_prefix}/huge:1.0.0"]
    assert [t["tag"] for t in api.get(f"/v1/packs/good/registries/{uid}").json()["tags"]] == [
        "1.0.0"]
    status = api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
    assert "2 non-chart tags skipped" in status["message"]


# ---- chart layers: gzip bomb, ../ paths, links (values fetch) ----------------------------
@pytest.mark.parametrize(("layer", "needle"), [
    (gzip_bomb, "max_uncompressed"),
    (traversal_chart, "outside the chart directory"),
    (symlink_chart, "symbolic link"),
])
def test_hostile_chart_layer_is_a_422_on_values_fetch(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str,
        layer: Callable[[], bytes], needle: str) -> None:
    data = layer()
    with OciPusher.for_registry(plain_registry) as pusher:
        push_raw_chart(pusher, f"{unique_repo_prefix}/evil", "1.0.0", layer=data)
    uid = _register(api, plain_registry.url, unique_repo_prefix)
    assert run_sync(api.ctx, uid)[0].status == "Completed"  # metadata comes from the config
    pack = _pack_uid(api, uid, "evil", "1.0.0")
    with peak_memory(64):
        reply = api.get(f"/v1/packs/{pack}/values")
    error = _error(reply)
    assert error["code"] == "InvalidChartArchive", error
    assert needle in error["message"]
    assert _error(api.get(f"/v1/packs/{pack}/values"))["code"] == "InvalidChartArchive"


# ---- YAML: billion laughs as profile values ----------------------------------------------
def test_billion_laughs_profile_values_are_a_422(api: Api, plain_registry: RegistryServer,
                                                 chart_factory: Any,
                                                 unique_repo_prefix: str) -> None:
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    uid = _register(api, plain_registry.url, unique_repo_prefix)
    assert run_sync(api.ctx, uid)[0].status == "Completed"
    body = {"metadata": {"name": "laughs"},
            "spec": {"version": "1.0.0", "template": {"type": "add-on", "cloudType": "all",
                     "packs": [{"name": "app", "tag": "1.0.0", "registryUid": uid,
                                "type": "oci", "values": billion_laughs()}]}}}
    with peak_memory(64):
        reply = api.post("/v1/clusterprofiles", body)
    error = _error(reply)
    assert error["details"]["field"].startswith("spec.template.packs[0].values"), error
    assert "expands to more than" in error["message"]
    assert api.get("/v1/clusterprofiles").json()["items"] == []

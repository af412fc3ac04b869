"""`GET /metrics`: Prometheus text across `--workers 2`, bounded labels, sync and catalog series."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from chartyard import metrics
from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer

PACK_ROUTE = "/v1/packs/{packUid}"


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def _value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return sum(v for lbl, v in samples.get(name, []) if labels.items() <= lbl.items())


def _per_process_counts(directory: Path) -> dict[str, float]:
    """Count our route's requests in each process's counter file."""
    counts: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        counts[path.name] = sum(
            value for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path))
            if PACK_ROUTE in key and "chartyard_http_requests" in key)
    return counts


def test_metrics_add_up_across_two_processes(
        tmp_path: Path, registry_factory: Any, chart_factory: Any) -> None:
    registry: RegistryServer = registry_factory("plain")
    with OciPusher.for_registry(registry) as pusher:
        pusher.push_many([(f"apps/m{j}", f"0.{v}.0", chart_factory(f"m{j}", f"0.{v}.0"))
                          for j in range(2) for v in range(3)])
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    (multiproc / "counter_999999.db").write_bytes(b"stale")  # cleaned on start
    server = ChartyardServer(tmp_path / "data", admin_password="metrics-admin-pass",
                             workers=2, extra_env={"PROMETHEUS_MULTIPROC_DIR": str(multiproc),
                                                   "CHARTYARD_LOG_LEVEL": "INFO"})
    try:
        assert not (multiproc / "counter_999999.db").exists()
        auth = {"Authorization": f"Bearer {server.token()}"}
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=auth,
                       json=basic_body("metered", registry.url, sync=True, base=["apps"]))
        assert r.status_code == 201, r.text
        uid = r.json()["uid"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{server.url}/v1/registries/oci/{uid}/basic/sync/status",
                        headers=auth).json()["status"] != "Completed":
            assert time.monotonic() < deadline, "the sync did not complete"
            time.sleep(0.2)

        # New connections until both processes have answered some (the kernel picks).
        sent = 0
        while sent < 20 or len([c for c in _per_process_counts(multiproc).values() if c]) < 2:
            assert sent < 2000, _per_process_counts(multiproc)
            assert httpx.get(f"{server.url}/v1/packs/{uuid.uuid4().hex}").status_code == 401
            sent += 1

        scrape = httpx.get(f"{server.url}/metrics")
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        samples = _samples(scrape.text)
    finally:
        server.close()

    assert _value(samples, "chartyard_http_requests_total", method="GET", route=PACK_ROUTE,
                  status="401") == sent
    assert _value(samples, "chartyard_http_request_duration_seconds_count", method="GET",
                  route=PACK_ROUTE) == sent
    routes = {lbl["route"] for lbl, _ in samples["chartyard_http_requests_total"]}
    assert {r for r in routes if r.startswith("/v1/packs")} <= {"/v1/packs", PACK_ROUTE}
    assert not any(uid in r for r in routes)  # templates, not paths
    assert _value(samples, "chartyard_syncs_total", registry=uid, outcome="Completed") >= 1
    assert _value(samples, "chartyard_sync_duration_seconds_count", registry=uid) >= 1
    assert _value(samples, "chartyard_registry_requests_total", kind="catalog",
                  status="200") >= 1
    assert _value(samples, "chartyard_registry_requests_total", kind="manifest") >= 6
    assert _value(samples, "chartyard_catalog_chart_versions", registry=uid, kind="basic") == 6
    assert "chartyard_lease_takeovers_total" in samples
    # Processes never label a series by repository.
    assert not any("apps/" in v for s in samples.values() for lbl, _ in s for v in lbl.values())


def test_registry_429_is_counted_by_kind_and_status() -> None:
    # docker-registry never answers 429: a MockTransport plays the rate-limited registry.
    import asyncio

    from chartyard.http import KIND, MeteredTransport, RequestStats

    before = metrics.REGISTRY_REQUESTS.labels("tags", "429")._value.get()
    inner = httpx.MockTransport(lambda request: httpx.Response(429, headers={"Retry-After": "1"}))

    async def call() -> int:
        async with httpx.AsyncClient(transport=MeteredTransport(inner, RequestStats())) as c:
            r = await c.get("https://r.example/v2/a/tags/list", extensions={KIND: "tags"})
            return r.status_code

    assert asyncio.run(call()) == 429
    assert metrics.REGISTRY_REQUESTS.labels("tags", "429")._value.get() == before + 1


@pytest.mark.parametrize(("action", "label"), [("push", "push"), ("delete", "delete"),
                                                ("mount", "other")])
def test_event_actions_are_bounded(action: str, label: str) -> None:
    series = metrics.EVENTS_RECEIVED.labels("r1", label)
    before = series._value.get()
    metrics.event_received("r1", action)
    assert series._value.get() == before + 1


def test_worker_serves_its_own_metrics(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.harness.procs import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CHARTYARD_") and k != metrics.MULTIPROC_ENV}
    env.update({"CHARTYARD_DATA_DIR": str(tmp_path), "CHARTYARD_ADMIN_PASSWORD": "w-12345678"})
    log = tmp_path / "worker.log"
    proc = subprocess.Popen([sys.executable, "-m", "chartyard", "worker", "--metrics-port",
                             str(port)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert r.status_code == 200
        assert "chartyard_lease_takeovers_total 0.0" in r.text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0

"""Push to catalog through registry events: `helm push` until the version is served.

A fresh docker-registry sends its notifications to a real `chartyard serve` (no
sync worker, so only events can bring versions in). For each of ``pushes``
charts, the clock starts when `helm push` returns and stops when
`GET /v1/packs/{name}/registries/{uid}` lists the version (polled every 10 ms).
The registry requests each refresh sent are read from chartyard's log
("event refresh" lines).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer

PASSWORD = "bench-Events-123"


@dataclass
class EventsResult:
    """Push-to-catalog latencies and the registry requests per refresh."""

    latencies: list[float] = field(default_factory=list)  # from push returned
    with_push: list[float] = field(default_factory=list)  # from push started
    requests_per_refresh: list[int] = field(default_factory=list)

    @staticmethod
    def _pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        """Return the median latency after the push returned, seconds."""
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        """Return the 95th percentile latency after the push returned, seconds."""
        return self._pct(self.latencies, 0.95)

    @property
    def p95_with_push(self) -> float:
        """Return the 95th percentile counted from the start of `helm push`, seconds."""
        return self._pct(self.with_push, 0.95)


def _refresh_requests(log: str) -> list[int]:
    out = []
    for line in log.splitlines():
        if "event refresh" not in line or not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("status") == "Completed" and "requests" in record:
            out.append(int(record["requests"]))
    return out


def measure_events(pushes: int, work_dir: Path) -> EventsResult:
    """Run the measurement with ``pushes`` sequential helm pushes."""
    result = EventsResult()
    reg = RegistryServer("plain", base_dir=work_dir)
    server = ChartyardServer(Path(tempfile.mkdtemp(dir=work_dir)) / "cy",
                             admin_password=PASSWORD, worker=False,
                             extra_env={"CHARTYARD_LOG_LEVEL": "INFO",
                                        "CHARTYARD_LOG_FORMAT": "json"})
    helm = Helm()
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        body = {"metadata": {"name": "events"}, "spec": {
            "endpoint": reg.url, "providerType": "helm", "isSyncSupported": True,
            "baseContentPath": ["charts"], "repositories": [],
            "auth": {"type": "noAuth", "tls": {"certificate": "", "insecureSkipVerify": False}}}}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as api:
            created = api.post("/v1/registries/oci/basic", json=body)
            created.raise_for_status()
            uid = created.json()["uid"]
            hook = api.post(f"/v1/registries/{uid}/events/secret").json()
            reg.notify(hook["url"], f"Bearer {hook['secret']}")
            charts = Path(tempfile.mkdtemp(dir=work_dir))
            for i in range(pushes):
                name = f"evt{i}"
                path = charts / f"{name}-1.0.0.tgz"
                path.write_bytes(build_chart(name, "1.0.0"))
                started = time.perf_counter()
                helm.push(path, f"{reg.oci_url}/charts", plain_http=True)
                pushed = time.perf_counter()
                deadline = pushed + 60
                while True:
                    r = api.get(f"/v1/packs/{name}/registries/{uid}")
                    if r.status_code == 200 and r.json()["tags"]:
                        break
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"{name} did not appear within 60 s of its push")
                    time.sleep(0.01)
                now = time.perf_counter()
                result.latencies.append(now - pushed)
                result.with_push.append(now - started)
        result.requests_per_refresh = _refresh_requests(server.log_text())
    finally:
        helm.close()
        server.close()
        reg.close()
    return result

"""Registry passwords never appear in the database files or the server's log output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.procs import wait_until
from tests.harness.registry import RegistryServer


def test_passwords_absent_from_sqlite_wal_and_logs(tmp_path: Path, registry_factory: Any,
                                                   helm: Helm, chart_factory: Any) -> None:
    secret = "Sup3r-Secret-Registry-Pass-42"
    reg: RegistryServer = registry_factory("htpasswd_tls", username="robot", password=secret)
    helm.push(chart_factory.write("vault", "0.1.0"), f"{reg.oci_url}/infra", ca_file=reg.ca_file,
              username="robot", password=secret)
    server = ChartyardServer(tmp_path / "data", admin_password="Admin-pass-123")
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        good = basic_body("secure", reg.url, username="robot", password=secret, ca=reg.ca_pem or "",
                          sync=True, base=["infra"])
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", json=good, headers=headers)
        assert r.status_code == 201, r.text
        bad_secret = "Wrong-Secret-Registry-Pass-77"
        bad = basic_body("bad", reg.url, username="robot", password=bad_secret,
                         ca=reg.ca_pem or "", sync=True, base=["infra"])
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", json=bad, headers=headers)
        assert r.json()["code"] == "AuthenticationFailed"
        uid = httpx.get(f"{server.url}/v1/registries/oci/summary",
                        headers=headers).json()["items"][0]["metadata"]["uid"]
        status: dict[str, Any] = {}

        def settled() -> bool:  # the embedded worker syncs it with the stored password
            status.update(httpx.get(f"{server.url}/v1/registries/oci/{uid}/basic/sync/status",
                                    headers=headers).json())
            return status["status"] in ("Completed", "Failed")

        wait_until(settled, timeout=120, interval=0.1, what="the sync to settle")
        assert status["status"] == "Completed", status
        # The worker logs after it stores the outcome: wait for the line, not a fixed time.
        wait_until(lambda: "sync finished" in server.log_text(), timeout=60, interval=0.1,
                   what="the worker's 'sync finished' log line")
        files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith("chartyard.db")]
        assert any(p.name.endswith("-wal") for p in files), files
        contents = {p: p.read_bytes() for p in files}
        logs = server.log_text()
    finally:
        server.close()
    assert "sync finished" in logs  # the log really captured the work
    for needle in (secret, bad_secret):
        for path, data in contents.items():
            assert needle.encode() not in data, path
        assert needle not in logs

"""End to end: a real docker-registry notifies a real `chartyard serve`; a helm push shows up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer

pytestmark = pytest.mark.timeout(180)
PASSWORD = "e2e-Admin-123"


def _versions(server: ChartyardServer, headers: dict[str, str], name: str, uid: str) -> set[str]:
    r = httpx.get(f"{server.url}/v1/packs/{name}/registries/{uid}", headers=headers)
    return {v["version"] for v in r.json()["tags"]} if r.status_code == 200 else set()


def test_helm_push_reaches_the_catalog_through_registry_notifications(
        tmp_path: Path, registry_factory: Any, chart_factory: Any, helm: Helm) -> None:
    reg: RegistryServer = registry_factory("plain")
    # A long sync interval: only the first sync and the events can bring versions in.
    server = ChartyardServer(tmp_path / "cy", admin_password=PASSWORD,
                             extra_env={"CHARTYARD_SYNC_INTERVAL_SECONDS": "86400"})
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        body = {"metadata": {"name": "local"}, "spec": {
            "endpoint": reg.url, "providerType": "helm", "isSyncSupported": True,
            "baseContentPath": ["charts"], "repositories": [],
            "auth": {"type": "noAuth", "tls": {"certificate": "", "insecureSkipVerify": False}}}}
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", json=body, headers=headers)
        assert r.status_code == 201, r.text
        uid = r.json()["uid"]
        hook = httpx.post(f"{server.url}/v1/registries/{uid}/events/secret",
                          headers=headers).json()
        reg.notify(hook["url"], f"Bearer {hook['secret']}")
        # The restart may have failed a first sync already under way: ask for one now.
        status_url = f"{server.url}/v1/registries/oci/{uid}/basic/sync/status"
        deadline = time.monotonic() + 60
        while httpx.get(status_url, headers=headers).json()["status"] == "InProgress":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        httpx.post(f"{server.url}/v1/registries/oci/{uid}/basic/sync",
                   headers=headers).raise_for_status()
        while (status := httpx.get(status_url, headers=headers).json())["status"] != "Completed":
            assert time.monotonic() < deadline, f"the first sync did not complete: {status}"
            time.sleep(0.1)

        helm.push(chart_factory.write("web", "1.0.0"), f"{reg.oci_url}/charts", plain_http=True)
        deadline = time.monotonic() + 30
        while _versions(server, headers, "web", uid) != {"1.0.0"}:
            assert time.monotonic() < deadline, server.log_text()[-3000:]
            time.sleep(0.05)
        info = httpx.get(f"{server.url}/v1/registries/{uid}/events", headers=headers).json()
        assert info["lastEvent"]["repository"] == "charts/web"
        assert info["lastEvent"]["tag"] == "1.0.0" and info["refreshed"] >= 1

        # The CLI and the UI show the URL to configure and the last event.
        key = httpx.post(f"{server.url}/v1/apikeys", json={"name": "e2e"},
                         headers=headers).json()["key"]
        env = {**os.environ, "CHARTYARD_URL": server.url, "CHARTYARD_API_KEY": key,
               "HOME": str(tmp_path)}
        cli = subprocess.run([sys.executable, "-m", "chartyard", "registry", "events", "local",
                              "-o", "json"], env=env, capture_output=True, text=True, timeout=60,
                             check=False)
        assert cli.returncode == 0, cli.stderr
        shown = json.loads(cli.stdout)
        assert shown["url"] == hook["url"] and shown["lastEvent"]["tag"] == "1.0.0"
        assert "secret" not in shown
        page = httpx.get(f"{server.url}/settings/registries/{uid}/events",
                         cookies={"chartyard_session": headers["Authorization"][7:]})
        assert page.status_code == 200
        assert hook["url"] in page.text and "charts/web:1.0.0" in page.text
        assert hook["secret"] not in page.text
    finally:
        server.close()

"""The profile page's Mirror action: pick a registry, start, watch the progress live."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_until
from tests.harness.registry import RegistryServer
from tests.web.conftest import login, unlabelled_controls


def test_mirror_from_the_profile_page(page: Page, server: ChartyardServer,
                                      plain_registry: RegistryServer,
                                      registry_factory: Callable[..., RegistryServer]) -> None:
    prefix = f"ui{uuid.uuid4().hex[:8]}"
    with OciPusher.for_registry(plain_registry) as pusher:
        digest = pusher.push_chart(f"{prefix}/webapp", "2.0.0", build_chart("webapp", "2.0.0"))
    dest = registry_factory("plain")
    headers = {"Authorization": f"Bearer {server.token()}"}

    def registry(name: str, url: str, sync: bool) -> str:
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=headers, json={
            "metadata": {"name": name},
            "spec": {"endpoint": url, "providerType": "helm", "isSyncSupported": sync,
                     "baseContentPath": prefix if sync else "",
                     "auth": {"type": "noAuth"}}})
        assert r.status_code == 201, r.text
        return str(r.json()["uid"])

    source = registry(f"src-{prefix}", plain_registry.url, True)
    registry(f"dst-{prefix}", dest.url, False)

    def synced() -> bool:
        r = httpx.get(f"{server.url}/v1/registries/oci/{source}/basic/sync/status",
                      headers=headers)
        return r.json()["status"] == "Completed"

    wait_until(synced, timeout=60, what="the source registry's sync")
    r = httpx.post(f"{server.url}/v1/clusterprofiles", headers=headers, json={
        "metadata": {"name": f"ui-{prefix}"},
        "spec": {"version": "1.0.0", "template": {"type": "add-on", "packs": [
            {"name": "webapp", "tag": "2.0.0", "registryUid": source, "type": "oci"}]}}})
    assert r.status_code == 201, r.text
    profile = r.json()["uid"]

    login(page, server)
    page.goto(f"{server.url}/profiles/{profile}")
    card = page.locator("#mirror-card")
    expect(card.get_by_role("heading", name="Mirror")).to_be_visible()
    assert unlabelled_controls(page) == []
    card.get_by_label("Target registry").select_option(label=f"dst-{prefix}")
    card.get_by_label("Base path").fill("Bad Path")
    card.get_by_role("button", name="Mirror").click()
    expect(page.locator("#mirror-error")).to_contain_text("basePath")
    card.get_by_label("Base path").fill("offline")
    card.get_by_role("button", name="Mirror").click()
    expect(page.locator("#mirror-status")).to_contain_text("Completed: 1/1 charts")
    expect(page.locator("#mirror-charts")).to_contain_text(
        f"webapp 2.0.0 → oci://{dest.host_port}/offline/webapp:2.0.0")
    with dest.client() as c:
        got = c.get("/v2/offline/webapp/manifests/2.0.0",
                    headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        assert got.status_code == 200 and got.headers["docker-content-digest"] == digest

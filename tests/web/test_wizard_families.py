"""A profile mixing both registry families, built in the wizard in real Chromium.

One chart from an OCI registry and one from a classic Helm repository, both picked under
Add Helm Chart > Public Packs: the wizard sends each pack's ``type`` as the server's
Registry drop-down gives it (``oci`` / ``helm``), the profile saves, and its Flux export
holds an ``OCIRepository`` and a ``HelmRepository``.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.helm_repo import publish
from tests.harness.nginx import NginxServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.web.conftest import download_yaml, login

pytestmark = [pytest.mark.browser]


def _wait_synced(server: ChartyardServer, status_path: str, versions: int) -> None:
    headers = {"Authorization": f"Bearer {server.token()}"}
    deadline = time.monotonic() + 60
    while True:
        status = httpx.get(f"{server.url}/v1/registries{status_path}", headers=headers).json()
        if status["status"] == "Completed" and status["progress"]["chartVersions"] == versions:
            return
        assert status["status"] != "Failed" and time.monotonic() < deadline, status
        time.sleep(0.2)


def _registries(server: ChartyardServer, oci: RegistryServer, index: NginxServer, helm: Helm,
                prefix: str) -> None:
    """Push an OCI chart, publish an index chart, add both registries and sync them."""
    with OciPusher.for_registry(oci) as pusher:
        pusher.push_chart(f"{prefix}/podinfo", "6.5.0", build_chart("podinfo", "6.5.0"))
    publish(helm, index.path(f"{prefix}/i").parent, [("nginx", "15.4.0")], None)
    headers = {"Authorization": f"Bearer {server.token()}"}
    oci_body = {"metadata": {"name": f"{prefix}-oci"},
                "spec": {"endpoint": oci.url, "isSyncSupported": True,
                         "baseContentPath": prefix, "auth": {"type": "noAuth"}}}
    r = httpx.post(f"{server.url}/v1/registries/oci/basic", json=oci_body, headers=headers)
    assert r.status_code == 201, r.text
    _wait_synced(server, f"/oci/{r.json()['uid']}/basic/sync/status", 1)
    helm_body = {"metadata": {"name": f"{prefix}-charts"},
                 "spec": {"endpoint": index.url + prefix, "auth": {"type": "noAuth"}}}
    r = httpx.post(f"{server.url}/v1/registries/helm", json=helm_body, headers=headers)
    assert r.status_code == 201, r.text
    _wait_synced(server, f"/helm/{r.json()['uid']}/sync/status", 1)


def _add_public_pack(page: Page, registry: str, chart: str) -> None:
    page.get_by_role("button", name="+ Add Helm Chart").click()
    drawer = page.locator("#pack-drawer")
    expect(drawer.get_by_role("tab", name="Public Packs")).to_have_attribute("aria-selected",
                                                                               "true")
    drawer.locator("#public-registry").select_option(label=registry)
    drawer.locator("#panel-public").get_by_label("Chart", exact=True).fill(chart)
    drawer.locator("#public-results").get_by_role("button", name=re.compile(chart)).click()
    expect(drawer.locator("#public-detail")).to_contain_text(chart)
    drawer.get_by_role("button", name="Confirm").click()
    expect(drawer).to_be_hidden()


def test_profile_from_an_oci_and_a_helm_repository_chart(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer,
        plain_helm_repo: NginxServer, helm: Helm, tmp_path: Path) -> None:
    prefix = f"m{uuid.uuid4().hex[:8]}"
    _registries(server, plain_registry, plain_helm_repo, helm, prefix)
    login(page, server)
    page.goto(f"{server.url}/profiles/new")
    page.locator('[data-step="1"]').get_by_label("Name").fill(f"{prefix}-mixed")
    page.get_by_role("button", name="Next: Profile layers").click()
    _add_public_pack(page, f"{prefix}-oci", "podinfo")
    _add_public_pack(page, f"{prefix}-charts", "nginx")
    expect(page.locator("#wizard-layers > li")).to_have_count(2)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name=re.compile(f"{prefix}-mixed"))).to_be_visible()

    _, docs = download_yaml(page, page.get_by_role("link", name="Flux"), tmp_path)
    kinds = {d["kind"]: d for d in docs}
    assert kinds["OCIRepository"]["spec"]["url"].endswith(f"/{prefix}/podinfo")
    assert kinds["HelmRepository"]["spec"]["url"].rstrip("/").endswith(prefix)
    releases = {d["spec"]["releaseName"] for d in docs if d["kind"] == "HelmRelease"}
    assert releases == {"podinfo", "nginx"}

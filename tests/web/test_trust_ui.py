"""Verdict badges as a user meets them in Chromium: chart page, versions list, profile layers.

Real `helm package --sign` charts (a gpg key), pushed with real `helm push`; the tenant's
key is added through the API, then the pages are read in the browser.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.procs import wait_until
from tests.harness.registry import RegistryServer
from tests.trust.conftest import TRUSTED, SigningKey, make_key, sign_package
from tests.web.conftest import login


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    """A signing key made by gpg (its agent is stopped once the key is exported)."""
    return make_key(tmp_path_factory.mktemp("keys") / "trusted", TRUSTED)


def test_verdict_badges_on_the_chart_and_profile_pages(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer, helm: Helm,
        trusted: SigningKey, tmp_path: Path) -> None:
    prefix = f"trust{uuid.uuid4().hex[:8]}"
    signed = sign_package(helm, "signedapp", "1.0.0", tmp_path / "charts", trusted)
    plain = sign_package(helm, "plainapp", "1.0.0", tmp_path / "charts", None)
    for path in (signed, plain):
        helm.push(path, f"{plain_registry.oci_url}/{prefix}", plain_http=True)
    headers = {"Authorization": f"Bearer {server.token()}"}
    r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=headers, json={
        "metadata": {"name": f"Signed charts {prefix}"},
        "spec": {"endpoint": plain_registry.url, "providerType": "helm",
                 "isSyncSupported": True, "baseContentPath": prefix,
                 "auth": {"type": "noAuth"}}})
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    wait_until(lambda: httpx.get(f"{server.url}/v1/registries/oci/{uid}/basic/sync/status",
                                 headers=headers).json()["status"] == "Completed",
               timeout=90, what="the registry's sync")
    r = httpx.post(f"{server.url}/v1/trust/keys", headers=headers,
                   json={"name": "release key", "publicKey": trusted.public_armored})
    assert r.status_code == 201, r.text

    login(page, server)
    page.goto(f"{server.url}/catalog/{uid}/signedapp")
    badge = page.locator('[data-verdict="verified"]').first
    expect(badge).to_be_visible()
    expect(badge).to_contain_text(TRUSTED)
    page.goto(f"{server.url}/catalog/{uid}/plainapp")
    expect(page.locator('[data-verdict="unsigned"]').first).to_be_visible()
    expect(page.locator('[data-verdict="verified"]')).to_have_count(0)

    r = httpx.post(f"{server.url}/v1/clusterprofiles", headers=headers, json={
        "metadata": {"name": f"Trusted {prefix}"},
        "spec": {"version": "1.0.0", "template": {"type": "add-on", "packs": [
            {"name": "signedapp", "tag": "1.0.0", "registryUid": uid, "type": "oci"},
            {"name": "plainapp", "tag": "1.0.0", "registryUid": uid, "type": "oci"}]}}})
    assert r.status_code == 201, r.text
    page.goto(f"{server.url}/profiles/{r.json()['uid']}")
    expect(page.locator('[data-verdict="verified"]')).to_have_count(1)
    expect(page.locator('[data-verdict="unsigned"]')).to_have_count(1)
    expect(page.locator('[data-verdict="verified"]')).to_contain_text(TRUSTED)

"""Tenant Settings > Registries > Helm Registries, in real Chromium against nginx repositories.

The tab beside OCI Registries -> + Add New Helm Registry -> Username and Password, CA file,
pass credentials -> Validate -> Confirm -> the row reaches Completed with a chart count;
a bad password is shown next to its field.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.helm_repo import publish
from tests.harness.nginx import NginxServer
from tests.web.conftest import login, screenshot, unlabelled_controls

pytestmark = [pytest.mark.browser]


def test_helm_registries_tab(page: Page, server: ChartyardServer, tls_helm_repo: NginxServer,
                             plain_helm_repo: NginxServer, helm: Helm) -> None:
    prefix = f"w{uuid.uuid4().hex[:8]}"
    publish(helm, tls_helm_repo.path(f"{prefix}/i").parent,
            [("podinfo", "6.5.0"), ("podinfo", "6.6.0"), ("redis", "18.1.0")],
            tls_helm_repo.url + prefix)
    publish(helm, plain_helm_repo.path(f"{prefix}/i").parent, [("nginx", "15.4.0")], None)
    login(page, server)
    page.get_by_role("link", name="Helm Registries").click()
    expect(page).to_have_url(re.compile(r"/settings/registries\?tab=helm"))

    page.get_by_role("link", name="+ Add New Helm Registry").click()
    expect(page.get_by_role("heading", name="Add New Helm Registry")).to_be_visible()
    assert unlabelled_controls(page) == []
    expect(page.get_by_label("Base Content Path", exact=True)).to_have_count(0)
    page.get_by_label("Name", exact=True).fill("bitnami-mirror")
    expect(page.get_by_label("Synchronization")).to_be_checked()
    page.get_by_label("Endpoint").fill(tls_helm_repo.url + prefix)
    expect(page.get_by_label("Username", exact=True)).to_be_hidden()
    page.locator('label[for="helm-auth-basic"]').click()  # a segmented control
    page.get_by_label("Username", exact=True).fill(tls_helm_repo.username or "")
    page.get_by_label("Password", exact=True).fill("wrong-password")
    assert tls_helm_repo.ca_file is not None
    page.get_by_label("Certificate — Upload file").set_input_files(tls_helm_repo.ca_file)
    expect(page.locator('[data-role="cert-info"]')).to_contain_text("chartyard-test-ca-nginx")

    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#err-password")).to_contain_text("rejected the credentials")
    page.get_by_label("Password", exact=True).fill(tls_helm_repo.password or "")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator('[data-role="validate-ok"]')).to_contain_text("Connected")
    page.get_by_label("Pass credentials to all domains").check()
    screenshot(page, "add-helm-registry")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/settings/registries\?tab=helm&saved=bitnami-mirror"))

    page.get_by_role("link", name="+ Add New Helm Registry").click()
    page.get_by_label("Name", exact=True).fill("public-charts")
    page.get_by_label("Endpoint").fill(plain_helm_repo.url + prefix + "/index.yaml")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"saved=public-charts"))

    for name, charts in (("bitnami-mirror", "2"), ("public-charts", "1")):
        row = page.locator(f'tr[data-name="{name}"]')
        expect(row).to_have_attribute("data-status", "Completed", timeout=60_000)
        expect(row.locator('[data-role="chart-count"]')).to_have_text(charts)
    expect(page.get_by_role("link", name="Helm Registries")).to_have_attribute(
        "aria-current", "page")
    screenshot(page, "helm-registries")

    # The OCI tab does not list them; the drop-down of the profile builder does.
    page.get_by_role("link", name="OCI Registries").click()
    expect(page.locator('tr[data-name="bitnami-mirror"]')).to_have_count(0)

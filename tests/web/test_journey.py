"""The end-to-end journey of the seed, in real Chromium against a live server and registries.

log in -> add a Basic registry with TLS (CA file uploaded, credentials) -> Validate ->
Confirm -> the row reaches Completed with a chart count -> a second registry with sync
off -> the catalog's chart page -> Add Cluster Profile (Add-on) with a Public Pack and a
Private Pack -> save -> export Flux.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.web.conftest import download_yaml, login, screenshot, unlabelled_controls

pytestmark = [pytest.mark.browser]

PODINFO_VALUES = "replicaCount: 2\nui:\n  color: '#34577c'\n  message: hello from podinfo\n"


def _push_charts(tls_registry: RegistryServer, plain_registry: RegistryServer,
                 prefix: str) -> None:
    maintainers = ({"name": "Stefan Prodan", "email": "stefan@example.com"},)
    with OciPusher.for_registry(tls_registry) as pusher:
        for version in ("6.4.0", "6.5.0"):
            pusher.push_chart(f"{prefix}/podinfo", version, build_chart(
                "podinfo", version, app_version=version, values=PODINFO_VALUES,
                description="Podinfo is a tiny web application made with Go",
                keywords=("microservice", "demo"), maintainers=maintainers))
        pusher.push_chart(f"{prefix}/redis-lite", "1.0.0", build_chart("redis-lite", "1.0.0"))
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{prefix}/flux-operator", "0.3.0",
                          build_chart("flux-operator", "0.3.0"))


def _add_tls_registry(page: Page, reg: RegistryServer, prefix: str) -> None:
    page.get_by_role("link", name="+ Add New OCI Registry").click()
    expect(page.get_by_role("heading", name="Add New OCI Registry")).to_be_visible()
    assert unlabelled_controls(page) == []
    page.get_by_label("Name", exact=True).fill("harbor-tls")
    expect(page.get_by_label("Synchronization")).to_be_checked()
    page.get_by_label("Endpoint").fill(reg.url)
    entry = page.get_by_label("Base Content Path", exact=True)
    entry.fill(prefix)
    entry.press("Enter")
    chips = page.locator('[data-chips="baseContentPath"] .chip input[type=hidden]')
    expect(chips).to_have_count(1)
    expect(chips).to_have_value(prefix)
    expect(entry).to_have_value("")
    page.get_by_label("Username").fill(reg.username or "")
    page.get_by_label("Password").fill(reg.password or "")
    assert reg.ca_file is not None
    page.get_by_label("Certificate — Upload file").set_input_files(reg.ca_file)
    cert = page.locator('[data-role="cert-info"]')
    expect(cert).to_be_visible()
    expect(cert).to_contain_text("chartyard-test-ca-htpasswd_tls")
    expect(cert).to_contain_text("Expires")
    # ECR-only fields stay hidden for a Basic registry.
    expect(page.get_by_label("Access key", exact=True)).to_be_hidden()

    page.get_by_role("button", name="Validate").click()
    expect(page.locator('[data-role="validate-ok"]')).to_contain_text("Connected")
    screenshot(page, "add-registry")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/settings/registries\?saved=harbor-tls"))


def _add_sync_off_registry(page: Page, reg: RegistryServer, prefix: str) -> None:
    page.get_by_role("link", name="+ Add New OCI Registry").click()
    page.get_by_label("Name", exact=True).fill("charts-nosync")
    page.get_by_label("Synchronization").uncheck()
    expect(page.get_by_label("Base Content Path", exact=True)).to_be_hidden()
    page.get_by_label("Endpoint").fill(f"{reg.url}/{prefix}")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"saved=charts-nosync"))
    row = page.locator('tr[data-name="charts-nosync"]')
    expect(row.locator(".pill-off")).to_have_text("Off")


def _chart_page(page: Page) -> None:
    page.get_by_role("link", name="Catalog").click()
    page.get_by_label("Search charts").fill("podinfo")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#catalog-results > li")).to_have_count(1)
    screenshot(page, "catalog")
    page.locator("#catalog-results").get_by_role("link", name="podinfo").click()
    title = page.get_by_role("heading", level=1, name=re.compile("podinfo"))
    expect(title).to_contain_text("6.5.0")
    expect(page.get_by_label("Version")).to_have_value("6.5.0")
    expect(page.locator("#maintainers")).to_contain_text("Stefan Prodan")
    expect(page.locator("#values-yaml")).to_contain_text("hello from podinfo")
    assert unlabelled_controls(page) == []
    screenshot(page, "catalog-chart")
    page.get_by_label("Version").select_option("6.4.0")
    expect(page).to_have_url(re.compile(r"version=6\.4\.0"))
    expect(title).to_contain_text("6.4.0")


def _build_profile(page: Page) -> None:
    page.get_by_role("link", name="Profiles").click()
    page.get_by_role("link", name="+ Add Cluster Profile").click()
    basics = page.locator('[data-step="1"]')
    basics.get_by_label("Name").fill("observability")
    expect(basics.get_by_label("Version")).to_have_value("1.0.0")
    basics.get_by_label("Description").fill("Podinfo and the Flux operator")
    expect(basics.get_by_label("Add-on")).to_be_checked()
    tags = basics.get_by_role("textbox", name="Tags")
    tags.fill("env:prod")
    tags.press("Enter")
    assert unlabelled_controls(page) == []
    page.get_by_role("button", name="Next: Profile layers").click()

    # Public Pack from the synced registry.
    page.get_by_role("button", name="+ Add Helm Chart").click()
    drawer = page.locator("#pack-drawer")
    expect(drawer.get_by_role("tab", name="Public Packs")).to_have_attribute("aria-selected",
                                                                               "true")
    expect(drawer.locator("#public-registry option")).to_have_text(["harbor-tls"])
    public = drawer.locator("#panel-public")
    public.get_by_label("Chart", exact=True).fill("podi")
    drawer.locator("#public-results").get_by_role("button", name=re.compile("podinfo")).click()
    expect(drawer.locator("#public-version option")).to_have_text(["6.5.0", "6.4.0"])
    expect(drawer.locator("#public-detail")).to_contain_text("podinfo 6.5.0")
    expect(public.get_by_label("Values", exact=True)).to_have_value(PODINFO_VALUES)
    public.get_by_label("Values", exact=True).fill(PODINFO_VALUES + "pack:\n  namespace: demo\n")
    screenshot(page, "add-helm-chart")
    drawer.get_by_role("button", name="Confirm").click()
    expect(drawer).to_be_hidden()

    # Private Pack from the registry with sync off; the Registry drop-down lists both.
    page.get_by_role("button", name="+ Add Helm Chart").click()
    drawer.get_by_role("tab", name="Private Packs").click()
    expect(drawer.locator("#private-registry option")).to_have_text(
        ["charts-nosync (sync off)", "harbor-tls"])
    private = drawer.locator("#panel-private")
    private.get_by_label("Registry").select_option(label="charts-nosync (sync off)")
    private.get_by_label("Chart name").fill("flux-operator")
    private.get_by_label("Version").fill("0.3.9")
    drawer.get_by_role("button", name="Confirm").click()
    expect(drawer.locator("#pack-error")).to_contain_text("PackNotFound")
    private.get_by_label("Version").fill("0.3.0")
    drawer.get_by_role("button", name="Confirm").click()
    expect(drawer).to_be_hidden()

    layers = page.locator("#wizard-layers > li")
    expect(layers).to_have_count(2)
    expect(layers.nth(0)).to_contain_text("podinfo")
    expect(layers.nth(1)).to_contain_text("flux-operator")
    expect(layers.nth(1)).to_contain_text("verified sha256:")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name=re.compile("observability"))).to_be_visible()


def _export_flux(page: Page, tmp_path: Path, prefix: str) -> None:
    layers = page.locator("#profile-layers > li")
    expect(layers).to_have_count(2)
    expect(layers.nth(0)).to_contain_text("namespace demo")
    expect(page.locator("#drift-warning")).to_have_count(0)
    screenshot(page, "profile")
    name, docs = download_yaml(page, page.get_by_role("link", name="Flux"), tmp_path)
    assert name == "observability-1.0.0-flux.yaml"
    releases = {d["spec"]["releaseName"]: d for d in docs if d["kind"] == "HelmRelease"}
    sources = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "OCIRepository"}
    assert set(releases) == {"podinfo", "flux-operator"}
    podinfo = releases["podinfo"]["spec"]
    assert podinfo["targetNamespace"] == "demo"
    assert podinfo["values"]["ui"]["message"] == "hello from podinfo"
    assert sources[podinfo["chartRef"]["name"]]["url"].endswith(f"/{prefix}/podinfo")
    assert sources[podinfo["chartRef"]["name"]]["ref"] == {"tag": "6.5.0"}
    flux_op = sources[releases["flux-operator"]["spec"]["chartRef"]["name"]]
    assert flux_op["url"].endswith(f"/{prefix}/flux-operator")
    assert flux_op["insecure"] is True  # the sync-off registry is plain HTTP


def _drift(page: Page, tls_registry: RegistryServer, prefix: str) -> None:
    with OciPusher.for_registry(tls_registry) as pusher:
        pusher.delete_tag(f"{prefix}/podinfo", "6.5.0")
    page.reload()
    expect(page.locator("#drift-warning")).to_be_visible()
    first = page.locator("#profile-layers > li").nth(0)
    expect(first.locator(".field-error")).to_contain_text("Drift")
    expect(page.locator("#profile-layers > li").nth(1).locator(".field-error")).to_have_count(0)


def test_journey(page: Page, server: ChartyardServer, tls_registry: RegistryServer,
                 plain_registry: RegistryServer, unique_repo_prefix: str,
                 tmp_path: Path) -> None:
    _push_charts(tls_registry, plain_registry, unique_repo_prefix)
    login(page, server)
    _add_tls_registry(page, tls_registry, unique_repo_prefix)

    row = page.locator('tr[data-name="harbor-tls"]')
    expect(row).to_have_attribute("data-status", "Completed", timeout=60_000)
    expect(row.locator('[data-role="status-badge"]')).to_have_text("Completed")
    expect(row.locator('[data-role="chart-count"]')).to_have_text("2")
    expect(row.locator('[data-role="last-synced"]')).not_to_have_text("never")

    _add_sync_off_registry(page, plain_registry, unique_repo_prefix)
    expect(page.locator('tr[data-name="charts-nosync"]')).to_have_attribute(
        "data-status", "Completed", timeout=60_000)
    screenshot(page, "registries")
    _chart_page(page)
    _build_profile(page)
    _export_flux(page, tmp_path, unique_repo_prefix)
    _drift(page, tls_registry, unique_repo_prefix)

"""The everyday flows in real Chromium against a live server and a real registry: the chart
page (sanitised README, dependencies, schema), version compare, editing a profile (versions,
values with YAML errors at their line, reorder, remove, add, save as a new version), upgrade
badges and "what would upgrading change?", Users and My API Keys."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Page, expect
from tests.harness.charts import build_chart, chart_yaml
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.web.conftest import (
    VIEWER_PASSWORD,
    create_user,
    login,
    screenshot,
    unlabelled_controls,
)

pytestmark = [pytest.mark.browser]

README = """# webapp

A small **web** application.

<script>window.__readmeXss = 1</script>
<img src=x onerror="window.__readmeXss = 2">

[docs](https://example.com/docs) · [bad](javascript:window.__readmeXss=3)

| key | default |
|-----|---------|
| replicaCount | 1 |
"""
SCHEMA = '{"$schema": "https://json-schema.org/draft-07/schema#", "type": "object"}'
VALUES = {
    "1.0.0": "replicaCount: 1\nimage:\n  tag: \"1.0\"\nlegacy:\n  enabled: true\n",
    "1.1.0": "replicaCount: 1\nimage:\n  tag: \"1.1\"\nlegacy:\n  enabled: true\n",
    "2.0.0": "replicaCount: 2\nimage:\n  tag: \"2.0\"\nservice:\n  port: 8080\n",
}
DEPENDENCIES = {
    "1.0.0": [{"name": "redis", "version": "17.0.0", "repository": "oci://registry/charts"}],
    "1.1.0": [{"name": "redis", "version": "17.0.0", "repository": "oci://registry/charts"}],
    "2.0.0": [{"name": "redis", "version": "18.1.0", "repository": "oci://registry/charts"}],
}


def _chart(name: str, version: str) -> bytes:
    meta = chart_yaml(name, version, app_version=version.rsplit(".", 1)[0],
                      description=f"{name}: a demo web application")
    files: dict[str, str | bytes] = {}
    if name == "webapp":
        meta["dependencies"] = DEPENDENCIES[version]
        meta["kubeVersion"] = ">=1.25.0" if version == "2.0.0" else ">=1.21.0"
        files = {"Chart.yaml": yaml.safe_dump(meta), "values.schema.json": SCHEMA}
    return build_chart(name, version, app_version=meta["appVersion"],
                       values=VALUES.get(version) if name == "webapp" else None,
                       readme=README if name == "webapp" else None, extra_files=files)


def _setup(server: ChartyardServer, reg: RegistryServer, prefix: str) -> dict[str, str]:
    """Push charts, add and sync the registry, and create a profile through the API."""
    with OciPusher.for_registry(reg) as pusher:
        for version in VALUES:
            pusher.push_chart(f"{prefix}/webapp", version, _chart("webapp", version))
        pusher.push_chart(f"{prefix}/cache", "0.1.0", _chart("cache", "0.1.0"))
        pusher.push_chart(f"{prefix}/gateway", "3.0.0", _chart("gateway", "3.0.0"))
    headers = {"Authorization": f"Bearer {server.token()}"}
    body = {"metadata": {"name": "flows"},
            "spec": {"endpoint": reg.url, "isSyncSupported": True, "baseContentPath": [prefix],
                     "auth": {"type": "noAuth"}}}
    r = httpx.post(f"{server.url}/v1/registries/oci/basic", json=body, headers=headers)
    assert r.status_code == 201, r.text
    registry_uid = r.json()["uid"]
    deadline = time.monotonic() + 60
    while True:
        status = httpx.get(f"{server.url}/v1/registries/oci/{registry_uid}/basic/sync/status",
                           headers=headers).json()
        if status["status"] == "Completed" and status["progress"]["chartVersions"] == 5:
            break
        assert status["status"] != "Failed" and time.monotonic() < deadline, status
        time.sleep(0.2)
    packs = [{"name": "webapp", "tag": "1.0.0", "registryUid": registry_uid,
              "values": "pack:\n  namespace: web\nreplicaCount: 3\nlegacy:\n  enabled: false\n"},
             {"name": "cache", "tag": "0.1.0", "registryUid": registry_uid, "values": ""}]
    profile = {"metadata": {"name": "storefront", "annotations": {"description": "web tier"}},
               "spec": {"version": "1.0.0", "template": {"type": "add-on", "packs": packs}}}
    r = httpx.post(f"{server.url}/v1/clusterprofiles", json=profile, headers=headers)
    assert r.status_code == 201, r.text
    return {"registry": registry_uid, "profile": r.json()["uid"]}


def _chart_page_and_compare(page: Page, server: ChartyardServer, uids: dict[str, str]) -> None:
    page.goto(f"{server.url}/catalog/{uids['registry']}/webapp")
    readme = page.locator("#readme .markdown")
    expect(readme.locator("strong")).to_have_text("web")
    expect(readme.locator("table td").first).to_have_text("replicaCount")
    expect(readme.get_by_role("link", name="docs")).to_have_attribute(
        "href", "https://example.com/docs")
    # Nothing from the chart's raw HTML reaches the page as markup, and nothing ran.
    assert readme.locator("script, img[src=x], a[href^=javascript]").count() == 0
    expect(readme).to_contain_text("<script>window.__readmeXss = 1</script>")
    assert page.evaluate("() => window.__readmeXss") is None
    expect(page.locator("#dependencies")).to_contain_text("redis")
    expect(page.locator("#dependencies")).to_contain_text("18.1.0")
    page.locator("#values-schema summary").click()
    expect(page.locator("#values-schema pre")).to_contain_text('"type": "object"')

    page.get_by_label("From").select_option("1.0.0")
    page.get_by_label("To", exact=True).select_option("2.0.0")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"/compare\?from=1.0.0&to=2.0.0"))
    changes = page.locator("#chart-changes")
    expect(changes).to_contain_text("appVersion")
    expect(changes).to_contain_text("kubeVersion")
    expect(changes).to_contain_text("dependencies.redis")
    expect(changes).to_contain_text("redis 18.1.0")
    diff = page.locator("#values-diff")
    expect(diff.locator("span.add", has_text="+replicaCount: 2")).to_have_count(1)
    expect(diff.locator("span.del", has_text="-legacy:")).to_have_count(1)
    assert unlabelled_controls(page) == []
    screenshot(page, "version-compare")


def _upgrade_badges(page: Page, server: ChartyardServer, uids: dict[str, str]) -> None:
    page.goto(f"{server.url}/profiles/{uids['profile']}")
    layers = page.locator("#profile-layers > li")
    webapp = layers.filter(has_text="webapp")
    expect(webapp.locator('[data-upgrade="same-major"]')).to_have_text(
        "Upgrade available: 1.1.0")
    expect(webapp.locator('[data-upgrade="newer-major"]')).to_have_text("New major: 2.0.0")
    expect(layers.filter(has_text="cache").locator("[data-upgrade]")).to_have_count(0)
    expect(layers.filter(has_text="cache").locator('[data-role="compare-pack"]')).to_have_count(0)
    expect(webapp.locator('[data-role="compare-pack"]')).to_have_attribute(
        "href", re.compile(r"/packs/0/compare\?version=1\.1\.0$"))
    webapp.locator('[data-upgrade="newer-major"]').click()
    expect(page.locator("#missing-overrides")).to_contain_text("legacy")
    expect(page.locator("#values-diff")).to_contain_text("+  port: 8080")
    page.get_by_label("Upgrade to").select_option("1.1.0")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#missing-overrides")).to_contain_text("still exists")


def _edit_profile(page: Page, server: ChartyardServer, uids: dict[str, str]) -> None:
    page.goto(f"{server.url}/profiles/{uids['profile']}")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Edit storefront"))).to_be_visible()
    assert unlabelled_controls(page) == []
    version = page.get_by_label("Version of webapp")
    expect(version.locator("option")).to_have_text(["2.0.0", "1.1.0", "1.0.0"])
    version.select_option("1.1.0")

    values = page.locator("textarea").first
    values.fill("pack:\n  namespace: web\nreplicaCount: [3\n")
    error = page.locator("#values_0-error")
    expect(error).to_contain_text("line 4")  # as you type
    expect(values).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Save 1.0.0").click()
    expect(page.locator("#edit-error")).to_contain_text("Some layers need attention")
    expect(page.locator("#values_0-error")).to_contain_text("line 4")  # and on save
    expect(page.get_by_label("Version of webapp")).to_have_value("1.1.0")  # kept
    screenshot(page, "profile-edit")
    page.locator("textarea").first.fill("pack:\n  namespace: web\nreplicaCount: 4\n")
    expect(page.locator("#values_0-error")).to_be_hidden()

    page.get_by_role("button", name="Move cache up").click()
    expect(page.locator("fieldset.editor-layer").first).to_have_attribute("data-layer", "cache")
    page.get_by_label("Chart", exact=True).fill("gateway")
    page.get_by_label("Version", exact=True).fill("3.0.0")
    page.get_by_label("New version").fill("1.1.0")
    page.get_by_role("button", name="Save as new version").click()

    expect(page.get_by_role("heading", name=re.compile("storefront"))).to_contain_text("1.1.0")
    layers = page.locator("#profile-layers > li")
    expect(layers).to_have_count(3)
    page.get_by_role("link", name="Edit", exact=True).click()
    names = page.locator("fieldset.editor-layer").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.layer)")
    assert names == ["cache", "webapp", "gateway"]
    expect(page.get_by_label("Version of webapp")).to_have_value("1.1.0")
    expect(page.locator("#values_1")).to_have_value("pack:\n  namespace: web\nreplicaCount: 4\n")
    page.locator('input[name="remove_0"]').check()
    page.get_by_role("button", name="Save 1.1.0").click()
    expect(page.locator("#profile-layers > li")).to_have_count(2)
    headers = {"Authorization": f"Bearer {server.token()}"}
    old = httpx.get(f"{server.url}/v1/clusterprofiles/{uids['profile']}?checkDrift=false",
                    headers=headers).json()
    old_packs: list[dict[str, Any]] = old["spec"]["template"]["packs"]
    assert [(p["name"], p["tag"]) for p in old_packs] == [("webapp", "1.0.0"),
                                                         ("cache", "0.1.0")]


def _users(page: Page, server: ChartyardServer) -> None:
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    assert unlabelled_controls(page) == []
    page.get_by_label("Username").fill("colleague")
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#users-error")).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Username")).to_have_value("colleague")
    page.get_by_label("Initial password").fill("Colleague-Pass-1")
    page.get_by_label("Role", exact=True).select_option("profile-editor")
    page.get_by_role("button", name="Add user").click()
    row = page.locator('tr[data-user="colleague"]')
    expect(row).to_contain_text("Active")
    expect(row.get_by_label("Role of colleague")).to_have_value("profile-editor")

    token = server.token("colleague", "Colleague-Pass-1")
    key = httpx.post(f"{server.url}/v1/apikeys", json={"name": "laptop"},
                     headers={"Authorization": f"Bearer {token}"}).json()["key"]
    row.get_by_label("Role of colleague").select_option("viewer")
    row.get_by_role("button", name="Change").click()
    expect(page.locator("#users-notice")).to_contain_text("colleague is now viewer")
    screenshot(page, "users")

    page.locator('tr[data-user="colleague"]').get_by_role("button", name="Disable").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Disable").click()
    expect(page.locator("#users-notice")).to_contain_text("sessions and API keys were revoked")
    expect(page.locator('tr[data-user="colleague"]')).to_contain_text("Disabled")
    # Right after: the old session token and API key fail.
    me = f"{server.url}/v1/users/me"
    assert httpx.get(me, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert httpx.get(me, headers={"ApiKey": key}).status_code == 401
    audit = httpx.get(f"{server.url}/v1/audit",
                      headers={"Authorization": f"Bearer {server.token()}"}).json()["items"]
    actions = [e["action"] for e in audit if e["targetName"] == "colleague"]
    assert actions[:3] == ["user.disable", "user.role", "user.create"]


def _api_keys(page: Page, server: ChartyardServer) -> None:
    page.get_by_role("link", name="My API Keys").click()
    expect(page.get_by_role("heading", name="My API Keys")).to_be_visible()
    page.get_by_label("Name").fill("ci-pipeline")
    page.get_by_role("button", name="Create API key").click()
    shown = page.locator("#new-key")
    expect(shown).to_have_text(re.compile(r"^cy_"))
    key = shown.inner_text().strip()
    expect(page.locator("#new-key-card").get_by_role("button", name="Copy")).to_be_visible()
    me = httpx.get(f"{server.url}/v1/users/me", headers={"ApiKey": key})
    assert me.status_code == 200 and me.json()["username"] == "admin"
    page.goto(f"{server.url}/settings/apikeys")
    expect(page.locator("#new-key")).to_have_count(0)  # shown once
    row = page.locator('tr[data-key="ci-pipeline"]')
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator('tr[data-key="ci-pipeline"]')).to_contain_text("Revoked")
    assert httpx.get(f"{server.url}/v1/users/me", headers={"ApiKey": key}).status_code == 401


def test_everyday_flows(page: Page, server: ChartyardServer, plain_registry: RegistryServer,
                        unique_repo_prefix: str) -> None:
    uids = _setup(server, plain_registry, unique_repo_prefix)
    login(page, server)
    _chart_page_and_compare(page, server, uids)
    _upgrade_badges(page, server, uids)
    _edit_profile(page, server, uids)
    _users(page, server)
    _api_keys(page, server)


def test_viewer_cannot_edit_profiles_or_manage_users(page: Page, server: ChartyardServer) -> None:
    headers = {"Authorization": f"Bearer {server.token()}"}
    r = httpx.post(f"{server.url}/v1/clusterprofiles", headers=headers, json={
        "metadata": {"name": "readonly"}, "spec": {"version": "1.0.0"}})
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    create_user(server, "vic", VIEWER_PASSWORD, "viewer")
    login(page, server, "vic", VIEWER_PASSWORD)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    expect(page.get_by_role("link", name="My API Keys")).to_be_visible()
    page.goto(f"{server.url}/profiles/{uid}")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    for path in (f"/profiles/{uid}/edit", "/settings/users"):
        page.goto(f"{server.url}{path}")
        expect(page.locator("main")).to_contain_text("Forbidden")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    for path in (f"/profiles/{uid}/edit", "/settings/users"):
        r2 = page.request.post(f"{server.url}{path}", max_redirects=0, form={
            "csrf_token": token, "layers": "0", "username": "x", "password": "Long-enough-1"})
        assert r2.status == 403, (path, r2.status)
    # `chartyard admin create-user` is audited too.
    audit = httpx.get(f"{server.url}/v1/audit", headers=headers).json()["items"]
    assert any(e["action"] == "user.create" and e["targetName"] == "vic" for e in audit)

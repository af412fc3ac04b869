"""The values editor in real Chromium: a schema violation typed into a layer's values shows
at its line with its pointer, the schema's descriptions and defaults show as hints, keys
complete from the schema, and publishing a violating profile shows the pointer."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import push
from tests.profiles.test_subchart_values import SUB_SCHEMA, umbrella_files
from tests.web.conftest import login, schema_chart_registry

pytestmark = [pytest.mark.browser]


def _setup(server: ChartyardServer, reg: RegistryServer, prefix: str) -> str:
    registry_uid = schema_chart_registry(server, reg, prefix, "schemas")
    headers = {"Authorization": f"Bearer {server.token()}"}
    values = "replicaCount: {{.spectro.var.replicas}}\nimage:\n  tag: stable\n"
    r = httpx.post(f"{server.url}/v1/clusterprofiles", headers=headers, json={
        "metadata": {"name": "typed"},
        "spec": {"template": {"type": "add-on", "packs": [
            {"name": "web", "tag": "1.0.0", "registryUid": registry_uid, "values": values}]},
                 "variables": [{"name": "replicas", "format": "number", "defaultValue": "2"}]}})
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def test_schema_errors_show_at_their_line_as_you_type(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer,
        unique_repo_prefix: str) -> None:
    uid = _setup(server, plain_registry, unique_repo_prefix)
    login(page, server)
    page.goto(f"{server.url}/profiles/{uid}/edit")
    values = page.locator("#values_0")
    errors = page.locator("#values_0-schema")
    expect(values).to_have_attribute("data-schema-errors", "0")  # checked on load
    expect(errors).to_be_hidden()

    # Type a violating value: a number where the schema wants a string, on line 3.
    values.click()
    page.keyboard.press("Control+End")
    for _ in "stable\n":
        page.keyboard.press("Backspace")
    page.keyboard.type("1.25", delay=20)
    expect(errors.locator("li")).to_have_count(1)
    item = errors.locator("li").first
    expect(item).to_have_attribute("data-line", "3")
    expect(item).to_have_attribute("data-pointer", "/image/tag")
    expect(item).to_contain_text("Line 3 · /image/tag: expected string, got number")
    expect(values).to_have_attribute("aria-invalid", "true")

    # Hints and completion come from the schema where the cursor is.
    values.fill("replicaCount: {{.spectro.var.replicas}}\n")
    values.press("Control+Home")
    values.press("End")
    expect(page.locator("#values_0-hint")).to_contain_text("Pods to run.")
    expect(page.locator("#values_0-hint")).to_contain_text("default: 1")
    keys = page.locator("#values_0-hint + .schema-keys button")
    expect(keys).to_have_text(["image", "host"])
    keys.filter(has_text="host").click()
    page.keyboard.type("10.0.0", delay=20)
    expect(errors.locator("li")).to_have_count(1)
    expect(errors.locator("li").first).to_contain_text("Line 2 · /host")

    # Saving that is refused with the pointer; fixing it clears the errors.
    page.get_by_role("button", name="Save 1.0.0").click()
    expect(page.locator("#edit-error")).to_contain_text("'/host'")
    values = page.locator("#values_0")
    values.fill("replicaCount: {{.spectro.var.replicas}}\nhost: 10.0.0.1\n")
    expect(page.locator("#values_0-schema")).to_be_hidden()
    page.get_by_role("button", name="Save 1.0.0").click()
    expect(page).to_have_url(f"{server.url}/profiles/{uid}")

    # A variable changed behind the editor's back: publishing shows the pointer.
    headers = {"Authorization": f"Bearer {server.token()}"}
    r = httpx.patch(f"{server.url}/v1/clusterprofiles/{uid}/variables", headers=headers,
                    json={"variables": [{"name": "replicas", "format": "number",
                                         "defaultValue": "0"}]})
    assert r.status_code == 204, r.text
    page.get_by_role("button", name="Publish").first.click()
    expect(page.locator("body")).to_contain_text("'/replicaCount'")


def test_a_subchart_schema_checks_and_hints_as_you_type(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer,
        unique_repo_prefix: str) -> None:
    prefix = unique_repo_prefix
    push(plain_registry, f"{prefix}/app", "1.0.0", values="replicaCount: 1\n",
         extra_files=umbrella_files({"sub": SUB_SCHEMA}))
    headers = {"Authorization": f"Bearer {server.token()}"}
    r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=headers, json={
        "metadata": {"name": "umbrellas"},
        "spec": {"endpoint": plain_registry.url, "isSyncSupported": True,
                 "baseContentPath": [prefix], "auth": {"type": "noAuth"}}})
    assert r.status_code == 201, r.text
    registry_uid = r.json()["uid"]
    wait_for(lambda: httpx.get(f"{server.url}/v1/packs/app/registries/{registry_uid}",
                               headers=headers).status_code == 200, 60, "the registry's sync")
    r = httpx.post(f"{server.url}/v1/clusterprofiles", headers=headers, json={
        "metadata": {"name": "umbrella"},
        "spec": {"template": {"type": "add-on", "packs": [
            {"name": "app", "tag": "1.0.0", "registryUid": registry_uid,
             "values": "replicaCount: 2\n"}]}}})
    assert r.status_code == 201, r.text
    login(page, server)
    page.goto(f"{server.url}/profiles/{r.json()['uid']}/edit")
    values = page.locator("#values_0")
    expect(values).to_have_attribute("data-schema-errors", "0")

    # The subchart's key is offered at the top, from the subchart's own schema.
    values.press("Control+Home")
    values.press("End")
    keys = page.locator("#values_0-hint + .schema-keys button")
    expect(keys.filter(has_text="sub")).to_have_count(1)

    # A value the subchart's schema refuses shows at its line, with the subchart named.
    values.fill("replicaCount: 2\nsub:\n  image:\n    tag: 1.25\n")
    errors = page.locator("#values_0-schema li")
    expect(errors).to_have_count(1)
    expect(errors.first).to_have_attribute("data-pointer", "/sub/image/tag")
    expect(errors.first).to_contain_text("Line 4 · /sub/image/tag: subchart sub: expected "
                                         "string, got number")

"""A profile's variables in real Chromium: listed on its page (a sensitive default never in
the HTML), and GitOps exports that ask their values in a form, show each error where it
belongs (variable rules at their input, the chart schema's by pointer) and download YAML
with the values substituted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.registry import RegistryServer
from tests.web.conftest import (
    download_yaml,
    login,
    schema_chart_registry,
    screenshot,
    unlabelled_controls,
)

pytestmark = [pytest.mark.browser]

STORED = "stored-Sensitive-Default-51e0"
TYPED = "typed-Sensitive-Value-77aa"
VALUES = ("replicaCount: {{.spectro.var.replicas}}\nimage:\n  tag: {{.spectro.var.tier}}\n"
          "podAnnotations:\n  token: \"{{.spectro.var.token}}\"\n")


def _registry(server: ChartyardServer, reg: RegistryServer, prefix: str) -> str:
    return schema_chart_registry(server, reg, prefix, f"vars-{prefix}")


def _profile(server: ChartyardServer, registry_uid: str, name: str, values: str,
             variables: list[dict[str, Any]]) -> str:
    r = httpx.post(f"{server.url}/v1/clusterprofiles",
                   headers={"Authorization": f"Bearer {server.token()}"}, json={
        "metadata": {"name": name},
        "spec": {"version": "1.0.0", "template": {"type": "add-on", "packs": [
            {"name": "web", "tag": "1.0.0", "registryUid": registry_uid, "values": values}]},
                 "variables": variables}})
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def _download(page: Page, tmp_path: Path) -> tuple[str, list[dict[str, Any]]]:
    return download_yaml(page, page.get_by_role("button", name="Download"), tmp_path)


def test_variables_are_listed_and_exports_ask_their_values(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer,
        unique_repo_prefix: str, tmp_path: Path) -> None:
    registry_uid = _registry(server, plain_registry, unique_repo_prefix)
    uid = _profile(server, registry_uid, "typed-vars", VALUES, [
        {"name": "replicas", "displayName": "Replicas", "format": "number", "required": True},
        {"name": "tier", "description": "Image tag to run.", "defaultValue": "gold"},
        {"name": "token", "isSensitive": True, "defaultValue": STORED}])
    login(page, server)
    page.goto(f"{server.url}/profiles/{uid}")

    # The card lists the three; the stored sensitive default is nowhere in the page.
    card = page.locator("#variables-card")
    expect(card.locator("li[data-variable]")).to_have_count(3)
    expect(card.locator("li[data-variable='replicas']")).to_contain_text("required")
    expect(card.locator("li[data-variable='tier'] [data-role=default]")).to_contain_text("gold")
    expect(card.locator("li[data-variable='token']")).to_contain_text("sensitive")
    expect(card.locator("li[data-variable='token'] [data-role=default]")).to_contain_text(
        "set, hidden")
    assert STORED not in page.content()
    screenshot(page, "profile-variables")

    # Export → Flux opens the form: defaults prefilled, the sensitive input empty.
    page.get_by_role("link", name="Flux").click()
    expect(page.get_by_role("heading", name="Export typed-vars")).to_be_visible()
    assert unlabelled_controls(page) == []
    replicas = page.get_by_label("Replicas")
    tier = page.get_by_label("tier")
    token = page.get_by_label("token")
    expect(replicas).to_have_attribute("required", "")
    expect(tier).to_have_value("gold")
    expect(token).to_have_attribute("type", "password")
    expect(token).to_have_value("")
    assert STORED not in page.content()

    # Nothing typed: each missing value is reported at its input.
    page.get_by_role("button", name="Download").click()
    error = page.locator("#var-replicas-error")
    expect(error).to_contain_text("give a value for replicas")
    expect(page.get_by_label("Replicas")).to_have_attribute("aria-describedby",
                                                            "var-replicas-help var-replicas-error")
    expect(page.locator("#var-token-error")).to_contain_text("sensitive")

    # A value breaking the variable's format; the typed values are kept, the secret is not.
    page.get_by_label("Replicas").fill("three")
    page.get_by_label("tier").fill("silver")
    page.get_by_label("token").fill(TYPED)
    page.get_by_role("button", name="Download").click()
    expect(page.locator("#var-replicas-error")).to_contain_text("must be a number")
    expect(page.get_by_label("Replicas")).to_have_value("three")
    expect(page.get_by_label("tier")).to_have_value("silver")
    expect(page.get_by_label("token")).to_have_value("")
    expect(page.locator("#var-token-error")).to_have_count(0)
    assert TYPED not in page.content() and STORED not in page.content()

    # A number the variable accepts and the chart's schema refuses (an integer field).
    page.get_by_label("Replicas").fill("2.5")
    page.get_by_label("token").fill(TYPED)
    page.get_by_role("button", name="Download").click()
    schema = page.locator("#schema-errors li")
    expect(schema).to_have_count(1)
    expect(schema.first).to_have_attribute("data-pointer", "/replicaCount")
    expect(schema.first).to_contain_text("spec.template.packs[0].values")
    expect(page.locator("#var-replicas-error")).to_have_count(0)
    assert TYPED not in page.content()
    screenshot(page, "profile-export-form")

    # Valid values: the download holds them, substituted.
    page.get_by_label("Replicas").fill("3")
    page.get_by_label("token").fill(TYPED)
    filename, docs = _download(page, tmp_path)
    assert filename == "typed-vars-1.0.0-flux.yaml"
    release = next(d for d in docs if d["kind"] == "HelmRelease")["spec"]["values"]
    assert release["replicaCount"] == 3
    assert release["image"]["tag"] == "silver"
    assert release["podAnnotations"]["token"] == TYPED

    # Argo CD, from the profile page again, with the defaults as they are.
    page.goto(f"{server.url}/profiles/{uid}")
    page.get_by_role("link", name="Argo CD").click()
    page.get_by_label("Replicas").fill("3")
    page.get_by_label("token").fill(TYPED)
    filename, docs = _download(page, tmp_path)
    assert filename == "typed-vars-1.0.0-argocd.yaml"
    app = next(d for d in docs if d["kind"] == "Application")
    helm = app["spec"]["source"]["helm"]["valuesObject"]
    assert helm["replicaCount"] == 3
    assert helm["image"]["tag"] == "gold"


def test_a_profile_without_variables_downloads_from_the_button(
        page: Page, server: ChartyardServer, plain_registry: RegistryServer,
        unique_repo_prefix: str, tmp_path: Path) -> None:
    registry_uid = _registry(server, plain_registry, unique_repo_prefix)
    uid = _profile(server, registry_uid, "no-vars", "replicaCount: 2\n", [])
    login(page, server)
    page.goto(f"{server.url}/profiles/{uid}")
    expect(page.locator("#variables-card")).to_have_count(0)
    name, docs = download_yaml(page, page.get_by_role("link", name="Flux"), tmp_path)
    assert name == "no-vars-1.0.0-flux.yaml"
    assert next(d for d in docs if d["kind"] == "HelmRelease")["spec"]["values"] == {
        "replicaCount": 2}

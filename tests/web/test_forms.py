"""Sign-in and registry form behaviour in real Chromium: errors next to fields, ECR guidance."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.web.conftest import login

pytestmark = [pytest.mark.browser]


def test_wrong_login_password_shows_the_error_on_the_form(page: Page,
                                                          server: ChartyardServer) -> None:
    page.goto(f"{server.url}/settings/registries")
    expect(page).to_have_url(re.compile(r"/login\?next=/settings/registries$"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_label("Password").press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Unauthorized")
    expect(alert).to_contain_text("invalid username or password")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Username")).to_have_value("admin")


def test_wrong_registry_password_shows_authentication_failed_next_to_it(
        page: Page, server: ChartyardServer, tls_registry: RegistryServer,
        unique_repo_prefix: str) -> None:
    with OciPusher.for_registry(tls_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/nginx", "1.0.0", build_chart("nginx", "1.0.0"))
    login(page, server)
    page.goto(f"{server.url}/settings/registries/new")
    page.get_by_label("Name", exact=True).fill("wrong-password")
    page.get_by_label("Endpoint").fill(tls_registry.url)
    paths = page.get_by_label("Base Content Path", exact=True)
    for path in ("to-remove", unique_repo_prefix):
        paths.fill(path)
        paths.press("Enter")
    page.get_by_role("button", name="Remove to-remove").click()
    expect(page.locator('[data-chips="baseContentPath"] input[type=hidden]')).to_have_count(1)
    expect(paths).to_be_focused()
    page.get_by_label("Username").fill(tls_registry.username or "")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_text("Paste PEM instead").click()
    page.get_by_label("CA certificate (PEM)").fill(tls_registry.ca_pem or "")
    page.get_by_label("CA certificate (PEM)").blur()
    expect(page.locator('[data-role="cert-info"]')).to_contain_text("chartyard-test-ca")

    page.get_by_role("button", name="Validate").click()
    error = page.locator('[data-error-for="password"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("AuthenticationFailed")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.locator("#form-result")).to_contain_text("AuthenticationFailed")

    # Confirm validates first, so nothing is saved with the wrong password.
    page.get_by_role("button", name="Confirm").click()
    expect(error).to_contain_text("AuthenticationFailed")
    expect(page).to_have_url(re.compile(r"/settings/registries/new$"))

    page.get_by_label("Password").fill(tls_registry.password or "")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator('[data-role="validate-ok"]')).to_be_visible()
    expect(error).to_be_hidden()


def test_ecr_fields_notice_and_missing_aws_identity(page: Page,
                                                   server: ChartyardServer) -> None:
    login(page, server)
    page.goto(f"{server.url}/settings/registries/new")
    page.get_by_text("ECR", exact=True).click()
    expect(page.get_by_label("Username")).to_be_hidden()
    expect(page.get_by_label("Access key", exact=True)).to_be_visible()

    endpoint = page.get_by_label("Endpoint")
    endpoint.fill("https://123456789012.dkr.ecr.us-west-2.amazonaws.com/")
    endpoint.press("Tab")
    expect(endpoint).to_have_value("123456789012.dkr.ecr.us-west-2.amazonaws.com")
    expect(page.locator('[data-role="endpoint-notice"]')).to_contain_text("https:// was removed")

    page.get_by_text("STS", exact=True).click()
    expect(page.get_by_label("Access key", exact=True)).to_be_hidden()
    opener = page.get_by_role("button", name="Trust policy & permissions")
    opener.click()
    drawer = page.get_by_role("dialog", name="Trust relationship and permissions")
    expect(drawer).to_be_visible()
    # This server has no AWS identity of its own: the drawer says so instead of failing.
    expect(drawer.locator('[data-role="sts-error"]')).to_contain_text("AwsIdentityUnavailable")
    expect(drawer.locator('[data-role="sts-account"]')).to_have_text("unknown")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(opener).to_be_focused()

    page.get_by_label("Name", exact=True).fill("ecr-prod")
    page.get_by_label("ARN").fill("not-an-arn")
    page.get_by_label("Synchronization").uncheck()
    page.get_by_role("button", name="Confirm").click()
    error = page.locator('[data-error-for="stsArn"]')
    expect(error).to_contain_text("ValidationError")
    expect(error).to_contain_text("IAM role ARN")

    page.get_by_label("Enable Authentication").uncheck()
    expect(page.get_by_label("ARN")).to_be_hidden()

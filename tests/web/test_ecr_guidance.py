"""The ECR guidance of the registry form when the server has an AWS identity (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.moto_server import MotoServer
from tests.web.conftest import ADMIN_PASSWORD, NO_AWS_IDENTITY, login

pytestmark = [pytest.mark.browser]

MOTO_ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartyardServer]:
    """A server whose own AWS identity is moto's account."""
    moto = MotoServer(log_dir=tmp_path_factory.mktemp("moto-web"))
    env = {**NO_AWS_IDENTITY, "AWS_ENDPOINT_URL": moto.url,
           "AWS_ACCESS_KEY_ID": "AKIAWEBTEST0000001", "AWS_SECRET_ACCESS_KEY": "web-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}
    srv = ChartyardServer(tmp_path_factory.mktemp("web-aws"), admin_password=ADMIN_PASSWORD,
                          extra_env=env)
    try:
        yield srv
    finally:
        srv.close()
        moto.stop()


def test_sts_drawer_shows_trust_and_permission_policies(page: Page,
                                                        server: ChartyardServer) -> None:
    login(page, server)
    page.goto(f"{server.url}/settings/registries/new?kind=ecr")
    expect(page.get_by_label("ECR", exact=True)).to_be_checked()
    endpoint = page.get_by_label("Endpoint")
    endpoint.fill("210987654321.dkr.ecr.eu-central-1.amazonaws.com")
    endpoint.press("Tab")
    expect(page.locator('[data-role="s3-hint"]')).to_contain_text(
        "prod-eu-central-1-starport-layer-bucket.s3.eu-central-1.amazonaws.com")

    page.get_by_text("STS", exact=True).click()
    page.get_by_role("button", name="Trust policy & permissions").click()
    drawer = page.get_by_role("dialog", name="Trust relationship and permissions")
    expect(drawer.locator('[data-role="sts-account"]')).to_have_text(MOTO_ACCOUNT)
    expect(drawer.locator('[data-role="sts-error"]')).to_be_hidden()
    expect(drawer.locator("#trust-policy")).to_contain_text("sts:ExternalId")
    trust = json.loads(drawer.locator("#trust-policy").inner_text())
    statement = trust["Statement"][0]
    assert statement["Principal"]["AWS"] == f"arn:aws:iam::{MOTO_ACCOUNT}:root"
    external_id = drawer.locator('[data-role="sts-external-id"]').inner_text()
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == external_id
    iam = json.loads(drawer.locator("#iam-policy").inner_text())
    actions = {a for s in iam["Statement"] for a in s["Action"]}
    assert "ecr:ListImages" in actions
    copy = drawer.locator('[data-copy="trust-policy"]')
    copy.click()
    expect(copy).to_have_text("Copied")

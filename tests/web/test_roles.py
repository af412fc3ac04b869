"""Roles in the UI: viewers see no write controls, and the server refuses their writes anyway."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.registry import RegistryServer
from tests.web.conftest import VIEWER_PASSWORD, create_user, login

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def registry_uid(server: ChartyardServer, plain_registry: RegistryServer) -> str:
    """A registry created by the admin through the API."""
    r = httpx.post(f"{server.url}/v1/registries/oci/basic",
                   params={"skipValidation": "true"},
                   json=basic_body("shared-registry", plain_registry.url),
                   headers={"Authorization": f"Bearer {server.token()}"})
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def test_viewer_sees_no_write_controls_and_cannot_write(page: Page, server: ChartyardServer,
                                                        registry_uid: str) -> None:
    create_user(server, "vera", VIEWER_PASSWORD, "viewer")
    login(page, server, "vera", VIEWER_PASSWORD)
    expect(page.locator("tr[data-name='shared-registry']")).to_be_visible()
    expect(page.get_by_role("link", name="+ Add New OCI Registry")).to_have_count(0)
    expect(page.get_by_role("button", name="Actions for shared-registry")).to_have_count(0)
    expect(page.get_by_text("viewer", exact=True)).to_be_visible()

    page.get_by_role("link", name="Profiles").click()
    expect(page.get_by_role("heading", name="Profiles", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="+ Add Cluster Profile")).to_have_count(0)

    # Typing the URL does not help: the server checks the role.
    page.goto(f"{server.url}/settings/registries/new")
    expect(page.locator("main")).to_contain_text("Forbidden")
    page.goto(f"{server.url}/profiles/new")
    expect(page.locator("main")).to_contain_text("Forbidden")

    # Nor does posting with a valid CSRF token from the viewer's own session.
    page.goto(f"{server.url}/settings/registries")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    for path in (f"/settings/registries/{registry_uid}/delete",
                 f"/settings/registries/{registry_uid}/sync"):
        r = page.request.post(f"{server.url}{path}", form={"csrf_token": token},
                              max_redirects=0)
        assert r.status == 403, (path, r.status)
    r = page.request.post(f"{server.url}/profiles/new", headers={"X-CSRF-Token": token},
                          data={"metadata": {"name": "sneaky"}}, max_redirects=0)
    assert r.status == 403
    page.reload()
    expect(page.locator("tr[data-name='shared-registry']")).to_be_visible()


def test_admin_sees_row_menu_and_deletes_after_confirming(page: Page,
                                                          server: ChartyardServer,
                                                          registry_uid: str) -> None:
    login(page, server)
    row = page.locator("tr[data-name='shared-registry']")
    menu = row.get_by_role("button", name="Actions for shared-registry")
    menu.focus()
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name="Synchronize")).to_be_visible()
    expect(row.get_by_role("link", name="Edit")).to_be_visible()
    # Synchronize: the row goes back to Pending and completes a new run.
    expect(row).to_have_attribute("data-status", "Completed")
    last = row.locator('[data-role="last-synced"]')
    before = last.get_attribute("datetime") or ""
    row.get_by_role("button", name="Synchronize").click()
    expect(last).not_to_have_attribute("datetime", before)
    expect(row).to_have_attribute("data-status", "Completed")

    # Edit: prefilled, the kind is fixed, and saving keeps the settings.
    menu.click()
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit OCI Registry shared-registry")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("shared-registry")
    expect(page.get_by_label("ECR", exact=True)).to_be_disabled()
    expect(page.get_by_label("Synchronization")).not_to_be_checked()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Registry shared-registry saved")

    menu.click()
    row.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete registry “shared-registry”?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_be_visible()

    row.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Registry shared-registry deleted")
    expect(page.locator("tr[data-name='shared-registry']")).to_have_count(0)

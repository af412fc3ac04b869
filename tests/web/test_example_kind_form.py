"""The example third kind's form in Chromium: its declared input, shared sections, errors.

The kind is registered before an in-process app is built and served by uvicorn on a thread,
because `chartyard serve` (the `server` fixture) cannot load a kind kept in the tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Page, expect
from tests.harness.app import ADMIN_PASSWORD
from tests.harness.registry import RegistryServer
from tests.registries.test_example_kind import KIND, _rebuild

from chartyard.app import create_app
from chartyard.registries.kinds import register_kind
from chartyard.settings import Settings

pytestmark = [pytest.mark.browser]


@pytest.fixture
def example_url(settings: Settings) -> Iterator[str]:
    """Serve an app that has the example kind, on a free loopback port."""
    unregister = register_kind(KIND)
    _rebuild()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:  # wait for the condition, bounded
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
        unregister()
        _rebuild()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_example_kinds_declared_input_shows_errors_and_saves(
        page: Page, example_url: str, plain_registry: RegistryServer) -> None:
    page.goto(f"{example_url}/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Registries", exact=True)).to_be_visible()

    page.goto(f"{example_url}/settings/registries/new")
    upstream = page.get_by_label("Upstream registry")
    expect(upstream).to_be_hidden()  # Basic is chosen
    page.locator('label[for="kind-pullthrough"]').click()  # a segmented control
    expect(upstream).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()  # the Basic section, shared
    # Relabelled: the accessible name is the shown label only.
    expect(page.get_by_role("textbox", name="Cache endpoint", exact=True)).to_be_visible()
    expect(page.locator("#repositoriesEntry")).to_be_hidden()  # hidden for this kind
    page.locator('label[for="kind-ecr"]').click()
    expect(upstream).to_be_hidden()
    expect(page.get_by_label("Username")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Endpoint", exact=True)).to_be_visible()
    expect(page.locator("#repositoriesEntry")).to_be_visible()
    page.locator('label[for="kind-pullthrough"]').click()  # a segmented control

    page.get_by_label("Name", exact=True).fill("cache")
    page.get_by_label("Endpoint").fill(plain_registry.url)
    page.get_by_label("Synchronization").uncheck()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#err-upstream")).to_contain_text("spec.upstream is required")
    expect(upstream).to_have_attribute("aria-invalid", "true")
    expect(upstream).to_be_focused()

    upstream.fill("docker.io")
    page.get_by_role("button", name="Confirm").click()
    row = page.locator('tr[data-name="cache"]')
    expect(row).to_contain_text("Pull-through · OCI")

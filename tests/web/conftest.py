"""Browser fixtures: Debian's Chromium through pytest-playwright, and a live chartyard server.

Never run `playwright install`: the browser is the apt-installed `/usr/bin/chromium`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Locator, Page, expect
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.components import REPO_ROOT, MissingComponent
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer
from tests.profiles.test_values_checks import WEB_SCHEMA, WEB_VALUES

CHROMIUM = Path("/usr/bin/chromium")
ADMIN_PASSWORD = "admin-Web-Secret-1"
VIEWER_PASSWORD = "viewer-Web-Secret-1"
# The journey's screenshots go to test-artifacts/; CHARTYARD_UPDATE_DOCS=1 refreshes docs/.
SCREENSHOTS = REPO_ROOT / (
    "docs/screenshots" if os.environ.get("CHARTYARD_UPDATE_DOCS") == "1"
    else "test-artifacts/screenshots")
# The server runs without any AWS identity, whatever the machine has configured.
NO_AWS_IDENTITY = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "",
                   "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
                   "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium; fail (never skip) when it is missing."""
    if not CHROMIUM.exists():
        raise MissingComponent("chromium", f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Use a desktop-sized viewport, so screenshots show the product as people see it."""
    return {**browser_context_args, "viewport": {"width": 1360, "height": 900},
            "accept_downloads": True}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replace pytest-playwright's fallback `base_url` (a method fixture pytest 9 warns about)."""
    return None


@pytest.fixture(autouse=True)
def _expect_timeout() -> None:
    """Give assertions room on a loaded 2-core CI machine (they return as soon as they hold)."""
    expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartyardServer]:
    """A real `chartyard serve` (embedded worker) on SQLite, one per test module."""
    srv = ChartyardServer(tmp_path_factory.mktemp("web-server"), admin_password=ADMIN_PASSWORD,
                          extra_env=NO_AWS_IDENTITY)
    try:
        yield srv
    finally:
        srv.close()


def create_user(server: ChartyardServer, username: str, password: str, role: str) -> None:
    """Create a user through the real `chartyard admin create-user` command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    env["CHARTYARD_DATA_DIR"] = str(server.data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "chartyard", "admin", "create-user", username,
         "--role", role, "--password-stdin"],
        input=password + "\n", env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr + done.stdout


def login(page: Page, server: ChartyardServer, username: str = "admin",
          password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the login form and land on the registries page."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Registries", exact=True)).to_be_visible()


def unlabelled_controls(page: Page) -> list[str]:
    """Return the visible form controls of the page that have no label."""
    found: list[str] = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')]
        .filter((n) => !(n.labels && n.labels.length) && !n.getAttribute('aria-label')
                       && !n.getAttribute('aria-labelledby'))
        .map((n) => n.outerHTML.slice(0, 120))""")
    return found


def screenshot(page: Page, name: str) -> None:
    """Check the page fits the window's width, then save a full-page screenshot for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1360, "height": 900}
    overflow: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the window"
    height: int = page.evaluate("() => document.documentElement.scrollHeight")
    # A viewport as tall as the page renders the full-height sidebar properly.
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    finally:
        page.set_viewport_size(size)


def download_yaml(page: Page, control: Locator, tmp_path: Path,
                  ) -> tuple[str, list[dict[str, Any]]]:
    """Click a download control; return the file's suggested name and its YAML documents."""
    with page.expect_download() as info:
        control.click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, [d for d in yaml.safe_load_all(path.read_text()) if d]


def schema_chart_registry(server: ChartyardServer, reg: RegistryServer, prefix: str,
                          name: str) -> str:
    """Push chart `web` (an integer `replicaCount` in its schema), add the registry, wait
    for its sync, and return the registry's uid."""
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_chart(f"{prefix}/web", "1.0.0", build_chart(
            "web", "1.0.0", values=WEB_VALUES, extra_files={"values.schema.json": WEB_SCHEMA}))
    headers = {"Authorization": f"Bearer {server.token()}"}
    r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=headers, json={
        "metadata": {"name": name},
        "spec": {"endpoint": reg.url, "isSyncSupported": True, "baseContentPath": [prefix],
                 "auth": {"type": "noAuth"}}})
    assert r.status_code == 201, r.text
    uid = str(r.json()["uid"])
    wait_for(lambda: httpx.get(f"{server.url}/v1/packs/web/registries/{uid}",
                               headers=headers).status_code == 200, 60, "the registry's sync")
    return uid

"""Session fixtures for the real-component harness (see tests/harness/).

Real registries, helm and PostgreSQL are started lazily, once per session, on
127.0.0.1. A missing component fails the test with an install hint; it is
never a skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.charts import build_chart
from tests.harness.components import (
    COMPONENT_NAMES,
    INSTALL_HINT,
    MissingComponent,
    find_docker_registry,
    find_helm,
    find_helm3,
    find_image_tools,
    find_pg_bin,
)
from tests.harness.helm import Helm
from tests.harness.nginx import DEFAULT_PASSWORD as NGINX_PASSWORD
from tests.harness.nginx import DEFAULT_USER as NGINX_USER
from tests.harness.nginx import NginxServer
from tests.harness.postgres import PostgresServer
from tests.harness.registry import Mode, RegistryServer
from tests.harness.token_server import TokenPolicy

pytest_plugins = ["tests.harness.app"]

TOKEN_USER = "alice"
TOKEN_PASSWORD = "alice-pass"


# ---- failing loudly on missing components ---------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A MissingComponent error, or a skip that names a component, becomes a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    excinfo = call.excinfo
    if excinfo is None:
        return
    if excinfo.errisinstance(MissingComponent):
        report.outcome = "failed"
        report.longrepr = f"{excinfo.value}"
    elif report.skipped and excinfo.errisinstance(pytest.skip.Exception):
        reason = str(excinfo.value)
        if any(name in reason for name in COMPONENT_NAMES):
            report.outcome = "failed"
            report.longrepr = f"test skipped over a missing component ({reason}); {INSTALL_HINT}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run modules with browser tests last: Playwright's sync API leaves its event loop set as
    running in the main thread, after which `asyncio.run` in a later test would fail."""
    browser = {item.path for item in items if "page" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: item.path in browser)


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    for label, finder in (
        ("docker-registry", find_docker_registry),
        ("helm", find_helm),
        ("helm3", find_helm3),
        ("initdb", lambda: find_pg_bin("initdb")),
        ("buildah", lambda: find_image_tools()[0]),
    ):
        try:
            lines.append(f"harness {label}: {finder()}")
        except MissingComponent as exc:
            lines.append(f"harness {label}: MISSING ({exc})")
    return lines


# ---- registries --------------------------------------------------------------
@pytest.fixture(scope="session")
def harness_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("harness")


def _session_registry(harness_dir: Path, mode: Mode, **kwargs: Any) -> Iterator[RegistryServer]:
    registry = RegistryServer(mode, base_dir=harness_dir, **kwargs)
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture(scope="session")
def plain_registry(harness_dir: Path) -> Iterator[RegistryServer]:
    """HTTP, anonymous push/pull."""
    yield from _session_registry(harness_dir, "plain")


@pytest.fixture(scope="session")
def tls_registry(harness_dir: Path) -> Iterator[RegistryServer]:
    """HTTPS (``ca_file``/``ca_pem``) with htpasswd user ``username``/``password``."""
    yield from _session_registry(harness_dir, "htpasswd_tls")


@pytest.fixture(scope="session")
def token_registry(harness_dir: Path) -> Iterator[RegistryServer]:
    """HTTP + Bearer tokens: user alice (pull/push everywhere, catalog allowed);
    anonymous may pull ``public/*`` only. ``.token_server`` counts issued tokens."""
    policy = TokenPolicy(anonymous_pull_prefixes=["public/"], allow_catalog=True)
    yield from _session_registry(
        harness_dir,
        "token",
        tls=False,
        username=TOKEN_USER,
        password=TOKEN_PASSWORD,
        token_policy=policy,
    )


@pytest.fixture(scope="session")
def ghcr_like_registry(harness_dir: Path) -> Iterator[RegistryServer]:
    """Like GHCR: anonymous pull of every repo, no ``_catalog`` for anyone (401)."""
    policy = TokenPolicy(anonymous_pull_prefixes=[""], allow_catalog=False)
    yield from _session_registry(
        harness_dir,
        "token",
        tls=False,
        username=TOKEN_USER,
        password=TOKEN_PASSWORD,
        token_policy=policy,
    )


@pytest.fixture
def registry_factory(tmp_path: Path) -> Iterator[Callable[..., RegistryServer]]:
    """Fresh, test-private registries: ``registry_factory("plain")``; closed after the test.
    Use for tests that stop/restart a registry or need an empty catalog."""
    created: list[RegistryServer] = []

    def make(mode: Mode = "plain", **kwargs: Any) -> RegistryServer:
        registry = RegistryServer(mode, base_dir=tmp_path, **kwargs)
        created.append(registry)
        return registry

    yield make
    for registry in created:
        registry.close()


@pytest.fixture
def unique_repo_prefix() -> str:
    """A fresh repository path prefix such as ``t3f9a0c1d2e`` (no trailing slash)."""
    return f"t{uuid.uuid4().hex[:10]}"


# ---- classic Helm repositories (nginx) ---------------------------------------
@pytest.fixture(scope="session")
def tls_helm_repo(harness_dir: Path) -> Iterator[NginxServer]:
    """nginx over HTTPS (``ca_pem``/``ca_file``) with basic auth ``username``/``password``."""
    with NginxServer(tls=True, users={NGINX_USER: NGINX_PASSWORD}, base_dir=harness_dir) as srv:
        yield srv


@pytest.fixture(scope="session")
def plain_helm_repo(harness_dir: Path) -> Iterator[NginxServer]:
    """nginx over plain HTTP without authentication."""
    with NginxServer(base_dir=harness_dir) as server:
        yield server


# ---- helm --------------------------------------------------------------------
@pytest.fixture(scope="session")
def helm_binary() -> Path:
    return find_helm()


@pytest.fixture
def helm(helm_binary: Path) -> Iterator[Helm]:
    """helm 4 with private config/cache/data dirs (logins do not leak between tests)."""
    wrapper = Helm(helm_binary)
    yield wrapper
    wrapper.close()


@pytest.fixture
def helm3() -> Iterator[Helm]:
    """helm 3.17 (note: it always uses plain HTTP for 127.x and localhost)."""
    wrapper = Helm(find_helm3())
    yield wrapper
    wrapper.close()


# ---- charts ------------------------------------------------------------------
class ChartFactory:
    """``chart_factory("nginx", "1.2.3", values=...)`` -> bytes;
    ``chart_factory.write(...)`` -> path of ``<name>-<version>.tgz`` in the test's tmp dir."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __call__(self, name: str, version: str, **kwargs: Any) -> bytes:
        return build_chart(name, version, **kwargs)

    def write(self, name: str, version: str, **kwargs: Any) -> Path:
        path = self.directory / f"{name}-{version}.tgz"
        path.write_bytes(build_chart(name, version, **kwargs))
        return path


@pytest.fixture
def chart_factory(tmp_path: Path) -> ChartFactory:
    directory = tmp_path / "charts"
    directory.mkdir(exist_ok=True)
    return ChartFactory(directory)


# ---- PostgreSQL ----------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server for the session, started on first use."""
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test; SQLAlchemy URL (postgresql+psycopg)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)

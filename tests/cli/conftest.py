"""CLI fixtures: a live `chartyard serve`, an API key, real charts pushed by helm, and a runner
that calls `python -m chartyard` as a subprocess with an isolated HOME and config dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer

ADMIN_PASSWORD = "Cli-admin-Pass-123"
CHART = "cliweb"
VERSIONS = ("1.0.0", "1.1.0")
OTHER_CHART = ("cliapi", "0.1.0")
CHART_VALUES = "replicaCount: 1\ngreeting: hello from cliweb\n"


@pytest.fixture(scope="package")
def cy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartyardServer]:
    """One real `chartyard serve` (embedded worker, SQLite) for the CLI tests."""
    server = ChartyardServer(tmp_path_factory.mktemp("cli-server") / "data",
                             admin_password=ADMIN_PASSWORD)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="package")
def api_key(cy_server: ChartyardServer) -> str:
    """An API key of the bootstrap tenant admin, from `POST /v1/apikeys`."""
    r = httpx.post(f"{cy_server.url}/v1/apikeys", json={"name": "cli-tests"},
                   headers={"Authorization": f"Bearer {cy_server.token()}"})
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


@dataclass
class Result:
    """A finished CLI run."""

    argv: list[str]
    code: int
    out: str
    err: str

    def json(self) -> object:
        """Parse stdout as JSON, naming the command when it is not JSON."""
        assert self.code == 0, self
        return json.loads(self.out)

    def __str__(self) -> str:
        return (f"`chartyard {' '.join(self.argv)}` exited {self.code}\n--- stdout ---\n"
                f"{self.out}\n--- stderr ---\n{self.err}")


class Cli:
    """Run `python -m chartyard` with CHARTYARD_URL and CHARTYARD_API_KEY set (by default)."""

    def __init__(self, home: Path, url: str, api_key: str | None) -> None:
        self.home = home
        self.config_home = home / "xdg-config"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTYARD_", "XDG_"))}
        self.env = {**base, "HOME": str(home), "XDG_CONFIG_HOME": str(self.config_home),
                    "COLUMNS": "200", "NO_COLOR": "1", "CHARTYARD_URL": url}
        if api_key:
            self.env["CHARTYARD_API_KEY"] = api_key

    def __call__(self, *args: str, input: str | None = None,
                 env: Mapping[str, str | None] | None = None, timeout: float = 180) -> Result:
        run_env = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                run_env.pop(key, None)
            else:
                run_env[key] = value
        proc = subprocess.run([sys.executable, "-m", "chartyard", *args], input=input,
                              capture_output=True, text=True, env=run_env, timeout=timeout,
                              check=False, stdin=None if input is not None else subprocess.DEVNULL)
        return Result(list(args), proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path, cy_server: ChartyardServer, api_key: str) -> Cli:
    """The CLI as an automation user: URL and API key from the environment."""
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home, cy_server.url, api_key)


@dataclass(frozen=True)
class PushedCharts:
    """Charts pushed by real helm under `prefix` of the TLS registry."""

    registry: RegistryServer
    prefix: str
    chart: str
    versions: tuple[str, ...]


@pytest.fixture(scope="package")
def pushed(tls_registry: RegistryServer, helm_binary: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[PushedCharts]:
    """`cliweb` 1.0.0 and 1.1.0 and `cliapi` 0.1.0, pushed with `helm push` (TLS, Basic
    auth) under a fresh prefix."""
    prefix = f"cli{uuid.uuid4().hex[:8]}"
    charts = tmp_path_factory.mktemp("cli-charts")
    helm = Helm(helm_binary)
    try:
        for chart, version in [(CHART, v) for v in VERSIONS] + [OTHER_CHART]:
            path = charts / f"{chart}-{version}.tgz"
            path.write_bytes(build_chart(chart, version, values=CHART_VALUES,
                                         keywords=("cli", chart)))
            helm.push(path, f"{tls_registry.oci_url}/{prefix}", ca_file=tls_registry.ca_file,
                      username=tls_registry.username, password=tls_registry.password)
        yield PushedCharts(tls_registry, prefix, CHART, VERSIONS)
    finally:
        helm.close()


@dataclass(frozen=True)
class SyncedRegistry:
    """A registry added through the CLI and synchronized with `sync --wait`."""

    name: str
    charts: PushedCharts
    added: Result
    synced: Result


@pytest.fixture(scope="package")
def synced(cy_server: ChartyardServer, api_key: str, pushed: PushedCharts,
           tmp_path_factory: pytest.TempPathFactory) -> SyncedRegistry:
    """Add the TLS registry with `--password-stdin` and `--ca-file`, then `sync --wait`.

    The runs are recorded, not asserted here: the tests assert on them.
    """
    reg = pushed.registry
    assert reg.ca_file and reg.username and reg.password
    cli = Cli(tmp_path_factory.mktemp("cli-home"), cy_server.url, api_key)
    name = f"tls-{pushed.prefix}"
    added = cli("registry", "add", "basic", "--name", name, "--endpoint", reg.url,
                "--username", reg.username, "--password-stdin", "--ca-file", reg.ca_file,
                "--sync", "--base-path", pushed.prefix, input=reg.password + "\n")
    synced = cli("registry", "sync", name, "--force", "--wait")
    return SyncedRegistry(name, pushed, added, synced)

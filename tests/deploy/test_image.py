"""The Containerfile, built and run for real: buildah (vfs, chroot) on a mmdebstrap base.

Slow (minutes on the first run of a day; the rootfs and base image are cached). A machine
without buildah or mmdebstrap fails this test with an install hint; it is never skipped.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness.components import REPO_ROOT
from tests.harness.image import Buildah, build_volumes
from tests.harness.procs import ManagedProcess, free_port
from tests.harness.registry import RegistryServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def buildah() -> Buildah:
    return Buildah()


@pytest.fixture(scope="module")
def image(buildah: Buildah) -> Iterator[str]:
    base = buildah.base_image()
    name = f"localhost/chartyard-test:{uuid.uuid4().hex[:8]}"
    buildah.run("bud", "--isolation", "chroot", "-q", "--layers=false",
                "--build-arg", f"BASE={base}", *build_volumes(),
                "-f", str(REPO_ROOT / "Containerfile"), "-t", name, str(REPO_ROOT))
    try:
        yield name
    finally:
        buildah.run("rmi", "-f", name)


@pytest.fixture
def container(buildah: Buildah, image: str) -> Iterator[str]:
    name = f"chartyard-test-{uuid.uuid4().hex[:8]}"
    buildah.run("from", "-q", "--name", name, image)
    try:
        yield name
    finally:
        buildah.run("rm", name)


def test_image_config_runs_as_non_root_with_a_data_volume(buildah: Buildah, image: str) -> None:
    config = buildah.inspect_image(image)["OCIv1"]["config"]
    assert config["Entrypoint"] == ["chartyard"]
    assert config["User"].split(":")[0] not in ("", "0", "root")
    assert "/var/lib/chartyard" in config["Volumes"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["CHARTYARD_DATA_DIR"] == "/var/lib/chartyard"


def test_final_stage_has_no_compiler(buildah: Buildah, container: str) -> None:
    out = buildah.run("run", "--isolation", "chroot", container, "--", "sh", "-c",
                      "for c in gcc cc c++ clang make; do command -v $c; done; "
                      "id -u; gpg --version >/dev/null && echo gpg-ok; "
                      "chartyard --help >/dev/null && echo cli-ok")
    lines = out.split()
    assert lines[-3:] == ["10001", "gpg-ok", "cli-ok"], out


def _locked(lock: str) -> dict[str, str]:
    """Return the pins of requirements/<lock> that apply to this Python, by canonical name."""
    path = REPO_ROOT / "scripts" / "check_lock.py"
    spec = importlib.util.spec_from_file_location("check_lock", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pins: dict[str, str] = module.pins(REPO_ROOT / "requirements" / lock)
    return pins


def test_image_holds_exactly_the_locked_versions_and_their_sbom(
    buildah: Buildah, container: str
) -> None:
    out = buildah.run("run", "--isolation", "chroot", container, "--", "python3", "-c",
                      "import importlib.metadata as m, json; print(json.dumps("
                      "{d.metadata['Name']: d.version for d in m.distributions()}))")
    canonical = {re.sub(r"[-_.]+", "-", name).lower(): version
                 for name, version in json.loads(out.splitlines()[-1]).items()}
    assert canonical.pop("chartyard") == "0.1.0"
    assert canonical == _locked("app.txt")
    sbom = json.loads(buildah.run("run", "--isolation", "chroot", container, "--", "cat",
                                  "/opt/chartyard/share/chartyard/sbom.cdx.json"))
    assert sbom["bomFormat"] == "CycloneDX" and sbom["metadata"]["component"]["name"] == "chartyard"
    listed = {re.sub(r"[-_.]+", "-", c["name"]).lower(): c["version"] for c in sbom["components"]}
    assert listed == canonical  # every installed package, at its locked version
    assert all(c["purl"].startswith("pkg:pypi/") for c in sbom["components"])


def test_image_serves_readyz_from_inside_and_pushes(
    buildah: Buildah, image: str, container: str, tmp_path: Path,
    plain_registry: RegistryServer,
) -> None:
    port = free_port()
    server = ManagedProcess(
        buildah.argv("run", "--isolation", "chroot",
                     "--env", "CHARTYARD_ADMIN_PASSWORD=image-test-pass",
                     "--env", "CHARTYARD_LOG_FORMAT=json",
                     container, "--", "chartyard", "serve", "--host", "127.0.0.1",
                     "--port", str(port)),
        log_path=tmp_path / "server.log")
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", server)
        # From inside the image too: the container shares the host's network.
        inside = buildah.run(
            "run", "--isolation", "chroot", container, "--", "python3", "-c",
            f"import urllib.request; print(urllib.request.urlopen("
            f"'http://127.0.0.1:{port}/readyz', timeout=10).read().decode())")
        assert json.loads(inside) == {"status": "ready"}
    finally:
        server.stop(timeout=20)
    log = (tmp_path / "server.log").read_text()
    assert "created user 'admin'" not in log  # the password was given, not generated

    target = f"docker://{plain_registry.host_port}/chartyard:test"
    buildah.run("push", "--tls-verify=false", "-q", image, target)
    r = httpx.get(f"http://{plain_registry.host_port}/v2/chartyard/manifests/test",
                  headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                                     "application/vnd.docker.distribution.manifest.v2+json"})
    assert r.status_code == 200, r.text
    assert len(r.json()["layers"]) >= 1


def _wait_ready(url: str, server: ManagedProcess, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running():
            raise AssertionError(f"the container exited:\n{server.log_tail()}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/readyz never answered 200:\n{server.log_tail()}")

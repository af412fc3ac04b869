"""The hooks the next features build on: a chart version's signature material, and push.

Charts are signed for real (gpg key, ``helm package --sign``). On OCI, ``helm push`` uploads
the ``.prov`` as a layer by itself; on a classic repository it sits beside the archive.
Each family finds it for a signed version and answers None for an unsigned one. Pushing is
refused, with a reason, where the family cannot take charts.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from chartyard.auth.roles import Principal, Role
from chartyard.catalog.service import CatalogService
from chartyard.registries.families import PushUnsupported, family_of_target, get_family
from chartyard.sources import ChartLayer
from chartyard.store.models import ChartVersion, User
from tests.harness.app import Api, basic_body
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.helm_repo import repo_index
from tests.harness.nginx import NginxServer
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def keyring() -> Path:
    """A signing key in an isolated GNUPGHOME, exported as the legacy secret keyring helm reads."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg is missing: apt-get install -y gnupg")
    home = Path(tempfile.mkdtemp(prefix="gnupg-"))
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "Chart Signer <signer@example.com>", "rsa2048", "sign", "never"],
                   env=env, check=True, capture_output=True)
    secring = home / "secring.gpg"
    secring.write_bytes(subprocess.run(["gpg", "--export-secret-keys"], env=env, check=True,
                                       capture_output=True).stdout)
    return secring


def _package(helm: Helm, name: str, version: str, dest: Path, keyring: Path | None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chart-src-") as src:
        with tarfile.open(fileobj=io.BytesIO(build_chart(name, version)), mode="r:gz") as tar:
            tar.extractall(src, filter="data")
        sign = ["--sign", "--key", "Chart Signer", "--keyring", str(keyring)] if keyring else []
        helm.run("package", str(Path(src) / name), "--destination", str(dest), *sign)
    return dest / f"{name}-{version}.tgz"


def _layer(api: Api, registry_uid: str, version: str) -> ChartLayer:
    with api.ctx.transaction() as session:
        user = session.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        admin = Principal(user.uid, user.username, user.tenant_uid, Role.TENANT_ADMIN)
        row = session.scalar(select(ChartVersion).where(
            ChartVersion.registry_uid == registry_uid, ChartVersion.version == version))
        assert row is not None
        return CatalogService(api.ctx, session, admin).chart_layer(row.uid)


def test_oci_finds_the_prov_layer_helm_push_uploaded(
        api: Api, plain_registry: RegistryServer, helm: Helm, keyring: Path,
        unique_repo_prefix: str, tmp_path: Path) -> None:
    p = unique_repo_prefix
    signed = _package(helm, "web", "1.0.0", tmp_path / "signed", keyring)
    unsigned = _package(helm, "web", "1.1.0", tmp_path / "unsigned", None)
    for tgz in (signed, unsigned):
        helm.push(tgz, f"{plain_registry.oci_url}/{p}", plain_http=True)
    r = api.post("/v1/registries/oci/basic",
                 basic_body("signed", plain_registry.url, sync=True, base=[p]))
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"

    layer = _layer(api, uid, "1.0.0")
    family = family_of_target(layer.target)
    material = asyncio.run(family.signature_material(layer, api.ctx.sources))
    assert material is not None and material.method == "helm-provenance"
    assert material.data == Path(f"{signed}.prov").read_bytes()
    assert material.location.startswith("sha256:")
    assert asyncio.run(family.signature_material(_layer(api, uid, "1.1.0"),
                                                 api.ctx.sources)) is None


def test_helm_index_finds_the_prov_beside_the_archive_and_refuses_push(
        api: Api, plain_helm_repo: NginxServer, helm: Helm, keyring: Path,
        unique_repo_prefix: str) -> None:
    p = unique_repo_prefix
    directory = plain_helm_repo.path(f"{p}/i").parent
    signed = _package(helm, "db", "2.0.0", directory, keyring)
    _package(helm, "db", "2.1.0", directory, None)
    repo_index(helm, directory)
    r = api.post("/v1/registries/helm", {"metadata": {"name": "signed-index"},
                                         "spec": {"endpoint": plain_helm_repo.url + p}})
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"

    layer = _layer(api, uid, "2.0.0")
    family = family_of_target(layer.target)
    assert family is get_family("helm")
    material = asyncio.run(family.signature_material(layer, api.ctx.sources))
    assert material is not None
    assert material.data == Path(f"{signed}.prov").read_bytes()
    assert material.location.endswith("db-2.0.0.tgz.prov")
    assert asyncio.run(family.signature_material(_layer(api, uid, "2.1.0"),
                                                 api.ctx.sources)) is None

    with pytest.raises(PushUnsupported) as refused:
        asyncio.run(family.push_chart(layer.target, api.ctx.sources, "db", "3.0.0", b""))
    assert "cannot receive charts" in refused.value.message

"""The hooks the next features build on: a chart version's signature material, and push.

Charts are signed for real (gpg key, ``helm package --sign``). On OCI, ``helm push`` uploads
the ``.prov`` as a layer by itself; on a classic repository it sits beside the archive.
Each family finds it for a signed version and answers None for an unsigned one. Pushing is
refused, with a reason, where the family cannot take charts.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from chartyard.auth.roles import Principal, Role
from chartyard.catalog.service import CatalogService
from chartyard.errors import InvalidInput
from chartyard.helm import HELM_CHART_LAYER_MEDIA_TYPE, HELM_PROVENANCE_MEDIA_TYPE
from chartyard.oci import OCI_MANIFEST, parse_endpoint
from chartyard.registries.families import PushUnsupported, family_of_target, get_family
from chartyard.sources import ChartLayer, RegistryTarget
from chartyard.store.models import ChartVersion, User
from tests.harness.app import Api, basic_body
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.helm_repo import repo_index
from tests.harness.nginx import NginxServer
from tests.harness.procs import wait_until
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
    assert "push to an OCI registry instead" in refused.value.message
    with pytest.raises(PushUnsupported):
        family.open_registry(layer.target, api.ctx.sources)


def _manifest(registry: RegistryServer, repository: str, tag: str) -> dict[str, object]:
    with registry.client() as client:
        r = client.get(f"/v2/{repository}/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200, r.text
    return dict(json.loads(r.content))


def _uploads(registry: RegistryServer) -> int:
    text = registry.log_path.read_text(errors="replace")
    return len(re.findall(r'"(?:PUT|POST|PATCH) /v2/[^" ]*/blobs/uploads/', text))


def _logged(registry: RegistryServer, marker: str) -> None:
    """Wait until a request naming ``marker`` is in the access log (earlier lines are too)."""
    with registry.client() as client:
        client.get("/v2/", params={"marker": marker})
    wait_until(lambda: marker in registry.log_path.read_text(errors="replace"),
               timeout=30, what="the registry to log the marker request")


def test_oci_push_stores_a_chart_as_helm_push_does(
        api: Api, plain_registry: RegistryServer, helm: Helm, keyring: Path,
        unique_repo_prefix: str, tmp_path: Path) -> None:
    p = unique_repo_prefix
    signed = _package(helm, "web", "1.0.0", tmp_path / "signed", keyring)
    archive, prov = signed.read_bytes(), Path(f"{signed}.prov").read_bytes()
    family = get_family("oci")
    target = RegistryTarget(kind="basic", endpoint=parse_endpoint(plain_registry.url))

    pushed = asyncio.run(family.push_chart(target, api.ctx.sources, f"{p}/web", "1.0.0",
                                           archive, prov))
    assert (pushed.repository, pushed.tag) == (f"{p}/web", "1.0.0")
    ref = f"{plain_registry.oci_url}/{p}/web"

    # helm reads it back: the same archive, its Chart.yaml, and the signature verifies.
    pulled = helm.pull(ref, "1.0.0", tmp_path / "pulled", plain_http=True)
    assert pulled.read_bytes() == archive
    shown = helm.show_chart(ref, "1.0.0", plain_http=True)
    assert (shown["name"], shown["version"]) == ("web", "1.0.0")
    (tmp_path / "verified").mkdir()
    helm.run("pull", ref, "--version", "1.0.0", "--verify", "--keyring", str(keyring),
             "-d", str(tmp_path / "verified"), "--plain-http")

    # The layout is helm push's: same config blob, chart layer and .prov layer.
    ours = _manifest(plain_registry, f"{p}/web", "1.0.0")
    helm.push(signed, f"{plain_registry.oci_url}/{p}/by-helm", plain_http=True)
    theirs = _manifest(plain_registry, f"{p}/by-helm/web", "1.0.0")
    assert ours["config"] == theirs["config"]
    assert ours["layers"] == theirs["layers"]
    layers = ours["layers"]
    assert isinstance(layers, list)
    # helm push sorts the layers by digest, so either may come first.
    assert sorted(d["mediaType"] for d in layers) == sorted(
        [HELM_PROVENANCE_MEDIA_TYPE, HELM_CHART_LAYER_MEDIA_TYPE])
    assert [d["digest"] for d in layers] == sorted(d["digest"] for d in layers)
    [prov_layer] = [d for d in layers if d["mediaType"] == HELM_PROVENANCE_MEDIA_TYPE]
    with plain_registry.client() as client:
        blob = client.get(f"/v2/{p}/web/blobs/{prov_layer['digest']}", follow_redirects=True)
    assert blob.content == prov

    # A re-push gives the same digest and uploads nothing.
    _logged(plain_registry, f"before-{p}")
    uploads = _uploads(plain_registry)
    again = asyncio.run(family.push_chart(target, api.ctx.sources, f"{p}/web", "1.0.0",
                                          archive, prov))
    assert again == pushed
    _logged(plain_registry, f"after-{p}")
    assert _uploads(plain_registry) == uploads


def test_oci_push_refuses_an_archive_that_is_not_the_version(api: Api) -> None:
    family = get_family("oci")
    target = RegistryTarget(kind="basic", endpoint=parse_endpoint("http://127.0.0.1:1"))
    chart = build_chart("web", "1.0.0")
    with pytest.raises(InvalidInput) as wrong:
        asyncio.run(family.push_chart(target, api.ctx.sources, "web", "2.0.0", chart))
    assert wrong.value.field == "version" and "'1.0.0', not '2.0.0'" in str(wrong.value)
    with pytest.raises(InvalidInput) as garbage:
        asyncio.run(family.push_chart(target, api.ctx.sources, "web", "1.0.0", b"not a tgz"))
    assert garbage.value.field == "archive" and "helm package" in str(garbage.value)

"""Mirror fixtures: a signed OCI chart, a signed classic chart, a two-platform image, and
a TLS + htpasswd destination registry whose access log counts blob uploads."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.test_registries_helm import helm_body
from tests.harness.app import Api
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.helm_repo import repo_index
from tests.harness.nginx import NginxServer
from tests.harness.oci_push import OciPusher, descriptor, sha256_digest
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, create_registry, profile
from tests.sync.conftest import sync_now

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
SIGNER = "Chart Signer"
UNREACHABLE = "127.0.0.1:1/nobody/listens:1.0"  # an image whose registry cannot be reached


@dataclass(frozen=True)
class Signer:
    """A gpg key in an isolated home: legacy secret and public keyrings for helm."""

    home: Path
    secring: Path
    pubring: Path


@pytest.fixture(scope="session")
def signer(harness_dir: Path) -> Signer:
    home = Path(tempfile.mkdtemp(prefix="gnupg-", dir=harness_dir))
    os.chmod(home, 0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    f"{SIGNER} <signer@example.com>", "rsa2048", "sign", "never"],
                   env=env, check=True, capture_output=True, timeout=120)
    secring, pubring = home / "secring.gpg", home / "pubring.gpg"
    secring.write_bytes(subprocess.run(["gpg", "--batch", "--export-secret-keys"], env=env,
                                       check=True, capture_output=True).stdout)
    pubring.write_bytes(subprocess.run(["gpg", "--batch", "--export"], env=env, check=True,
                                       capture_output=True).stdout)
    return Signer(home, secring, pubring)


def package_signed(helm: Helm, signer: Signer, name: str, version: str, dest: Path,
                   **chart: Any) -> Path:
    """``helm package --sign`` a generated chart into ``dest`` (writes ``.tgz`` and ``.prov``)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chart-src-") as src:
        with tarfile.open(fileobj=io.BytesIO(build_chart(name, version, **chart)),
                          mode="r:gz") as tar:
            tar.extractall(src, filter="data")
        helm.run("package", str(Path(src) / name), "--destination", str(dest), "--sign",
                 "--key", SIGNER, "--keyring", str(signer.secring))
    path = dest / f"{name}-{version}.tgz"
    assert path.is_file() and Path(f"{path}.prov").is_file()
    return path


def push_index(registry: RegistryServer, repo: str, tag: str) -> tuple[str, list[str]]:
    """Push a two-platform image index (linux/amd64, linux/arm64); return its digest."""
    children = []
    with OciPusher.for_registry(registry) as pusher:
        for arch in ("amd64", "arm64"):
            layer = f"layer for {arch} {uuid.uuid4().hex}".encode()
            config = json.dumps({"architecture": arch, "os": "linux",
                                 "rootfs": {"type": "layers", "diff_ids": []}}).encode()
            pusher.push_blob(repo, layer)
            pusher.push_blob(repo, config)
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": descriptor("application/vnd.oci.image.config.v1+json", config),
                "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
            }).encode()
            digest = pusher.push_manifest(repo, sha256_digest(manifest), manifest)
            children.append({"mediaType": OCI_MANIFEST, "digest": digest,
                             "size": len(manifest),
                             "platform": {"architecture": arch, "os": "linux"}})
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                            "manifests": children}).encode()
        return pusher.push_manifest(repo, tag, index, OCI_INDEX), [c["digest"] for c in children]


def blob_puts(registry: RegistryServer) -> list[str]:
    """Return the digests of completed blob uploads in the registry's access log."""
    text = registry.log_path.read_text(errors="replace")
    return re.findall(r'"PUT /v2/[^"]*/blobs/uploads/[^" ]*[?&]digest=(sha256(?::|%3A)[0-9a-f]{64})'
                      r'[^"]*" 201', text)


def upload_requests(registry: RegistryServer) -> int:
    """Return how many upload requests (POST or PUT, any answer) the access log shows."""
    text = registry.log_path.read_text(errors="replace")
    return len(re.findall(r'"(?:PUT|POST|PATCH) /v2/[^" ]*/blobs/uploads/', text))


@dataclass
class World:
    """Everything a mirror test needs, created through the API."""

    api: Api
    source: RegistryServer
    dest: RegistryServer
    source_uid: str
    classic_uid: str
    dest_uid: str
    profile_uid: str
    prefix: str
    oci_tgz: Path
    classic_tgz: Path
    oci_digest: str
    image_ref: str
    image_digest: str
    image_children: list[str]


@pytest.fixture
def make_world(api: Api, plain_registry: RegistryServer, plain_helm_repo: NginxServer,
               registry_factory: Callable[..., RegistryServer], helm: Helm, signer: Signer,
               tmp_path: Path) -> Iterator[Callable[..., World]]:
    """Return a builder of the mirror scenario (one chart may be padded to ``size``)."""
    def make(*, padding: int = 0, images: RegistryServer | None = None) -> World:
        prefix = f"m{uuid.uuid4().hex[:10]}"
        image_repo = f"{prefix}/images/app"
        images = images or plain_registry
        image_digest, children = push_index(images, image_repo, "1.0")
        image_ref = f"{images.host_port}/{image_repo}:1.0"
        annotations = {"artifacthub.io/images": yaml.safe_dump(
            [{"name": "app", "image": image_ref}])}
        oci_tgz = package_signed(helm, signer, "signed", "1.2.3", tmp_path / "oci",
                                 annotations=annotations, padding_bytes=padding)
        oci_digest = helm.push(oci_tgz, f"{plain_registry.oci_url}/{prefix}", plain_http=True)
        repo_dir = plain_helm_repo.path(f"{prefix}/x").parent
        classic_tgz = package_signed(helm, signer, "classic", "0.1.0", repo_dir)
        repo_index(helm, repo_dir, None)
        source_uid = create_registry(api, plain_registry.url, name=f"src-{prefix}", sync=True,
                                     base=[prefix])
        assert sync_now(api.ctx, source_uid).status == "Completed"
        r = api.post("/v1/registries/helm",
                     helm_body(f"classic-{prefix}", plain_helm_repo.url + prefix))
        assert r.status_code == 201, r.text
        classic_uid = r.json()["uid"]
        assert sync_now(api.ctx, classic_uid).status == "Completed"
        if images is not plain_registry:  # configured, so the mirror reaches it over HTTP
            create_registry(api, images.url, name=f"img-{prefix}", sync=False)
        dest = registry_factory("htpasswd_tls")
        dest_uid = create_registry(api, dest.url, name=f"dst-{prefix}", sync=False,
                                   username=dest.username, password=dest.password,
                                   ca=dest.ca_pem)
        profile_uid = create_profile(api, profile(f"air-{prefix}", [
            {"name": "signed", "tag": "1.2.3", "registryUid": source_uid, "type": "oci",
             "values": "pack:\n  namespace: apps\n"},
            {"name": "classic", "tag": "0.1.0", "registryUid": classic_uid, "type": "helm",
             "values": f"pack:\n  content:\n    images:\n      - image: {UNREACHABLE}\n"}]))
        return World(api, plain_registry, dest, source_uid, classic_uid, dest_uid,
                     profile_uid, prefix, oci_tgz, classic_tgz, oci_digest, image_ref,
                     image_digest, children)

    yield make

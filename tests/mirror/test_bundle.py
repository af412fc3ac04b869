"""Bundles: a profile as an OCI image layout tar that skopeo reads, pushed back into
another registry after every digest is checked; a tampered archive is refused."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.harness.registry import RegistryServer
from tests.mirror.conftest import World
from tests.mirror.test_mirror import sha
from tests.profiles.conftest import create_registry, sqlite_only


def download(world: World, path: Path, **params: str) -> None:
    with world.api.client.stream("GET", f"/v1/clusterprofiles/{world.profile_uid}/bundle",
                                 params=params, headers=world.api.admin) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"] == "application/x-tar"
        with path.open("wb") as out:
            for chunk in r.iter_bytes():
                out.write(chunk)


def skopeo_archive(path: Path, ref: str) -> bytes:
    return subprocess.run(["skopeo", "inspect", "--raw", f"oci-archive:{path}:{ref}"],
                          check=True, capture_output=True, timeout=60).stdout


def tamper(src: Path, dst: Path, digest: str) -> None:
    """Copy a tar, flipping one byte of the blob ``digest`` (same size, same name)."""
    name = "blobs/sha256/" + digest.split(":")[1]
    with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
        for member in tin:
            data = tin.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name == name and data:
                data = bytes([data[0] ^ 1]) + data[1:]
            tout.addfile(member, io.BytesIO(data) if data is not None else None)


@sqlite_only
def test_bundle_round_trips_through_skopeo_and_a_second_registry(
        make_world: Callable[..., World], registry_factory: Callable[..., RegistryServer],
        tmp_path: Path) -> None:
    world = make_world()
    archive = tmp_path / "bundle.tar"
    download(world, archive, includeImages="true")
    with tarfile.open(archive) as tar:
        index = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]
        assert tar.extractfile("oci-layout").read() == b'{"imageLayoutVersion":"1.0.0"}'  # type: ignore[union-attr]
    refs = [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]]
    image_path = f"{world.prefix}/images/app"
    assert refs == ["signed:1.2.3", "classic:0.1.0", f"{image_path}:1.0"]
    assert "io.chartyard.profile" in index["annotations"]

    # An independent tool reads it: same digests as the source, every platform.
    assert sha(skopeo_archive(archive, "signed:1.2.3")) == world.oci_digest
    assert sha(skopeo_archive(archive, f"{image_path}:1.0")) == world.image_digest
    classic = json.loads(skopeo_archive(archive, "classic:0.1.0"))
    assert len(classic["layers"]) == 2

    # Pushed into another registry of this chartyard: the same digests come out.
    other = registry_factory("htpasswd_tls")
    other_uid = create_registry(world.api, other.url, name="other", sync=False,
                                username=other.username, password=other.password,
                                ca=other.ca_pem)
    with archive.open("rb") as body:
        r = world.api.client.post(f"/v1/registries/oci/{other_uid}/bundle",
                                  params={"basePath": "imported"}, content=body.read(),
                                  headers={**world.api.admin,
                                           "Content-Type": "application/x-tar"})
    # This chartyard has the profile already: refused before anything is pushed.
    assert r.status_code == 409, r.text
    assert r.json()["details"]["field"] == "bundle"
    with other.client(auth=other.auth) as c:
        assert c.get("/v2/_catalog").json()["repositories"] == []

    # A tampered archive is refused, naming the blob, before anything is pushed.
    bad = tmp_path / "tampered.tar"
    oci_manifest = json.loads(skopeo_archive(archive, "signed:1.2.3"))
    layer = oci_manifest["layers"][-1]["digest"]
    tamper(archive, bad, layer)
    fresh = registry_factory("plain")
    fresh_uid = create_registry(world.api, fresh.url, name="fresh", sync=False)
    r = world.api.client.post(f"/v1/registries/oci/{fresh_uid}/bundle", content=bad.read_bytes(),
                              headers=world.api.admin)
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["details"]["field"] == "bundle"
    assert f"blobs/sha256/{layer.split(':')[1]}" in body["message"]
    with fresh.client() as c:
        assert c.get("/v2/_catalog").json()["repositories"] == []

"""Mirror a profile (signed OCI chart, signed classic chart, two-platform image) into a
TLS + htpasswd registry; check it with skopeo and helm, then re-run it incrementally."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from chartyard.auth.roles import Role
from chartyard.mirror.runner import run_mirror
from tests.harness.helm import Helm
from tests.mirror.conftest import UNREACHABLE, World, blob_puts, upload_requests
from tests.profiles.conftest import sqlite_only
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux


def start(world: World, **body: Any) -> str:
    r = world.api.post(f"/v1/clusterprofiles/{world.profile_uid}/mirror",
                       {"targetRegistryUid": world.dest_uid, **body})
    assert r.status_code == 202, r.text
    return str(r.json()["uid"])


def status(world: World, uid: str) -> dict[str, Any]:
    r = world.api.get(f"/v1/mirrors/{uid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def skopeo_raw(world: World, ref: str) -> bytes:
    dest = world.dest
    certs = dest.root / "skopeo-certs"  # skopeo reads CAs from *.crt files in a directory
    if not certs.is_dir():
        certs.mkdir()
        (certs / "ca.crt").write_text(dest.ca_pem or "")
    out = subprocess.run(
        ["skopeo", "inspect", "--raw", "--cert-dir", str(certs),
         "--creds", f"{dest.username}:{dest.password}", f"docker://{dest.host_port}/{ref}"],
        check=True, capture_output=True, timeout=60)
    return out.stdout


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_mirror_copies_by_digest_and_reruns_without_uploads(
        make_world: Any, helm: Helm, signer: Any, tmp_path: Path) -> None:
    world: World = make_world()
    uid = start(world, basePath="air/gap", includeImages=True)
    assert status(world, uid)["status"] == "Pending"
    asyncio.run(run_mirror(world.api.ctx, uid))
    got = status(world, uid)
    assert got["status"] == "Completed", got
    by_name = {c["name"]: c for c in got["charts"]}
    assert by_name["signed"]["digest"] == world.oci_digest
    assert by_name["signed"]["target"] == f"oci://{world.dest.host_port}/air/gap/signed:1.2.3"
    assert all(c["copied"] for c in got["charts"])
    image, unreachable = got["images"]
    assert image["digest"] == world.image_digest and image.get("error") is None
    assert unreachable["name"] == UNREACHABLE and unreachable["error"]
    assert f"images not copied: {UNREACHABLE}" in got["message"]
    assert sorted(image["platforms"]) == ["linux/amd64", "linux/arm64"]
    assert got["blobsCopied"] > 0 and got["bytesCopied"] > 0

    # An independent client sees the same digests, and every platform of the index.
    assert sha(skopeo_raw(world, "air/gap/signed:1.2.3")) == world.oci_digest
    oci_manifest = json.loads(skopeo_raw(world, "air/gap/signed:1.2.3"))
    assert "application/vnd.cncf.helm.chart.provenance.v1.prov" in [
        layer["mediaType"] for layer in oci_manifest["layers"]]
    index = skopeo_raw(world, f"air/gap/{world.prefix}/images/app:1.0")
    assert sha(index) == world.image_digest
    for child in world.image_children:
        assert sha(skopeo_raw(world, f"air/gap/{world.prefix}/images/app@{child}")) == child
    classic_manifest = json.loads(skopeo_raw(world, "air/gap/classic:0.1.0"))
    assert [layer["mediaType"] for layer in classic_manifest["layers"]] == [  # helm's order
        "application/vnd.cncf.helm.chart.provenance.v1.prov",
        "application/vnd.cncf.helm.chart.content.v1.tar+gzip"]
    assert "org.opencontainers.image.created" not in classic_manifest.get("annotations", {})

    # helm pulls the same bytes from the mirror, and verifies both signatures.
    dest = world.dest
    helm.login(dest.oci_url, dest.username or "", dest.password or "", ca_file=dest.ca_file)
    for chart, version, original in (("signed", "1.2.3", world.oci_tgz),
                                     ("classic", "0.1.0", world.classic_tgz)):
        out = tmp_path / f"pull-{chart}"
        out.mkdir()
        helm.run("pull", f"{dest.oci_url}/air/gap/{chart}", "--version", version, "-d",
                 str(out), "--ca-file", dest.ca_file or "", "--verify", "--keyring",
                 str(signer.pubring))
        assert (out / f"{chart}-{version}.tgz").read_bytes() == original.read_bytes()

    # A second run copies nothing: no blob PUT reaches the registry.
    puts = blob_puts(dest)
    assert len(puts) == len(set(puts)) == got["blobsCopied"]
    uploads = upload_requests(dest)
    assert uploads >= 2 * len(puts)  # each copied blob: POST a session, PUT the bytes
    again = start(world, basePath="air/gap", includeImages=True)
    assert asyncio.run(run_mirror(world.api.ctx, again)) == "Completed"
    second = status(world, again)
    assert second["blobsCopied"] == 0 and second["bytesCopied"] == 0
    assert second["blobsSkipped"] >= 5  # the charts' configs, layers and provenance
    assert [c["digest"] for c in second["charts"]] == [c["digest"] for c in got["charts"]]
    assert not any(c["copied"] for c in second["charts"])
    assert blob_puts(dest) == puts and upload_requests(dest) == uploads

    # Exports point at the mirror; Flux pins the mirrored digest.
    r = world.api.get(f"/v1/clusterprofiles/{world.profile_uid}/export",
                      params={"format": "flux", "mirror": world.dest_uid})
    assert r.status_code == 200, r.text
    docs = list(yaml.safe_load_all(r.text))
    validate_flux(docs)
    repos = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "OCIRepository"}
    urls = sorted(spec["url"] for spec in repos.values())
    assert urls == [f"oci://{dest.host_port}/air/gap/classic",
                    f"oci://{dest.host_port}/air/gap/signed"]
    assert {spec["ref"]["digest"] for spec in repos.values()} == {
        c["digest"] for c in got["charts"]}
    for fmt in ("argocd", "helmfile"):
        r = world.api.get(f"/v1/clusterprofiles/{world.profile_uid}/export",
                          params={"format": fmt, "mirror": world.dest_uid})
        assert r.status_code == 200 and f"{dest.host_port}/air/gap" in r.text, r.text
        if fmt == "argocd":
            validate_argocd(list(yaml.safe_load_all(r.text)))


@sqlite_only
def test_mirror_request_errors_name_the_field(make_world: Any) -> None:
    world: World = make_world()
    api = world.api
    path = f"/v1/clusterprofiles/{world.profile_uid}/mirror"
    r = api.post(path, {"targetRegistryUid": world.classic_uid})
    assert r.status_code == 422 and r.json()["details"]["field"] == "targetRegistryUid"
    r = api.post(path, {"targetRegistryUid": "nope"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "targetRegistryUid"
    r = api.post(path, {"targetRegistryUid": world.dest_uid, "basePath": "Bad Path"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "basePath"
    r = api.post("/v1/clusterprofiles/missing/mirror", {"targetRegistryUid": world.dest_uid})
    assert r.status_code == 404
    r = api.get("/v1/mirrors/missing")
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"

    # Mirroring writes to a registry: tenant admins only; other tenants see nothing.
    for role in (Role.PROFILE_EDITOR, Role.VIEWER):
        r = api.post(path, {"targetRegistryUid": world.dest_uid}, headers=api.as_role(role))
        assert r.status_code == 403, r.text
    r = api.post(path, {"targetRegistryUid": world.dest_uid})
    assert r.status_code == 202
    mirror = r.json()["uid"]
    assert api.get(f"/v1/mirrors/{mirror}", headers=api.as_role(Role.VIEWER)).status_code == 200
    other = api.as_role(Role.TENANT_ADMIN, "other-tenant")
    assert api.get(f"/v1/mirrors/{mirror}", headers=other).status_code == 404
    assert api.post(path, {"targetRegistryUid": world.dest_uid},
                    headers=other).status_code == 404
    assert api.get(f"/v1/clusterprofiles/{world.profile_uid}/bundle",
                   headers=other).status_code == 404
    r = api.client.post(f"/v1/registries/oci/{world.dest_uid}/bundle", content=b"x",
                        headers=api.as_role(Role.VIEWER))
    assert r.status_code == 403, r.text
    r = api.get(f"/v1/clusterprofiles/{world.profile_uid}/export",
                params={"format": "flux", "mirror": world.dest_uid})
    assert r.status_code == 422 and r.json()["details"]["field"] == "mirror"

"""The policy gate and digest-locked published versions, with real signed charts.

Charts are signed by ``helm package --sign`` and pushed by ``helm push`` to a real
docker-registry; the tag is re-pointed with another real push.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from tests.harness.app import Api
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_registry, pack, profile, sqlite_only
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux
from tests.sync.conftest import sync_now
from tests.trust.conftest import SigningKey, sign_package
from tests.trust.test_verdicts_real import trust, ui


def export(api: Api, uid: str, fmt: str) -> str:
    r = api.get(f"/v1/clusterprofiles/{uid}/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return str(r.text)


@sqlite_only
def test_gate_publish_pinning_and_drift(api: Api, helm: Helm, plain_registry: RegistryServer,
                                        signing_keys: tuple[SigningKey, SigningKey],
                                        tmp_path: Path) -> None:
    trusted, _ = signing_keys
    prefix = f"g{uuid.uuid4().hex[:10]}"
    oci = f"{plain_registry.oci_url}/{prefix}"
    digest = helm.push(sign_package(helm, "good", "1.0.0", tmp_path / "a", trusted), oci,
                       plain_http=True)
    helm.push(sign_package(helm, "plain", "1.0.0", tmp_path / "a", None), oci, plain_http=True)
    reg = create_registry(api, plain_registry.url, name="signed", sync=True, base=[prefix])
    assert sync_now(api.ctx, reg).status == "Completed"
    trust(api, trusted)

    # Policy off: an unsigned layer is accepted, and validation warns about it.
    assert api.get("/v1/trust/policy").json() == {"requireVerified": False}
    checked = api.post("/v1/clusterprofiles/validate/packs",
                       {"type": "add-on", "cloudType": "all",
                        "packs": [pack("plain", "1.0.0", reg)]})
    assert checked.status_code == 200, checked.text
    result = checked.json()["packs"]["results"][0]
    assert result["errors"] == [] and result["warnings"][0]["code"] == "LayerNotVerified"
    assert "unsigned" in result["warnings"][0]["message"]
    draft = api.post("/v1/clusterprofiles", profile("loose", [pack("plain", "1.0.0", reg)]))
    assert draft.status_code == 201, draft.text
    got = api.get(f"/v1/clusterprofiles/{draft.json()['uid']}").json()
    assert got["spec"]["template"]["packs"][0]["verification"]["status"] == "unsigned"

    # Policy on: create, update and publish refuse the layer that is not verified.
    r = api.put("/v1/trust/policy", {"requireVerified": True})
    assert r.status_code == 200 and r.json() == {"requireVerified": True}
    refused = api.post("/v1/clusterprofiles", profile("mixed", [
        pack("good", "1.0.0", reg), pack("plain", "1.0.0", reg)]))
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "LayerNotVerified"
    assert body["details"]["field"] == "spec.template.packs[1]"
    assert body["details"]["verdict"] == "unsigned" and "unsigned" in body["message"]
    r = api.client.patch(f"/v1/clusterprofiles/{draft.json()['uid']}/publish", headers=api.admin)
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.template.packs[0]"
    r = api.put(f"/v1/clusterprofiles/{draft.json()['uid']}",
                profile("loose", [pack("plain", "1.0.0", reg)], version="1.0.0"))
    assert r.status_code == 422 and r.json()["code"] == "LayerNotVerified"
    checked = api.post("/v1/clusterprofiles/validate/packs",
                       {"type": "add-on", "cloudType": "all",
                        "packs": [pack("plain", "1.0.0", reg)]}).json()
    assert checked["packs"]["results"][0]["errors"][0]["code"] == "LayerNotVerified"

    # A verified layer passes the gate; publishing records its digest.
    created = api.post("/v1/clusterprofiles", profile("locked", [pack("good", "1.0.0", reg)]))
    assert created.status_code == 201, created.text
    uid = created.json()["uid"]
    published = api.client.patch(f"/v1/clusterprofiles/{uid}/publish", headers=api.admin)
    assert published.status_code == 204, published.text
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    layer = got["spec"]["published"]["packs"][0]
    assert layer["digest"] == digest and not layer["isInvalid"]
    assert layer["verification"]["status"] == "verified"
    assert layer["verification"]["signer"] == trusted.uid

    page = ui(api, f"/profiles/{uid}")
    assert 'data-verdict="verified"' in page and "Chart Signer &lt;signer@example.com&gt;" in page

    flux = export(api, uid, "flux")
    docs = list(yaml.safe_load_all(flux))
    validate_flux(docs)
    repo = next(d for d in docs if d["kind"] == "OCIRepository")
    release = next(d for d in docs if d["kind"] == "HelmRelease")
    assert repo["spec"]["ref"] == {"digest": digest}
    assert release["spec"]["chartRef"]["name"] == repo["metadata"]["name"]
    assert "pinned by the digest" in flux
    argocd = export(api, uid, "argocd")
    assert "Argo CD cannot pin" in argocd and digest in argocd
    validate_argocd(list(yaml.safe_load_all(argocd)))
    assert "helmfile cannot pin" in export(api, uid, "helmfile")

    # Re-point the tag: another build of good 1.0.0, pushed by helm over the same tag.
    moved = helm.push(sign_package(helm, "good", "1.0.0", tmp_path / "b", trusted,
                                   values="replicaCount: 3\n"), oci, plain_http=True)
    assert moved != digest
    again = api.get(f"/v1/clusterprofiles/{uid}").json()["spec"]["published"]["packs"][0]
    assert again["digest"] == digest
    assert again["isInvalid"] and moved in again["inValidReason"]
    assert export(api, uid, "flux") == flux
    # Re-checking verdicts (a key change) leaves the recorded digest alone too.
    r = api.post("/v1/trust/keys", {"name": "again", "publicKey": signing_keys[1].public_armored})
    assert r.status_code == 201
    assert export(api, uid, "flux") == flux


@sqlite_only
def test_draft_export_follows_tags(api: Api, helm: Helm, plain_registry: RegistryServer,
                                   tmp_path: Path) -> None:
    prefix = f"g{uuid.uuid4().hex[:10]}"
    helm.push(sign_package(helm, "plain", "1.0.0", tmp_path, None),
              f"{plain_registry.oci_url}/{prefix}", plain_http=True)
    reg = create_registry(api, plain_registry.url, name="plain", sync=True, base=[prefix])
    assert sync_now(api.ctx, reg).status == "Completed"
    created = api.post("/v1/clusterprofiles", profile("draft", [pack("plain", "1.0.0", reg)]))
    assert created.status_code == 201, created.text
    flux = export(api, created.json()["uid"], "flux")
    repo = next(d for d in yaml.safe_load_all(flux) if d["kind"] == "OCIRepository")
    assert repo["spec"]["ref"] == {"tag": "1.0.0"} and not flux.startswith("#")


def test_classic_layers_say_they_are_not_pinned() -> None:
    from chartyard.profiles.export import ExportPack, RegistryInfo, render

    def layer(name: str, repo_url: str | None) -> ExportPack:
        return ExportPack(name=name, host="127.0.0.1:5000", repository=f"charts/{name}",
                          oci_tag="1.0.0", version="1.0.0", digest="sha256:" + "a" * 64,
                          namespace="default", priority=0, values={},
                          registry=RegistryInfo(name="r", repo_url=repo_url), pinned=True)

    flux = render("flux", "p", [layer("oci", None), layer("classic", "https://charts.example")])
    assert "pinned by the digest" in flux and "HelmRepository" in flux
    assert "classic: follows version 1.0.0; digest recorded at publish: sha256:" in flux
    docs = list(yaml.safe_load_all(flux))
    validate_flux(docs)
    repo = next(d for d in docs if d["kind"] == "OCIRepository")
    assert repo["spec"]["ref"] == {"digest": "sha256:" + "a" * 64}

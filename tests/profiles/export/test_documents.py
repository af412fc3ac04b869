"""Unit tests of each exporter's `documents()` on a hand-built model: no network, no database."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.errors import InvalidInput
from chartyard.helm import HELM_CHART_LAYER_MEDIA_TYPE
from chartyard.names import k8s_name
from chartyard.profiles.export import FORMATS, render
from chartyard.profiles.export.argocd import PLACEHOLDER
from chartyard.profiles.export.model import ExportPack, RegistryInfo, with_dependencies
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux

HARBOR = RegistryInfo(name="Harbor Prod", has_credentials=True, custom_ca=True)
LOCAL = RegistryInfo(name="local", plain_http=True, insecure_skip_verify=True)
ECR = RegistryInfo(name="ecr", cloud_provider="aws", token_username="AWS")


def _pack(name: str, host: str, repository: str, priority: int, registry: RegistryInfo,
          **extra: Any) -> ExportPack:
    return ExportPack(name=name, host=host, repository=repository, oci_tag="1.2.3_build.1",
                      version="1.2.3+build.1", digest=f"sha256:{'a' * 64}",
                      namespace=f"ns-{name}", priority=priority, values={"name": name},
                      registry=registry, **extra)


def _model() -> list[ExportPack]:
    """Three packs in layer order; `crds` installs first, the others after it together."""
    return with_dependencies([
        _pack("web", "harbor.example.com", "team/charts/web", 10, HARBOR),
        _pack("crds", "127.0.0.1:5000", "crds", 0, LOCAL),
        _pack("api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "svc/api", 10, ECR),
    ])


def _by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d.get("kind") == kind]


def test_install_order_and_dependencies() -> None:
    packs = _model()
    assert [p.name for p in packs] == ["crds", "web", "api"]
    assert [p.depends_on for p in packs] == [(), ("crds",), ("crds",)]


def test_flux_documents() -> None:
    docs = _documents("flux")("My Profile", _model())
    validate_flux(docs)
    repos, releases = _by_kind(docs, "OCIRepository"), _by_kind(docs, "HelmRelease")
    names = [r["metadata"]["name"] for r in repos]
    assert names == [k8s_name("My Profile", p) for p in ("crds", "web", "api")]
    assert [n.rsplit("-", 1)[0] for n in names] == [
        "my-profile-crds", "my-profile-web", "my-profile-api"]  # slug, then a hash
    crds, web, api = (r["spec"] for r in repos)
    assert web["url"] == "oci://harbor.example.com/team/charts/web"
    assert web["ref"] == {"tag": "1.2.3_build.1"}
    assert web["layerSelector"]["mediaType"] == HELM_CHART_LAYER_MEDIA_TYPE
    assert web["secretRef"] == {"name": k8s_name("Harbor Prod", "auth")}
    assert web["certSecretRef"] == {"name": k8s_name("Harbor Prod", "ca")}
    assert crds["insecure"] is True and "secretRef" not in crds
    assert api["provider"] == "aws" and "secretRef" not in api
    assert repos[0]["metadata"]["annotations"] == {"chartyard.io/digest": f"sha256:{'a' * 64}"}
    release = releases[1]["spec"]
    assert release["releaseName"] == "web" and release["targetNamespace"] == "ns-web"
    assert release["values"] == {"name": "web"}
    assert release["dependsOn"] == [{"name": names[0], "namespace": "flux-system"}]
    assert "dependsOn" not in releases[0]["spec"]


def test_argocd_documents() -> None:
    docs = _documents("argocd")("My Profile", _model())
    validate_argocd(docs)  # the Applications against Argo CD's CRD
    secrets, apps = _by_kind(docs, "Secret"), _by_kind(docs, "Application")
    assert docs[:3] == secrets  # repository secrets come first
    data = [s["stringData"] for s in secrets]
    assert [d["url"] for d in data] == [
        "127.0.0.1:5000", "harbor.example.com/team/charts",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc"]
    assert all(d["enableOCI"] == "true" for d in data)
    assert data[0]["insecureOCIForceHttp"] == "true" and data[0]["insecure"] == "true"
    assert "username" not in data[0]
    assert (data[1]["username"], data[1]["password"]) == (PLACEHOLDER, PLACEHOLDER)
    assert data[2]["username"] == "AWS"
    waves = [a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] for a in apps]
    assert waves == ["0", "10", "10"]
    source = apps[1]["spec"]["source"]
    assert source == {"repoURL": "harbor.example.com/team/charts", "chart": "web",
                      "targetRevision": "1.2.3+build.1",
                      "helm": {"releaseName": "web", "valuesObject": {"name": "web"}}}
    assert apps[1]["spec"]["destination"]["namespace"] == "ns-web"


def test_helmfile_documents() -> None:
    [doc] = _documents("helmfile")("My Profile", _model())
    assert doc["repositories"] == [
        {"name": "local-1", "url": "127.0.0.1:5000", "oci": True, "plainHttp": True,
         "skipTLSVerify": True},
        {"name": k8s_name("Harbor Prod", "2"), "url": "harbor.example.com/team/charts",
         "oci": True},
        {"name": "ecr-3", "url": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc",
         "oci": True},
    ]
    crds, web, api = doc["releases"]
    assert web["chart"] == f"{k8s_name('Harbor Prod', '2')}/web"
    assert web["version"] == "1.2.3+build.1"
    assert web["needs"] == ["ns-crds/crds"] and "needs" not in crds
    assert api["values"] == [{"name": "api"}]
    assert api["labels"] == {"profile": k8s_name("My Profile")}


@pytest.mark.parametrize("fmt", [n for n, f in FORMATS.items() if not f.is_profile_file])
def test_render_writes_yaml_for_every_gitops_format(fmt: str) -> None:
    text = render(fmt, "p", _model())
    assert text.strip() and "!!python" not in text


def test_profile_file_formats_are_not_rendered_from_packs() -> None:
    assert {n for n, f in FORMATS.items() if f.is_profile_file} == {"json", "yaml"}
    with pytest.raises(InvalidInput, match="use one of flux, argocd, helmfile"):
        render("json", "p", _model())


def _documents(fmt: str) -> Any:
    documents = FORMATS[fmt].documents
    assert documents is not None
    return documents

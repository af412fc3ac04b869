"""Check chartyard.helm against what real helm 3 and helm 4 produce.

Charts are packaged and pushed with the real binaries to a real
``docker-registry`` (see tests/harness and /work/shared/TESTING.md); the
manifest, config blob and layer are then read back and fed to the parsers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from chartyard.helm import (
    is_chart_config,
    is_chart_layer,
    parse_chart_config,
    read_chart_archive,
    tag_to_version,
    version_to_tag,
)
from tests.harness.components import find_helm, find_helm3
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

CHART = {
    "apiVersion": "v2",
    "name": "realchart",
    "description": "A chart\nwith two lines",
    "type": "application",
    "version": "1.2.3+build.7",
    "appVersion": "v4.5.6",
    "kubeVersion": ">=1.25.0-0",
    "home": "https://example.com/realchart",
    "icon": "https://example.com/icon.png",
    "keywords": ["web", "demo"],
    "sources": ["https://github.com/example/realchart"],
    "maintainers": [{"name": "Ops", "email": "ops@example.com", "url": "https://example.com"}],
    "deprecated": True,
    "annotations": {"artifacthub.io/changes": "- kind: added\n  description: first\n"},
    "dependencies": [
        {
            "name": "sub",
            "version": "0.1.0",
            "repository": "file://charts/sub",
            "condition": "sub.enabled",
            "alias": "child",
        }
    ],
}
VALUES = "replicaCount: 2\nsub:\n  enabled: true\n"
SCHEMA = '{"$schema": "https://json-schema.org/draft-07/schema#", "type": "object"}\n'
README = "# realchart\n\nÜber-chart.\n"


def write_chart(root: Path) -> Path:
    chart = root / "realchart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(yaml.safe_dump(CHART, sort_keys=False))
    (chart / "values.yaml").write_text(VALUES)
    (chart / "values.schema.json").write_text(SCHEMA)
    (chart / "README.md").write_text(README)
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    sub = chart / "charts" / "sub"
    sub.mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    (sub / "values.yaml").write_text("fromSubchart: true\n")
    (sub / "README.md").write_text("subchart readme\n")
    return chart


@pytest.fixture(scope="module")
def registry() -> Iterator[RegistryServer]:
    server = RegistryServer("plain")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module", params=["helm4", "helm3"])
def helm(request: pytest.FixtureRequest) -> Iterator[Helm]:
    client = Helm(find_helm() if request.param == "helm4" else find_helm3())
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def packaged(helm: Helm, tmp_path: Path) -> Path:
    chart = write_chart(tmp_path)
    helm.run("package", str(chart), "--destination", str(tmp_path))
    return tmp_path / "realchart-1.2.3+build.7.tgz"


def test_read_helm_package_output(packaged: Path) -> None:
    files = read_chart_archive(packaged.read_bytes())
    assert files.values_yaml == VALUES
    assert files.readme == README
    assert files.values_schema_json == SCHEMA
    assert files.chart_yaml is not None
    assert yaml.safe_load(files.chart_yaml)["version"] == "1.2.3+build.7"


def test_push_then_parse_manifest_config_and_layer(
    helm: Helm, registry: RegistryServer, packaged: Path
) -> None:
    repo = f"{helm.version().split('.')[0]}/realchart"
    helm.push(packaged, f"{registry.oci_url}/{repo.rsplit('/', 1)[0]}", plain_http=True)

    with registry.client(timeout=10) as client:
        tags = client.get(f"/v2/{repo}/tags/list").json()["tags"]
        assert tags == [version_to_tag("1.2.3+build.7")] == ["1.2.3_build.7"]
        assert tag_to_version(tags[0]) == CHART["version"]

        response = client.get(f"/v2/{repo}/manifests/{tags[0]}", headers={"Accept": OCI_MANIFEST})
        response.raise_for_status()
        manifest: dict[str, Any] = response.json()
        config = blob(client, repo, manifest["config"]["digest"])
        layers = [layer for layer in manifest["layers"] if is_chart_layer(layer["mediaType"])]
        assert len(layers) == 1
        layer = blob(client, repo, layers[0]["digest"])

    assert is_chart_config(manifest["config"]["mediaType"])
    meta = parse_chart_config(config)
    assert meta.name == "realchart"
    assert meta.version == "1.2.3+build.7"
    assert meta.api_version == "v2"
    assert meta.app_version == "v4.5.6"
    assert meta.kube_version == ">=1.25.0-0"
    assert meta.keywords == ["web", "demo"]
    assert meta.maintainers[0].email == "ops@example.com"
    assert meta.deprecated is True
    assert meta.annotations == CHART["annotations"]
    assert [(d.name, d.alias, d.condition) for d in meta.dependencies] == [
        ("sub", "child", "sub.enabled")
    ]
    # Helm itself flattens the description's newline before pushing.
    assert meta.description == "A chart with two lines"

    # The layer is the packaged file, byte for byte.
    assert layer == packaged.read_bytes()
    assert read_chart_archive(layer).values_schema_json == SCHEMA


def blob(client: httpx.Client, repo: str, digest: str) -> bytes:
    response = client.get(f"/v2/{repo}/blobs/{digest}", follow_redirects=True)
    response.raise_for_status()
    return response.content

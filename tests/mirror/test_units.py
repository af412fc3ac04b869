"""Image references, declared images, and the deterministic classic-to-OCI conversion."""

from __future__ import annotations

import json

import pytest

from chartyard.http import Sink, compute_digest
from chartyard.mirror.images import ImageRef, chart_images, layer_images, parse_image
from chartyard.oci import chart_artifact, config_json
from tests.harness.charts import build_chart, helm_config_json

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(("text", "expected"), [
    ("nginx", ImageRef("docker.io", "library/nginx", "latest", None)),
    ("bitnami/redis:7.2", ImageRef("docker.io", "bitnami/redis", "7.2", None)),
    ("127.0.0.1:5000/a/b:1.0", ImageRef("127.0.0.1:5000", "a/b", "1.0", None)),
    ("localhost/x", ImageRef("localhost", "x", "latest", None)),
    (f"ghcr.io/o/app:v1@{DIGEST}", ImageRef("ghcr.io", "o/app", "v1", DIGEST)),
    (f"quay.io/o/app@{DIGEST}", ImageRef("quay.io", "o/app", None, DIGEST)),
])
def test_parse_image(text: str, expected: ImageRef) -> None:
    assert parse_image(text) == expected


@pytest.mark.parametrize("text", ["", "a b", "UPPER/case", "x@sha256:short", "a:b:c:d/e"])
def test_parse_image_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_image(text)


def test_declared_images_from_both_annotations_and_the_layer() -> None:
    annotations = {
        "artifacthub.io/images": "- name: app\n  image: ghcr.io/o/app:1\n",
        "helm.sh/images": "- ghcr.io/o/sidecar:2\n- image: ghcr.io/o/init:3\n",
        "other": "ignored"}
    assert chart_images(annotations) == ["ghcr.io/o/app:1", "ghcr.io/o/sidecar:2",
                                         "ghcr.io/o/init:3"]
    assert chart_images(None) == []
    values = {"pack": {"namespace": "x", "content": {"images": [
        {"image": "quay.io/o/a:1"}, "quay.io/o/b:2", {"name": "no image"}]}}}
    assert layer_images(values) == ["quay.io/o/a:1", "quay.io/o/b:2"]
    assert layer_images({"pack": "oops"}) == []


def test_config_json_matches_what_helm_push_stores() -> None:
    """The harness's helm-compatible config (checked against real helm elsewhere) agrees."""
    chart = build_chart("demo", "1.0.0", annotations={"a": "b"})
    import io
    import tarfile

    import yaml
    with tarfile.open(fileobj=io.BytesIO(chart), mode="r:gz") as tar:
        meta = yaml.safe_load(tar.extractfile("demo/Chart.yaml").read())  # type: ignore[union-attr]
    assert config_json(meta) == helm_config_json(chart)


def test_conversion_is_deterministic_and_carries_the_prov() -> None:
    chart = build_chart("demo", "1.0.0")

    def once(prov: bytes | None) -> str:
        sink = Sink()
        sink.write(chart)
        converted = chart_artifact(sink.rewind(), sink.digest, sink.size, prov)
        sink.close()
        assert converted.chart_digest == compute_digest(chart)
        return converted.digest

    assert once(None) == once(None)
    assert once(b"-----BEGIN PGP SIGNED MESSAGE-----\n") != once(None)


def test_layers_are_sorted_by_digest_as_helm_push_sorts_them() -> None:
    chart = build_chart("demo", "1.0.0")
    chart_digest = compute_digest(chart)
    provs = (f"-----BEGIN PGP SIGNED MESSAGE-----\n{i}\n".encode() for i in range(1000))
    before = next(p for p in provs if compute_digest(p) < chart_digest)
    after = next(p for p in provs if compute_digest(p) > chart_digest)
    for prov, first in ((before, compute_digest(before)), (after, chart_digest)):
        sink = Sink()
        sink.write(chart)
        manifest = json.loads(chart_artifact(sink.rewind(), sink.digest, sink.size, prov).manifest)
        sink.close()
        digests = [layer["digest"] for layer in manifest["layers"]]
        assert digests == sorted(digests) and digests[0] == first


def test_config_json_writes_go_struct_order_as_helm_push_does() -> None:
    """``helm package`` sorts Chart.yaml's keys; helm push writes its Go structs in order."""
    meta = {"version": "1.0.0", "name": "demo", "annotations": {"b": "2", "a": "1"},
            "maintainers": [{"url": "https://x", "email": "e@x", "name": "n"}],
            "dependencies": [{"repository": "oci://r", "version": "1", "name": "d",
                              "enabled": False}]}
    assert config_json(meta) == (
        b'{"name":"demo","version":"1.0.0","maintainers":[{"name":"n","email":"e@x",'
        b'"url":"https://x"}],"annotations":{"a":"1","b":"2"},"dependencies":[{"name":"d",'
        b'"version":"1","repository":"oci://r"}]}')

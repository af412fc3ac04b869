"""Tests for parse_chart_config and the chart media types."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from chartyard.helm import (
    HELM_CHART_LAYER_MEDIA_TYPE,
    HELM_CONFIG_MEDIA_TYPE,
    HELM_PROVENANCE_MEDIA_TYPE,
    LEGACY_CHART_LAYER_MEDIA_TYPES,
    ChartMetadata,
    Dependency,
    InvalidChartMetadata,
    Maintainer,
    is_chart_config,
    is_chart_layer,
    parse_chart_config,
)
from chartyard.limits import LimitExceeded

# What `helm push` stores for kube-prometheus-stack-style Chart.yaml: Go's
# json.Marshal of chart.Metadata, field order and omitempty as Helm writes it.
FULL_CONFIG: dict[str, Any] = {
    "name": "kube-prometheus-stack",
    "home": "https://github.com/prometheus-operator/kube-prometheus",
    "sources": [
        "https://github.com/prometheus-community/helm-charts",
        "https://github.com/prometheus-operator/kube-prometheus",
    ],
    "version": "61.2.0",
    "description": "kube-prometheus-stack collects Kubernetes manifests, Grafana dashboards, "
    "and Prometheus rules combined with documentation and scripts.",
    "keywords": ["operator", "prometheus", "kube-prometheus"],
    "maintainers": [
        {
            "name": "andrewgkew",
            "email": "andrew@quadcorps.co.uk",
            "url": "https://github.com/andrewgkew",
        },
        {"name": "gianrubio", "email": "gianrubio@gmail.com"},
    ],
    "icon": "https://raw.githubusercontent.com/prometheus/prometheus.github.io/master/assets/prometheus_logo-cb55bb5c346.png",
    "apiVersion": "v2",
    "appVersion": "v0.75.0",
    "annotations": {
        "artifacthub.io/license": "Apache-2.0",
        "artifacthub.io/links": "- name: Chart Source\n  url: https://github.com/prometheus-community/helm-charts\n",
        "artifacthub.io/operator": "true",
    },
    "kubeVersion": ">=1.19.0-0",
    "dependencies": [
        {
            "name": "crds",
            "version": "0.0.0",
            "condition": "crds.enabled",
        },
        {
            "name": "kube-state-metrics",
            "version": "5.21.*",
            "repository": "https://prometheus-community.github.io/helm-charts",
            "condition": "kubeStateMetrics.enabled",
            "import-values": ["child"],
        },
        {
            "name": "grafana",
            "version": "8.3.*",
            "repository": "https://grafana.github.io/helm-charts",
            "condition": "grafana.enabled",
            "alias": "dashboards",
            "tags": ["ui"],
        },
    ],
    "type": "application",
}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


# ------------------------------------------------------------------ parsing


def test_full_config() -> None:
    meta = parse_chart_config(encode(FULL_CONFIG))
    assert meta.name == "kube-prometheus-stack"
    assert meta.version == "61.2.0"
    assert meta.api_version == "v2"
    assert meta.app_version == "v0.75.0"
    assert meta.kube_version == ">=1.19.0-0"
    assert meta.type == "application"
    assert meta.deprecated is False
    assert meta.keywords == ["operator", "prometheus", "kube-prometheus"]
    assert meta.sources[1] == "https://github.com/prometheus-operator/kube-prometheus"
    assert meta.home == FULL_CONFIG["home"]
    assert meta.icon == FULL_CONFIG["icon"]
    assert meta.maintainers == [
        Maintainer(
            name="andrewgkew", email="andrew@quadcorps.co.uk", url="https://github.com/andrewgkew"
        ),
        Maintainer(name="gianrubio", email="gianrubio@gmail.com"),
    ]
    assert meta.dependencies[0] == Dependency(
        name="crds", version="0.0.0", condition="crds.enabled"
    )
    assert meta.dependencies[2].alias == "dashboards"
    assert meta.dependencies[1].repository == "https://prometheus-community.github.io/helm-charts"
    # Multi-line annotation values keep their newlines.
    assert meta.annotations["artifacthub.io/links"].count("\n") == 2


def test_dump_by_alias_round_trips_helm_spelling() -> None:
    meta = parse_chart_config(encode(FULL_CONFIG))
    dumped = meta.model_dump(by_alias=True)
    assert dumped["apiVersion"] == "v2"
    assert dumped["kubeVersion"] == ">=1.19.0-0"
    assert parse_chart_config(encode(dumped)) == meta


def test_minimal_config_gets_defaults() -> None:
    meta = parse_chart_config(b'{"name": "mini", "version": "0.1.0"}')
    assert meta == ChartMetadata(name="mini", version="0.1.0")
    assert meta.api_version is None
    assert meta.keywords == []
    assert meta.maintainers == []
    assert meta.dependencies == []
    assert meta.annotations == {}
    assert meta.type == "application"
    assert meta.deprecated is False


def test_nulls_count_as_absent() -> None:
    document = {
        "name": "n",
        "version": "1.0.0",
        "appVersion": None,
        "keywords": None,
        "sources": None,
        "maintainers": None,
        "dependencies": None,
        "annotations": None,
        "deprecated": None,
        "type": None,
    }
    assert parse_chart_config(encode(document)) == ChartMetadata(name="n", version="1.0.0")


def test_library_chart_and_deprecated_flag() -> None:
    meta = parse_chart_config(
        encode({"name": "common", "version": "2.0.0", "type": "library", "deprecated": True})
    )
    assert meta.type == "library"
    assert meta.deprecated is True


def test_unknown_fields_are_ignored() -> None:
    meta = parse_chart_config(
        encode({"name": "n", "version": "1", "engine": "gotpl", "x": {"y": [1]}})
    )
    assert not hasattr(meta, "engine")
    assert "x" not in meta.model_dump()


def test_invalid_semver_version_is_still_accepted() -> None:
    assert parse_chart_config(encode({"name": "n", "version": "latest"})).version == "latest"


def test_model_is_frozen() -> None:
    meta = parse_chart_config(encode(FULL_CONFIG))
    with pytest.raises(pydantic.ValidationError):
        meta.name = "other"  # type: ignore[misc]


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "override,field",
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "\x00\x1b"}, "name"),
        ({"version": "\u202e"}, "version"),
        ({"version": 1.0}, "version"),
        ({"apiVersion": 2}, "apiVersion"),
        ({"appVersion": ["1"]}, "appVersion"),
        ({"deprecated": "true"}, "deprecated"),
        ({"deprecated": 1}, "deprecated"),
        ({"keywords": "a,b"}, "keywords"),
        ({"keywords": ["a", 2]}, "keywords[1]"),
        ({"maintainers": [{"name": "a"}, {"email": 5}]}, "maintainers[1].email"),
        ({"maintainers": [None]}, "maintainers[0]"),
        ({"dependencies": [{"version": "1.0.0"}]}, "dependencies[0].name"),
        ({"dependencies": {"name": "x"}}, "dependencies"),
        ({"annotations": {"a": 1}}, "annotations.a"),
        ({"annotations": ["a"]}, "annotations"),
        ({"type": "app"}, "type"),
        ({"kubeVersion": {"min": "1.19"}}, "kubeVersion"),
    ],
)
def test_wrong_types_name_the_field(override: dict[str, Any], field: str) -> None:
    document = {"name": "n", "version": "1.0.0", **override}
    with pytest.raises(InvalidChartMetadata) as info:
        parse_chart_config(encode(document))
    assert info.value.field == field
    assert repr(field) in str(info.value)


def test_missing_version() -> None:
    with pytest.raises(InvalidChartMetadata, match="'version': Field required"):
        parse_chart_config(b'{"name": "n"}')


def test_all_errors_are_counted_in_message() -> None:
    with pytest.raises(InvalidChartMetadata, match=r"and 2 more"):
        parse_chart_config(b'{"name": 1, "version": 2, "deprecated": "no"}')


@pytest.mark.parametrize("payload", [b"[]", b'"chart"', b"null", b"42"])
def test_not_an_object(payload: bytes) -> None:
    with pytest.raises(InvalidChartMetadata, match="must be a JSON object") as info:
        parse_chart_config(payload)
    assert info.value.field is None


@pytest.mark.parametrize("payload", [b"", b"{", b"name: x\n", b'{"name": "\xff"}', b'{"a": NaN}'])
def test_not_json(payload: bytes) -> None:
    with pytest.raises(InvalidChartMetadata, match="not valid JSON"):
        parse_chart_config(payload)


def test_too_large() -> None:
    padding = "x" * (1024 * 1024)
    with pytest.raises(InvalidChartMetadata, match="over the limit") as info:
        parse_chart_config(encode({"name": "n", "version": "1", "home": padding}))
    assert isinstance(info.value.__cause__, LimitExceeded)
    assert info.value.__cause__.limit == "max_bytes"


def test_deep_json() -> None:
    payload = b'{"name": "n", "version": "1", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(InvalidChartMetadata, match="nests deeper") as info:
        parse_chart_config(payload)
    assert isinstance(info.value.__cause__, LimitExceeded)


# ------------------------------------------------------------- string policy


def test_long_description_is_truncated() -> None:
    meta = parse_chart_config(encode({"name": "n", "version": "1", "description": "d" * 50_000}))
    assert meta.description is not None
    assert len(meta.description) == 10_000
    assert meta.description.endswith("…")
    exact = parse_chart_config(encode({"name": "n", "version": "1", "description": "d" * 10_000}))
    assert exact.description == "d" * 10_000


@pytest.mark.parametrize(
    "override,field",
    [
        ({"name": "n" * 251}, "name"),
        ({"version": "1.0.0-" + "a" * 123}, "version"),
        ({"home": "https://example.com/" + "p" * 5000}, "home"),
        ({"keywords": ["k"] * 257}, "keywords"),
        ({"annotations": {"k": "v" * (64 * 1024 + 1)}}, "annotations.k"),
    ],
)
def test_oversized_identifiers_and_urls_are_rejected(override: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidChartMetadata) as info:
        parse_chart_config(encode({"name": "n", "version": "1", **override}))
    assert info.value.field == field


def test_limits_are_inclusive() -> None:
    meta = parse_chart_config(encode({"name": "n" * 250, "version": "1." + "0" * 126}))
    assert len(meta.name) == 250
    assert len(meta.version) == 128


def test_control_characters_are_removed() -> None:
    document = {
        "name": "evil\x1b[2Jchart",
        "version": "1.0.0",
        "description": "line one\nline\u202etwo\x00\tend",
        "keywords": ["a\tb"],
        "annotations": {"note": "keep\nnewlines\x07"},
    }
    meta = parse_chart_config(encode(document))
    assert meta.name == "evil[2Jchart"
    assert meta.description == "line one\nlinetwo\tend"
    assert meta.keywords == ["a b"]
    assert meta.annotations == {"note": "keep\nnewlines"}


# -------------------------------------------------------------- media types


def test_media_type_constants() -> None:
    assert HELM_CONFIG_MEDIA_TYPE == "application/vnd.cncf.helm.config.v1+json"
    assert HELM_CHART_LAYER_MEDIA_TYPE == "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    assert HELM_PROVENANCE_MEDIA_TYPE == "application/vnd.cncf.helm.chart.provenance.v1.prov"
    assert "application/tar+gzip" in LEGACY_CHART_LAYER_MEDIA_TYPES


@pytest.mark.parametrize(
    "media_type,expected",
    [
        (HELM_CONFIG_MEDIA_TYPE, True),
        ("Application/VND.cncf.helm.config.v1+JSON", True),
        (HELM_CONFIG_MEDIA_TYPE + "; charset=utf-8", True),
        (" " + HELM_CONFIG_MEDIA_TYPE, True),
        ("application/vnd.oci.image.config.v1+json", False),
        ("application/vnd.docker.container.image.v1+json", False),
        ("application/vnd.oci.empty.v1+json", False),
        ("application/vnd.cncf.helm.config.v2+json", False),
        ("", False),
        (None, False),
    ],
)
def test_is_chart_config(media_type: str | None, expected: bool) -> None:
    assert is_chart_config(media_type) is expected


@pytest.mark.parametrize(
    "media_type,expected",
    [
        (HELM_CHART_LAYER_MEDIA_TYPE, True),
        ("application/tar+gzip", True),
        ("application/vnd.cncf.helm.chart.content.layer.v1+tar", True),
        (HELM_PROVENANCE_MEDIA_TYPE, False),
        ("application/vnd.oci.image.layer.v1.tar+gzip", False),
        (None, False),
    ],
)
def test_is_chart_layer(media_type: str | None, expected: bool) -> None:
    assert is_chart_layer(media_type) is expected

"""chartyard's own Helm chart: real `helm lint` and `helm template`, objects validated against
Kubernetes' JSON schemas (kubernetes-validate ships them offline), and a dogfood push + sync."""

from __future__ import annotations

import base64
import importlib.metadata
import time
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet

from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.components import REPO_ROOT
from tests.harness.helm import Helm, HelmError
from tests.harness.registry import RegistryServer

CHART = REPO_ROOT / "deploy" / "helm" / "chartyard"
K8S_FLOOR = "1.25.0"  # the chart's kubeVersion floor
PG_URL = "postgresql+psycopg://chartyard:pw@db.example:5432/chartyard"
CRD_KINDS = {"ServiceMonitor"}  # not in Kubernetes' own schemas

VARIANTS: dict[str, dict[str, str]] = {
    "sqlite": {},
    "postgresql": {"postgresql.url": PG_URL, "replicaCount": "3", "worker.replicaCount": "2"},
    "ingress": {"postgresql.existingSecret": "db", "ingress.enabled": "true",
                "ingress.className": "nginx", "ingress.tls.enabled": "true",
                "ingress.tls.secretName": "chartyard-tls", "tls.existingSecret": "pod-tls",
                "metrics.serviceMonitor.enabled": "true", "networkPolicy.enabled": "true",
                "auth.existingSecret": "my-auth", "apiWorkers": "2"},
}


def _render(helm: Helm, variant: str) -> list[dict[str, Any]]:
    text = helm.template(CHART, set_values=VARIANTS[variant], release="cy")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, [(d["kind"], d["metadata"]["name"]) for d in docs]
    return found[0]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def test_helm_lint_passes_with_both_helm_majors(helm: Helm, helm3: Helm) -> None:
    for binary in (helm, helm3):
        for variant in VARIANTS.values():
            args = [arg for k, v in variant.items() for arg in ("--set", f"{k}={v}")]
            out = binary.run("lint", "--strict", str(CHART), *args)
            assert "0 chart(s) failed" in out.stdout


def _k8s_versions() -> tuple[str, str]:
    """Return the floor and the newest Kubernetes schemas this kubernetes-validate ships."""
    shipped = kubernetes_validate.utils.all_versions()
    assert K8S_FLOOR in shipped, (
        f"kubernetes-validate {importlib.metadata.version('kubernetes-validate')} no longer ships "
        f"Kubernetes {K8S_FLOOR} schemas (oldest: {min(shipped, key=_semver)}): raise the "
        "chart's kubeVersion floor with K8S_FLOOR, or keep the lock on an older release"
    )
    return K8S_FLOOR, kubernetes_validate.latest_version()


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_objects_validate_against_kubernetes_schemas(helm: Helm, variant: str) -> None:
    docs = _render(helm, variant)
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            continue
        for version in _k8s_versions():
            kubernetes_validate.validate(doc, version, strict=True)
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        container = _container(doc)
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["requests"] and container["resources"]["limits"]
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert {"/tmp", "/var/lib/chartyard"} <= mounts  # writable despite a read-only root
        for env in container["env"]:
            if any(word in env["name"] for word in ("SECRET", "PASSWORD", "DATABASE_URL")):
                assert "value" not in env and "secretKeyRef" in env["valueFrom"], env


def test_sqlite_mode_is_one_pod_with_a_volume(helm: Helm) -> None:
    docs = _render(helm, "sqlite")
    api = _one(docs, "Deployment", "cy-chartyard")
    assert api["spec"]["replicas"] == 1 and api["spec"]["strategy"]["type"] == "Recreate"
    assert not [d for d in docs if d["metadata"]["name"].endswith("-worker")]
    container = _container(api)
    assert "--no-worker" not in container["args"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    claim = _one(docs, "PersistentVolumeClaim", "cy-chartyard-data")
    volumes = {v["name"]: v for v in api["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    secret = _one(docs, "Secret", "cy-chartyard-auth")
    key = base64.b64decode(secret["data"]["secret-key"])
    Fernet(key)  # a usable Fernet key
    assert len(base64.b64decode(secret["data"]["admin-password"])) == 24
    _one(docs, "PodDisruptionBudget", "cy-chartyard-api")


def test_postgresql_mode_has_api_replicas_and_workers(helm: Helm) -> None:
    docs = _render(helm, "postgresql")
    api = _one(docs, "Deployment", "cy-chartyard")
    worker = _one(docs, "Deployment", "cy-chartyard-worker")
    assert api["spec"]["replicas"] == 3 and worker["spec"]["replicas"] == 2
    assert "--no-worker" in _container(api)["args"]
    assert _container(worker)["args"][0] == "worker"
    assert not [d for d in docs if d["kind"] == "PersistentVolumeClaim"]
    db = _one(docs, "Secret", "cy-chartyard-database")
    assert base64.b64decode(db["data"]["database-url"]).decode() == PG_URL
    assert PG_URL not in yaml.safe_dump_all([d for d in docs if d["kind"] != "Secret"])
    _one(docs, "PodDisruptionBudget", "cy-chartyard-worker")


def test_ingress_variant_has_tls_monitoring_and_network_policy(helm: Helm) -> None:
    docs = _render(helm, "ingress")
    ingress = _one(docs, "Ingress", "cy-chartyard")
    assert ingress["spec"]["tls"] == [{"hosts": ["chartyard.example.com"],
                                       "secretName": "chartyard-tls"}]
    assert not [d for d in docs if d["kind"] == "Secret"]  # both Secrets are the user's
    api = _one(docs, "Deployment", "cy-chartyard")
    container = _container(api)
    assert "--tls-cert=/etc/chartyard/tls/tls.crt" in container["args"]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert "--workers=2" in container["args"]
    monitor = _one(docs, "ServiceMonitor", "cy-chartyard")
    assert {e["port"] for e in monitor["spec"]["endpoints"]} == {"http", "metrics"}
    assert all(e["path"] == "/metrics" for e in monitor["spec"]["endpoints"])
    _one(docs, "NetworkPolicy", "cy-chartyard")


@pytest.mark.parametrize(("key", "value", "field"), [
    ("postgresql.url", "mysql://db/x", "/postgresql/url"),
    ("replicaCount", "0", "/replicaCount"),
    ("logFormat", "xml", "/logFormat"),
])
def test_values_schema_rejects_bad_values(helm: Helm, key: str, value: str, field: str) -> None:
    with pytest.raises(HelmError) as caught:
        helm.template(CHART, set_values={key: value})
    assert field in str(caught.value)


def test_dogfood_chart_is_pushed_and_synced_into_chartyard(
        helm: Helm, plain_registry: RegistryServer, tmp_path: Path,
        unique_repo_prefix: str) -> None:
    helm.run("package", str(CHART), "--destination", str(tmp_path))
    version = yaml.safe_load((CHART / "Chart.yaml").read_text())["version"]
    package = tmp_path / f"chartyard-{version}.tgz"
    helm.push(package, f"oci://{plain_registry.host_port}/{unique_repo_prefix}",
              plain_http=True)
    server = ChartyardServer(tmp_path / "data", admin_password="dogfood-admin-pass")
    try:
        auth = {"Authorization": f"Bearer {server.token()}"}
        r = httpx.post(f"{server.url}/v1/registries/oci/basic", headers=auth,
                       json=basic_body("self", plain_registry.url, sync=True,
                                       base=[unique_repo_prefix]))
        assert r.status_code == 201, r.text
        uid = r.json()["uid"]
        deadline = time.monotonic() + 60
        while True:
            status = httpx.get(f"{server.url}/v1/registries/oci/{uid}/basic/sync/status",
                               headers=auth).json()
            if status["status"] in ("Completed", "Failed"):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["status"] == "Completed", status
        tags = httpx.get(f"{server.url}/v1/packs/chartyard/registries/{uid}", headers=auth)
        assert tags.status_code == 200, tags.text
        assert [t["version"] for t in tags.json()["tags"]] == [version]
    finally:
        server.close()

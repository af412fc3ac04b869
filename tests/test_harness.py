"""The harness itself, proven against the real registry, helm and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest

from tests.conftest import TOKEN_PASSWORD, TOKEN_USER, ChartFactory
from tests.harness.charts import build_chart, chart_metadata, read_chart_file
from tests.harness.components import MissingComponent
from tests.harness.helm import Helm, HelmError
from tests.harness.oci_push import (
    HELM_CHART_LAYER,
    HELM_CONFIG,
    OCI_MANIFEST,
    OciPusher,
    RegistryAuth,
    push_chart,
)
from tests.harness.postgres import PostgresServer
from tests.harness.registry import RegistryServer


def test_chart_bytes_are_deterministic() -> None:
    first = build_chart("demo", "1.2.3", padding_bytes=2048, padding_seed=7)
    assert first == build_chart("demo", "1.2.3", padding_bytes=2048, padding_seed=7)
    assert first != build_chart("demo", "1.2.4", padding_bytes=2048, padding_seed=7)
    assert chart_metadata(first)["apiVersion"] == "v2"
    assert read_chart_file(first, "files/padding.bin") != b"\0" * 2048


def test_helm_push_pull_tls(
    tls_registry: RegistryServer,
    helm: Helm,
    chart_factory: ChartFactory,
    unique_repo_prefix: str,
    tmp_path: Path,
) -> None:
    chart = chart_factory.write("tlschart", "0.1.0")
    digest = helm.push(
        chart,
        f"{tls_registry.oci_url}/{unique_repo_prefix}",
        ca_file=tls_registry.ca_file,
        username=tls_registry.username,
        password=tls_registry.password,
    )
    assert digest.startswith("sha256:")
    pulled = helm.pull(
        f"{tls_registry.oci_url}/{unique_repo_prefix}/tlschart",
        "0.1.0",
        tmp_path / "out",
        ca_file=tls_registry.ca_file,
    )
    assert pulled.read_bytes() == chart.read_bytes()


def test_helm_rejects_untrusted_tls(tls_registry: RegistryServer, helm: Helm) -> None:
    with pytest.raises(HelmError, match=r"certificate|x509|tls"):
        helm.login(tls_registry.host_port, "chartyard", "whatever")


def test_helm_push_pull_plain(
    plain_registry: RegistryServer,
    helm: Helm,
    chart_factory: ChartFactory,
    unique_repo_prefix: str,
    tmp_path: Path,
) -> None:
    chart = chart_factory.write("plainchart", "1.0.0+build.5")
    helm.push(chart, f"{plain_registry.oci_url}/{unique_repo_prefix}", plain_http=True)
    tags = httpx.get(f"{plain_registry.url}/v2/{unique_repo_prefix}/plainchart/tags/list")
    assert tags.json()["tags"] == ["1.0.0_build.5"]
    pulled = helm.pull(
        f"{plain_registry.oci_url}/{unique_repo_prefix}/plainchart",
        "1.0.0+build.5",
        tmp_path / "out",
        **plain_registry.helm_tls,
    )
    assert pulled.read_bytes() == chart.read_bytes()


def test_helm_push_pull_token(
    token_registry: RegistryServer,
    helm: Helm,
    chart_factory: ChartFactory,
    unique_repo_prefix: str,
    tmp_path: Path,
) -> None:
    assert token_registry.token_server is not None
    before = token_registry.token_server.issued
    chart = chart_factory.write("tokchart", "2.0.0")
    helm.push(
        chart,
        f"{token_registry.oci_url}/{unique_repo_prefix}",
        plain_http=True,
        username=TOKEN_USER,
        password=TOKEN_PASSWORD,
    )
    pulled = helm.pull(
        f"{token_registry.oci_url}/{unique_repo_prefix}/tokchart",
        "2.0.0",
        tmp_path / "out",
        plain_http=True,
    )
    assert pulled.read_bytes() == chart.read_bytes()
    assert token_registry.token_server.issued > before
    with Helm(helm.binary) as fresh, pytest.raises(HelmError, match=r"401|unauthorized"):
        fresh.login(token_registry.host_port, TOKEN_USER, "wrong", plain_http=True)


@pytest.mark.parametrize("registry_name", ["plain_registry", "tls_registry", "token_registry"])
def test_direct_push_is_helm_compatible(
    registry_name: str,
    request: pytest.FixtureRequest,
    helm: Helm,
    unique_repo_prefix: str,
    tmp_path: Path,
) -> None:
    registry: RegistryServer = request.getfixturevalue(registry_name)
    chart = build_chart("direct", "3.1.0", values="greeting: bonjour-from-direct-push\n")
    repo = f"{unique_repo_prefix}/direct"
    digest = push_chart(
        registry.url, repo, "3.1.0", chart, auth=registry.auth, verify=registry.verify
    )
    if registry.username:
        helm.login(
            registry.host_port, registry.username, registry.password or "", **registry.helm_tls
        )
    pulled = helm.pull(f"{registry.oci_url}/{repo}", "3.1.0", tmp_path / "out", **registry.helm_tls)
    assert pulled.read_bytes() == chart
    rendered = helm.template(f"{registry.oci_url}/{repo}", "3.1.0", **registry.helm_tls)
    assert 'greeting: "bonjour-from-direct-push"' in rendered
    assert helm.show_chart(pulled)["version"] == "3.1.0"

    with OciPusher.for_registry(registry) as pusher:
        assert pusher.manifest_digest(repo, "3.1.0") == digest
        manifest = pusher.client.get(
            f"/v2/{repo}/manifests/{digest}", headers={"Accept": OCI_MANIFEST}
        ).json()
    assert manifest["config"]["mediaType"] == HELM_CONFIG
    assert manifest["layers"][0]["mediaType"] == HELM_CHART_LAYER


def test_images_and_tag_deletes(plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    repo = f"{unique_repo_prefix}/mixed"
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(repo, "1.0.0", build_chart("mixed", "1.0.0"))
        pusher.push_image(repo, "latest")
        tags = pusher.client.get(f"/v2/{repo}/tags/list").json()["tags"]
        assert sorted(tags) == ["1.0.0", "latest"]
        pusher.delete_tag(repo, "1.0.0")
        pusher.delete_tag(repo, "latest")
        assert pusher.client.get(f"/v2/{repo}/tags/list").json()["tags"] is None


def _anonymous_get(registry: RegistryServer, path: str) -> httpx.Response:
    with httpx.Client(
        base_url=registry.url, auth=RegistryAuth(None), verify=registry.verify
    ) as client:
        return client.get(path, headers={"Accept": OCI_MANIFEST})


def test_token_anonymous_pull_policy(
    token_registry: RegistryServer, unique_repo_prefix: str
) -> None:
    chart = build_chart("x", "1.0.0")
    with OciPusher.for_registry(token_registry) as pusher:
        pusher.push_chart(f"public/{unique_repo_prefix}/x", "1.0.0", chart)
        pusher.push_chart(f"private/{unique_repo_prefix}/x", "1.0.0", chart)
        catalog = pusher.client.get("/v2/_catalog")
    assert catalog.status_code == 200
    assert (
        _anonymous_get(
            token_registry, f"/v2/public/{unique_repo_prefix}/x/manifests/1.0.0"
        ).status_code
        == 200
    )
    denied = _anonymous_get(token_registry, f"/v2/private/{unique_repo_prefix}/x/manifests/1.0.0")
    assert denied.status_code == 401
    assert _anonymous_get(token_registry, "/v2/_catalog").status_code == 401

    token_server = token_registry.token_server
    assert token_server is not None
    bad = httpx.get(
        token_server.realm, params={"service": token_server.service}, auth=(TOKEN_USER, "nope")
    )
    assert bad.status_code == 401
    scopes = {
        "service": token_server.service,
        "scope": [f"repository:private/{unique_repo_prefix}/x:pull", "registry:catalog:*"],
    }
    anonymous = httpx.get(token_server.realm, params=scopes).json()
    assert anonymous["token"] == anonymous["access_token"]
    assert anonymous["expires_in"] == 60
    claims = jwt.decode(anonymous["token"], options={"verify_signature": False})
    assert claims["access"] == []
    assert claims["aud"] == token_server.service and claims["sub"] == ""
    assert jwt.get_unverified_header(anonymous["token"])["x5c"]


def test_ghcr_like_has_no_catalog(
    ghcr_like_registry: RegistryServer, unique_repo_prefix: str
) -> None:
    repo = f"{unique_repo_prefix}/chart"
    with OciPusher.for_registry(ghcr_like_registry) as pusher:
        pusher.push_chart(repo, "0.0.1", build_chart("chart", "0.0.1"))
        assert pusher.client.get("/v2/_catalog").status_code == 401
    assert _anonymous_get(ghcr_like_registry, f"/v2/{repo}/tags/list").json()["tags"] == ["0.0.1"]


def test_catalog_pagination_uses_relative_link(
    registry_factory: Callable[..., RegistryServer],
) -> None:
    registry = registry_factory("plain")
    chart = build_chart("c", "1.0.0")
    with OciPusher.for_registry(registry) as pusher:
        pushed = pusher.push_many((f"bulk/r{i:03d}", "1.0.0", chart) for i in range(105))
        assert len({p.digest for p in pushed}) == 1
        first = pusher.client.get("/v2/_catalog")
        link = first.headers["Link"]
        assert link.startswith("</v2/_catalog?") and link.endswith('>; rel="next"')
        second = pusher.client.get(link[1 : link.index(">")])
    assert len(first.json()["repositories"]) == 100
    assert "Link" not in second.headers
    names = first.json()["repositories"] + second.json()["repositories"]
    assert names == [f"bulk/r{i:03d}" for i in range(105)]


def test_registry_restart_keeps_data(registry_factory: Callable[..., RegistryServer]) -> None:
    registry = registry_factory("htpasswd_tls")
    with OciPusher.for_registry(registry) as pusher:
        pusher.push_chart("keep/me", "1.0.0", build_chart("me", "1.0.0"))
    registry.stop()
    with pytest.raises(httpx.ConnectError), registry.client() as client:
        client.get("/v2/")
    registry.start()
    with registry.client(auth=registry.auth) as client:
        assert client.get("/v2/keep/me/tags/list").json()["tags"] == ["1.0.0"]
        registry.pause()
        with pytest.raises(httpx.ReadTimeout):
            client.get("/v2/", timeout=2.0)  # a paused registry never answers
        registry.resume()
        assert client.get("/v2/").status_code == 200


def test_htpasswd_users_change_live(registry_factory: Callable[..., RegistryServer]) -> None:
    registry = registry_factory("htpasswd_tls")
    with registry.client() as client:
        assert client.get("/v2/", auth=registry.auth).status_code == 200
        old = registry.auth
        registry.set_user("chartyard", "rotated")
        assert client.get("/v2/", auth=old).status_code == 401
        assert client.get("/v2/", auth=("chartyard", "rotated")).status_code == 200
    assert registry.password == "rotated"


def test_postgres_select_one(postgres_server: PostgresServer, postgres_url: str) -> None:
    assert postgres_url.startswith(
        f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/"
    )
    database = postgres_url.rsplit("/", 1)[1]
    with postgres_server.connect(database) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_missing_helm_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTYARD_HELM", "/nonexistent/helm")
    with pytest.raises(MissingComponent, match=r"install-test-deps\.sh"):
        Helm()


def test_token_cache_reuses_tokens(token_registry: RegistryServer, unique_repo_prefix: str) -> None:
    server = token_registry.token_server
    assert server is not None
    with OciPusher.for_registry(token_registry) as pusher:
        start = time.monotonic()
        pusher.push_chart(f"{unique_repo_prefix}/a", "1.0.0", build_chart("a", "1.0.0"))
        pusher.push_chart(f"{unique_repo_prefix}/a", "1.0.1", build_chart("a", "1.0.1"))
        assert pusher.auth.token_requests == 1
        assert time.monotonic() - start < 10


def test_direct_push_matches_helm_push_bytes(
    plain_registry: RegistryServer, helm: Helm, chart_factory: ChartFactory, unique_repo_prefix: str
) -> None:
    chart = chart_factory.write("same", "1.0.0", icon="https://example.com/icon.png")
    helm_digest = helm.push(
        chart, f"{plain_registry.oci_url}/{unique_repo_prefix}/helm", plain_http=True
    )
    with OciPusher.for_registry(plain_registry) as pusher:
        helm_manifest = pusher.client.get(
            f"/v2/{unique_repo_prefix}/helm/same/manifests/1.0.0", headers={"Accept": OCI_MANIFEST}
        ).json()
        created = helm_manifest["annotations"]["org.opencontainers.image.created"]
        direct_digest = pusher.push_chart(
            f"{unique_repo_prefix}/direct/same", "1.0.0", chart.read_bytes(), created=created
        )
    assert direct_digest == helm_digest

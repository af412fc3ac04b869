"""Profile fixtures: registries with charts pushed and synced, and body builders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from chartyard.helm import version_to_tag
from tests.harness.app import Api, basic_body
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

# Run a test on SQLite only (the `api` fixture otherwise runs it on PostgreSQL too).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def create_registry(api: Api, endpoint: str, *, name: str, sync: bool,
                    base: list[str] | None = None, repos: list[str] | None = None,
                    skip_validation: bool = False, **auth: Any) -> str:
    """Create a Basic registry through the API and return its uid."""
    body = basic_body(name, endpoint, sync=sync, base=base, repos=repos, **auth)
    params = {"skipValidation": "true"} if skip_validation else None
    r = api.post("/v1/registries/oci/basic", body, params=params)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def push(reg: RegistryServer, repo: str, version: str, **chart: Any) -> str:
    """Push a chart version like `helm push` does; return its manifest digest."""
    name = repo.rsplit("/", 1)[-1]
    with OciPusher.for_registry(reg) as pusher:
        return pusher.push_chart(repo, version_to_tag(version), build_chart(name, version, **chart))


def pack(name: str, tag: str, registry_uid: str, values: str = "", **extra: Any) -> dict[str, Any]:
    """Return one pack of a profile body."""
    return {"name": name, "tag": tag, "registryUid": registry_uid, "type": "oci",
            "values": values, **extra}


def profile(name: str, packs: list[dict[str, Any]], *, version: str | None = None,
            profile_type: str = "add-on", labels: dict[str, str] | None = None,
            description: str = "") -> dict[str, Any]:
    """Return a profile body."""
    spec: dict[str, Any] = {"template": {"type": profile_type, "cloudType": "all",
                                         "packs": packs}}
    if version is not None:
        spec["version"] = version
    return {"metadata": {"name": name, "annotations": {"description": description},
                         "labels": labels or {}},
            "spec": spec}


def create_profile(api: Api, body: dict[str, Any], **params: str) -> str:
    """Create a profile and return its uid."""
    r = api.post("/v1/clusterprofiles", body, params=params or None)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


@dataclass
class Synced:
    """A sync-on registry over `prefix` of the plain registry, synced once."""

    uid: str
    prefix: str
    registry: RegistryServer
    digests: dict[str, str]

    def repo(self, chart: str) -> str:
        """Return the full repository of a chart."""
        return f"{self.prefix}/{chart}"


@pytest.fixture
def synced(api: Api, plain_registry: RegistryServer, helm: Helm, chart_factory: Any,
           unique_repo_prefix: str) -> Synced:
    """nginx 1.0.0/1.1.0/2.0.0 and redis 7.0.0+build.1 (pushed by real helm), synced."""
    p = unique_repo_prefix
    digests = {f"nginx:{v}": push(plain_registry, f"{p}/nginx", v)
               for v in ("1.0.0", "1.1.0", "2.0.0")}
    digests["redis:7.0.0+build.1"] = helm.push(
        chart_factory.write("redis", "7.0.0+build.1"), f"{plain_registry.oci_url}/{p}",
        plain_http=True)
    uid = create_registry(api, plain_registry.url, name="synced", sync=True, base=[p])
    assert sync_now(api.ctx, uid).status == "Completed"
    return Synced(uid, p, plain_registry, digests)

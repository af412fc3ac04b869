"""An ECR registry (moto for AWS, a real registry for `/v2/`): drop-down, Private Packs, Flux."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.aws.conftest import ACCOUNT, ENDPOINT, aws_env, moto_server  # noqa: F401
from tests.harness.app import Api
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, pack, profile, push, sqlite_only
from tests.profiles.export.flux_schema import validate_flux

pytestmark = pytest.mark.usefixtures("aws_env")


class ToLocalRegistry(httpx.AsyncBaseTransport):
    """Send requests for `*.amazonaws.com` to a local registry (one pool per event loop)."""

    def __init__(self, port: int, verify: ssl.SSLContext | bool) -> None:
        self.port, self.verify = port, verify
        self._pools: dict[int, httpx.AsyncHTTPTransport] = {}

    def _pool(self) -> httpx.AsyncHTTPTransport:
        loop = id(asyncio.get_running_loop())
        if loop not in self._pools:
            self._pools[loop] = httpx.AsyncHTTPTransport(verify=self.verify)
        return self._pools[loop]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith(".amazonaws.com"):
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await self._pool().handle_async_request(request)

    async def aclose(self) -> None:
        pool = self._pools.pop(id(asyncio.get_running_loop()), None)
        if pool is not None:
            await pool.aclose()


@pytest.fixture
def ecr_registry(api: Api, registry_factory: Any) -> Iterator[RegistryServer]:
    """A TLS registry that accepts moto's ECR token, reached in place of the ECR endpoint."""
    reg: RegistryServer = registry_factory("htpasswd_tls", username="AWS",
                                           password=f"{ACCOUNT}-auth-token")
    api.ctx.sources.transport = ToLocalRegistry(reg.port, reg.verify)
    yield reg
    api.ctx.sources.transport = None


def _ecr_body(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"endpoint": ENDPOINT, "isPrivate": True, "isSyncSupported": False,
                     "baseContentPath": [],
                     "credentials": {"credentialType": "secret", "accessKey": "AKIAPROFILES0001",
                                     "secretKey": "profiles-secret"}}}


@sqlite_only
def test_ecr_private_pack_shows_in_drop_down_and_exports_with_aws_provider(
        api: Api, ecr_registry: RegistryServer, unique_repo_prefix: str) -> None:
    repo = f"{unique_repo_prefix}/web"
    digest = push(ecr_registry, repo, "2.0.0")
    r = api.post("/v1/registries/oci/ecr", _ecr_body("ecr"))
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    [item] = [i for i in api.get("/v1/registries/metadata").json()["items"] if i["uid"] == uid]
    assert (item["kind"], item["isSyncSupported"], item["isPrivate"]) == ("oci-ecr", False, True)

    puid = create_profile(api, profile("on-ecr", [pack(repo, "2.0.0", uid, "a: 1\n")]))
    [got] = api.get(f"/v1/clusterprofiles/{puid}").json()["spec"]["template"]["packs"]
    assert (got["source"], got["verified"], got["digest"]) == ("private", True, digest)
    assert got["isInvalid"] is False and not got.get("driftUnknown")

    text = api.get(f"/v1/clusterprofiles/{puid}/export", params={"format": "flux"}).text
    validate_flux(list(yaml.safe_load_all(text)))
    [source] = [d for d in yaml.safe_load_all(text) if d["kind"] == "OCIRepository"]
    assert source["spec"]["url"] == f"oci://{ENDPOINT}/{repo}"
    assert source["spec"]["provider"] == "aws"
    assert "secretRef" not in source["spec"] and "insecure" not in source["spec"]

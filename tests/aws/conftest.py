"""Fixtures for the ECR/STS tests: a real moto server and an isolated AWS environment."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from chartyard.aws import AssumedRoleCache, EcrAuth, EcrClient, EcrTokenCache, parse_ecr_endpoint
from tests.harness.moto_server import MotoServer

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
ENDPOINT = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
MOTO_EXPIRY = 1420070400.0  # 2015-01-01T00:00:00Z: moto's fixed ECR token expiry
ROLE_ARN = "arn:aws:iam::111122223333:role/chartyard-reader"
EXTERNAL_ID = "tenant-ext-id-42"
TENANT_KEYS = EcrAuth("secret", access_key="AKIATENANTKEY0000001", secret_key="tenant-s3cret")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """Start one real moto_server for the session (fails loudly if it is missing)."""
    server = MotoServer(log_dir=tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        server.stop()


@dataclass
class AwsEnv:
    """The AWS environment of one test: moto's URL and helpers to seed it."""

    url: str
    server: MotoServer
    region: str = REGION

    def session(self) -> boto3.session.Session:
        """Return a fresh boto3 session using the environment's credentials."""
        return boto3.session.Session(region_name=self.region)


@pytest.fixture
def aws_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AwsEnv:
    """Point boto3 at moto through AWS_ENDPOINT_URL, with nothing from the host's AWS setup."""
    moto_server.reset()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASERVERIDENTITY01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "server-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return AwsEnv(url=moto_server.url, server=moto_server)


@pytest.fixture
def ecr_admin(aws_env: AwsEnv) -> Any:
    """Return a boto3 ECR client for seeding moto (repositories, images)."""
    return aws_env.session().client("ecr", region_name=REGION)


def chart_manifest(seed: str) -> str:
    """Return a Helm chart OCI manifest whose content varies with ``seed``."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.cncf.helm.config.v1+json",
                "digest": "sha256:" + (seed.encode().hex() * 64)[:64],
                "size": 100,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                    "digest": "sha256:" + (seed.encode().hex()[::-1] * 64)[:64],
                    "size": 1000,
                }
            ],
        }
    )


def put_chart(ecr: Any, repository: str, tag: str | None, digest: str) -> None:
    """Store a chart manifest with ``digest`` (as the registry computes it), tagged or not.

    The manifest depends only on the digest, so one digest under two tags is one image.
    """
    params: dict[str, Any] = {"imageTag": tag} if tag else {}
    ecr.put_image(
        repositoryName=repository,
        imageManifest=chart_manifest(digest),
        imageDigest=digest,
        **params,
    )


def digest_of(n: int) -> str:
    """Return a distinct, well-formed sha256 digest for ``n``."""
    return f"sha256:{n:064x}"


def answer(
    session: boto3.session.Session,
    event: str,
    reply: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]],
    *,
    status: int = 200,
    seen: list[dict[str, Any]] | None = None,
) -> None:
    """Answer ``before-call.<event>`` locally with ``reply`` (parsed form) instead of moto.

    For what moto cannot produce (ECR Public, ECR error codes): botocore turns
    a status >= 300 with an ``Error`` into the same ClientError AWS would cause.
    ``seen`` collects the hook's kwargs (``params``, ``context``) per call.
    """

    def handler(params: dict[str, Any], **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        if seen is not None:
            seen.append({"params": params, **kwargs})
        body = reply(params) if callable(reply) else dict(reply)
        body.setdefault("ResponseMetadata", {"HTTPStatusCode": status})
        return AWSResponse(params["url"], status, HTTPHeaders(), None), body

    session.events.register(f"before-call.{event}", handler)  # type: ignore[arg-type]


def aws_error(code: str, message: str) -> dict[str, Any]:
    """Return a parsed AWS error body."""
    return {"Error": {"Code": code, "Message": message}}


class FakeClock:
    """A settable clock for cache-expiry tests."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class CallCounter:
    """Count API calls seen by a botocore event hook and keep their parameters."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(dict(params))

    def __len__(self) -> int:
        return len(self.calls)


@pytest.fixture
def hooked_session(aws_env: AwsEnv) -> Callable[..., tuple[boto3.session.Session, CallCounter]]:
    """Return a factory: a session with a counter on ``before-parameter-build.<event>``."""

    def make(*events: str) -> tuple[boto3.session.Session, CallCounter]:
        session = aws_env.session()
        counter = CallCounter()
        for event in events:
            session.events.register(f"before-parameter-build.{event}", counter)
        return session, counter

    return make


@pytest.fixture
def make_client(aws_env: AwsEnv) -> Callable[..., EcrClient]:
    """Return a factory for EcrClient with fresh caches unless given."""

    def make(
        auth: EcrAuth | None = None,
        *,
        endpoint: str = ENDPOINT,
        role_cache: AssumedRoleCache | None = None,
        token_cache: EcrTokenCache | None = None,
        **kwargs: Any,
    ) -> EcrClient:
        return EcrClient(
            parse_ecr_endpoint(endpoint),
            auth or TENANT_KEYS,
            role_cache=AssumedRoleCache() if role_cache is None else role_cache,
            token_cache=EcrTokenCache() if token_cache is None else token_cache,
            **kwargs,
        )

    return make

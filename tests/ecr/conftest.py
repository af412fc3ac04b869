"""An Amazon ECR world for end-to-end tests: moto for the AWS APIs, a real registry for /v2/.

Set up once for the package:

- ``moto_server`` answers ECR, STS and IAM; boto3 reaches it through the
  standard ``AWS_ENDPOINT_URL`` (via :class:`AwsRecorder`, which records every
  call on the wire);
- a real ``docker-registry`` with TLS and htpasswd user ``AWS`` whose password
  is moto's token (``<account>-auth-token``) serves the ECR host: an
  ``/etc/hosts`` line maps ``123456789012.dkr.ecr.us-east-1.amazonaws.com`` to
  127.0.0.1, the registry listens on port 443 (ECR endpoints have no port),
  and its certificate carries that name;
- real helm pushes the charts, and moto gets the same repositories and the
  registry's manifests and digests, so ECR listings agree with the registry.

``public_ecr_registry`` serves ECR Public (``public.ecr.aws``) the same way,
from a token-auth registry on 127.0.0.2:443 that lets anonymous clients pull.

Port 443 and the hosts lines are machine-wide, so a lock file serializes test
runs that include this package (a second run waits for the first).
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.ecr.aws_recorder import AwsRecorder
from tests.harness.charts import build_chart
from tests.harness.components import find_helm
from tests.harness.helm import Helm
from tests.harness.moto_server import MotoServer
from tests.harness.registry import RegistryServer
from tests.harness.token_server import TokenPolicy

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
ECR_HOST = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
TOKEN_PASSWORD = f"{ACCOUNT}-auth-token"  # what moto's ECR token decodes to (user AWS)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/chartyard"
HOSTS_FILE = Path("/etc/hosts")
HOSTS_LINE = f"127.0.0.1 {ECR_HOST}  # chartyard tests/ecr\n"
PUBLIC_HOST = "public.ecr.aws"
PUBLIC_ADDRESS = "127.0.0.2"  # the private ECR host has 127.0.0.1:443
PUBLIC_HOSTS_LINE = f"{PUBLIC_ADDRESS} {PUBLIC_HOST}  # chartyard tests/ecr public\n"
LOCK_FILE = Path("/tmp/chartyard-tests-ecr-host.lock")
LOCK_WAIT_SECONDS = 240  # under pytest-timeout's 300 s, which covers fixture setup
MANIFEST_ACCEPT = "application/vnd.oci.image.manifest.v1+json"

# (repository, chart name, version); helm pushes to oci://ECR_HOST/<dirname(repository)>.
CHARTS = (
    ("team-a/alpha", "alpha", "1.0.0"),
    ("team-a/alpha", "alpha", "1.2.0"),
    ("team-a/beta", "beta", "0.3.0+build.7"),  # tagged 0.3.0_build.7 by helm
    ("team-b/other", "other", "2.0.0"),  # outside the base path team-a
)
BASE_PATH = "team-a"


@dataclass(frozen=True)
class PushedChart:
    """One chart version as helm pushed it and the registry serves it."""

    repository: str
    name: str
    version: str
    tag: str
    digest: str
    values: str


@dataclass
class EcrWorld:
    """Everything the ECR tests talk to."""

    moto: MotoServer
    recorder: AwsRecorder
    registry: RegistryServer
    charts: list[PushedChart] = field(default_factory=list)

    @property
    def ca_pem(self) -> str:
        """Return the PEM CA the registry's certificate is issued by."""
        assert self.registry.ca_pem is not None
        return self.registry.ca_pem

    def expected_catalog(self, base: str = BASE_PATH) -> dict[str, dict[str, str]]:
        """Return {repository: {tag: version}} of the pushed charts under ``base``."""
        out: dict[str, dict[str, str]] = {}
        for chart in self.charts:
            if chart.repository.startswith(f"{base}/"):
                out.setdefault(chart.repository, {})[chart.tag] = chart.version
        return out

    def ecr(self) -> Any:
        """Return a boto3 ECR client (through the recorder) for seeding moto."""
        return boto3.session.Session(region_name=REGION).client("ecr")

    def iam(self) -> Any:
        """Return a boto3 IAM client (through the recorder)."""
        return boto3.session.Session(region_name=REGION).client("iam")


def _port_443_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", 443))
        except OSError as exc:
            raise RuntimeError(
                f"tests/ecr need 127.0.0.1:443 for the ECR host {ECR_HOST} ({exc}): "
                "stop whatever listens there, and run the tests as root"
            ) from exc


@pytest.fixture(scope="package")
def ecr_host_lock() -> Iterator[None]:
    """Hold the machine-wide ECR host (port 443, the /etc/hosts line) for this run.

    Two test runs on one machine would fight over them, so a second run waits
    here until the first is done (and fails loudly if that takes too long).
    """
    with LOCK_FILE.open("a") as lock:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"another test run has held {LOCK_FILE} (the ECR host on port 443) "
                        f"for over {LOCK_WAIT_SECONDS}s; wait for it to finish"
                    ) from None
                time.sleep(0.5)
        try:
            _port_443_free()
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _add_hosts_line(line: str) -> None:
    """Append a tagged line to /etc/hosts unless it is there already."""
    original = HOSTS_FILE.read_text()
    # Written in place: /etc/hosts is often a bind mount that cannot be replaced.
    if line not in original:  # (a killed earlier run may have left it)
        with HOSTS_FILE.open("a") as hosts:
            hosts.write(("" if original.endswith("\n") or not original else "\n") + line)


def _remove_hosts_line(line: str) -> None:
    """Remove a tagged line from /etc/hosts."""
    HOSTS_FILE.write_text(HOSTS_FILE.read_text().replace(line, ""))


@pytest.fixture(scope="package")
def hosts_entry(ecr_host_lock: None) -> Iterator[str]:
    """Resolve the ECR host to 127.0.0.1 through /etc/hosts for the package's lifetime."""
    _add_hosts_line(HOSTS_LINE)
    try:
        assert socket.gethostbyname(ECR_HOST) == "127.0.0.1", f"{ECR_HOST} does not resolve"
        yield ECR_HOST
    finally:
        _remove_hosts_line(HOSTS_LINE)


@pytest.fixture(scope="module")
def public_ecr_registry(
    ecr_host_lock: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    """Serve public.ecr.aws from a token-auth registry on 127.0.0.2:443 (anonymous pull).

    Like ECR Public, the token server gives anonymous clients pull tokens for
    every repository and nobody the catalog; its user may push.
    """
    _add_hosts_line(PUBLIC_HOSTS_LINE)
    try:
        assert socket.gethostbyname(PUBLIC_HOST) == PUBLIC_ADDRESS, f"{PUBLIC_HOST} not mapped"
        registry = RegistryServer(
            "token", tls=True, port=443, host=PUBLIC_ADDRESS, extra_sans=[PUBLIC_HOST],
            token_policy=TokenPolicy(anonymous_pull_prefixes=[""], allow_catalog=False),
            base_dir=tmp_path_factory.mktemp("ecr-public-registry"))
        try:
            yield registry
        finally:
            registry.close()
    finally:
        _remove_hosts_line(PUBLIC_HOSTS_LINE)


@pytest.fixture(scope="package")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """Start a real moto_server for the package."""
    server = MotoServer(log_dir=tmp_path_factory.mktemp("moto-ecr"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def aws_environment(
    moto: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AwsRecorder]:
    """Put a recorder in front of moto and point boto3 at it through the standard settings."""
    recorder = AwsRecorder(moto.url)
    home = tmp_path_factory.mktemp("aws-home")
    try:
        with pytest.MonkeyPatch.context() as env:
            for name in list(os.environ):
                if name.startswith("AWS_"):
                    env.delenv(name)
            env.setenv("AWS_ENDPOINT_URL", recorder.url)
            env.setenv("AWS_ACCESS_KEY_ID", "AKIACHARTYARDSERVER1")
            env.setenv("AWS_SECRET_ACCESS_KEY", "chartyard-server-secret")
            env.setenv("AWS_DEFAULT_REGION", REGION)
            env.setenv("AWS_CONFIG_FILE", str(home / "config"))
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
            env.setenv("AWS_EC2_METADATA_DISABLED", "true")
            yield recorder
    finally:
        recorder.close()


def _push_and_mirror(registry: RegistryServer, world: EcrWorld, tmp: Path) -> None:
    """Push CHARTS with real helm, then give moto the same repositories and images."""
    helm = Helm(find_helm())
    try:
        for repository, name, version in CHARTS:
            values = f"chart: {name}\nversion: {version}\nreplicaCount: 2\n"
            tgz = tmp / f"{name}-{version}.tgz"
            tgz.write_bytes(build_chart(name, version, values=values))
            digest = helm.push(tgz, f"oci://{ECR_HOST}/{repository.rsplit('/', 1)[0]}",
                               ca_file=registry.ca_file, username="AWS",
                               password=TOKEN_PASSWORD)
            world.charts.append(PushedChart(repository, name, version,
                                            version.replace("+", "_"), digest, values))
    finally:
        helm.close()
    ecr = world.ecr()
    with httpx.Client(base_url=f"https://{ECR_HOST}", verify=registry.verify,
                      auth=("AWS", TOKEN_PASSWORD)) as client:
        for repository in dict.fromkeys(c.repository for c in world.charts):
            ecr.create_repository(repositoryName=repository)
        for chart in world.charts:
            reply = client.get(f"/v2/{chart.repository}/manifests/{chart.tag}",
                               headers={"Accept": MANIFEST_ACCEPT})
            reply.raise_for_status()
            assert reply.headers["Docker-Content-Digest"] == chart.digest
            ecr.put_image(repositoryName=chart.repository, imageManifest=reply.text,
                          imageManifestMediaType=MANIFEST_ACCEPT, imageTag=chart.tag,
                          imageDigest=chart.digest)


@pytest.fixture(scope="package")
def ecr_world(
    moto: MotoServer,
    aws_environment: AwsRecorder,
    hosts_entry: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EcrWorld]:
    """Serve the ECR host from a real registry holding helm-pushed charts, mirrored in moto."""
    registry = RegistryServer("htpasswd_tls", username="AWS", password=TOKEN_PASSWORD,
                              extra_sans=[ECR_HOST], port=443,
                              base_dir=tmp_path_factory.mktemp("ecr-registry"))
    world = EcrWorld(moto=moto, recorder=aws_environment, registry=registry)
    try:
        _push_and_mirror(registry, world, tmp_path_factory.mktemp("ecr-charts"))
        aws_environment.clear()
        yield world
    finally:
        registry.close()


@pytest.fixture
def world(ecr_world: EcrWorld) -> Iterator[EcrWorld]:
    """Give one test the ECR world with an empty call record and IAM enforcement off."""
    ecr_world.recorder.clear()
    yield ecr_world
    ecr_world.recorder.clear()

"""Fuzz every OpenAPI operation of a live `chartyard serve` with schemathesis.

Cases are generated from the app's own OpenAPI document, in positive mode
(valid per the schema) and negative mode (violating it), and sent over HTTP
with an API key. Path parameters are sometimes swapped for UIDs of real
objects (a synced registry, a chart version, a profile) so the fuzz reaches
past the 404s. The properties: no 5xx ever, and every 4xx is the JSON error
shape `{code, message, details}`.

Bounded for CI: `FUZZ_MAX_EXAMPLES` examples per operation and mode
(default 8), generation derandomized so a CI run is reproducible. Raise it
and set `FUZZ_RANDOM=1` locally to dig deeper; the counts are printed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer

pytestmark = [pytest.mark.timeout(240)]


@schemathesis.serializer("application/x-tar")
def _tar_body(ctx: object, value: object) -> bytes:
    """Send a generated bundle body (bytes, or text as UTF-8): the server must refuse it."""
    return value if isinstance(value, bytes) else str(value).encode()

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
PASSWORD = "Fuzz-Admin-Pass-1"
_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}  # destructive operations last


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path, plain_registry: RegistryServer,
           chart_factory: Any,
           unique_repo_prefix: str) -> Iterator[tuple[ChartyardServer, str, dict[str, str]]]:
    """A live server (with its worker) holding a synced registry, its catalog and a profile."""
    database_url = (request.getfixturevalue("postgres_url") if request.param == "postgres"
                    else None)
    server = ChartyardServer(tmp_path / "data", admin_password=PASSWORD,
                             database_url=database_url, extra_env={
        # Fuzzed endpoints must not wander off: loopback only, short timeouts, no AWS.
        "CHARTYARD_EGRESS_ALLOW": "127.0.0.0/8,::1/128",
        "CHARTYARD_REGISTRY_CONNECT_TIMEOUT": "1",
        "CHARTYARD_REGISTRY_READ_TIMEOUT": "5",
        "CHARTYARD_LOG_LEVEL": "WARNING",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "AKIAFUZZ", "AWS_SECRET_ACCESS_KEY": "fuzz",
        "AWS_MAX_ATTEMPTS": "1",
    })
    try:
        with OciPusher.for_registry(plain_registry) as pusher:
            pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0",
                              chart_factory("app", "1.0.0"))
        bearer = {"Authorization": f"Bearer {server.token()}"}
        with httpx.Client(base_url=server.url, headers=bearer, timeout=30) as client:
            key = client.post("/v1/apikeys", json={"name": "fuzz"}).json()["key"]
            reg = client.post("/v1/registries/oci/basic", json=basic_body(
                "seed", plain_registry.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
            pack = _wait_for_pack(client, reg)
            profile = client.post("/v1/clusterprofiles", json={
                "metadata": {"name": "seed"},
                "spec": {"version": "1.0.0", "template": {"type": "add-on", "cloudType": "all",
                         "packs": [{"name": "app", "tag": "1.0.0", "registryUid": reg,
                                    "type": "oci", "values": "a: 1\n"}]}}})
            assert profile.status_code == 201, profile.text
        uids = {"registry": reg, "pack": pack, "profile": profile.json()["uid"]}
        yield server, key, uids
    finally:
        server.close()


def _wait_for_pack(client: httpx.Client, registry_uid: str) -> str:
    deadline = time.monotonic() + 180  # generous: CI is a busy 2-core box
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/packs/app/registries/{registry_uid}")
        if reply.status_code == 200:
            return str(reply.json()["tags"][0]["packUid"])
        time.sleep(0.1)
    raise AssertionError("the seeded registry never synced")


def _real_uid(name: str, path: str, uids: dict[str, str]) -> str | None:
    if name == "registryUid" or (name == "uid" and path.startswith("/v1/registries")):
        return uids["registry"]
    if name == "packUid":
        return uids["pack"]
    if name == "uid" and path.startswith("/v1/clusterprofiles"):
        return uids["profile"]
    if name == "chartName":
        return "app"
    return None


def _shape_problem(response: requests.Response) -> str | None:
    """Return what is wrong with a response, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}: {response.text[:300]}"
    if 400 <= status < 500:
        try:
            body = response.json()
        except ValueError:
            return f"{status} without a JSON body: {response.text[:200]!r}"
        if not (isinstance(body, dict) and set(body) == {"code", "message", "details", "ref"}
                and isinstance(body["code"], str) and body["code"]
                and isinstance(body["message"], str) and body["message"]
                and isinstance(body["details"], dict)):
            return f"{status} not in the error shape: {str(body)[:300]}"
    return None


class Fuzzer:
    """Send generated cases to the server and collect statuses and shape problems."""

    def __init__(self, url: str, key: str, uids: dict[str, str]) -> None:
        self.url, self.key, self.uids = url, key, uids
        self.session = requests.Session()
        self.session.headers["ApiKey"] = key
        self.statuses: Counter[int] = Counter()
        self.calls: Counter[str] = Counter()
        self.problems: list[str] = []

    def send(self, label: str, case: Any, use_real: bool) -> None:
        """Send one case (with real UIDs in its path when asked) and check the answer."""
        if use_real and case.path_parameters:
            for name in list(case.path_parameters):
                real = _real_uid(name, case.operation.path, self.uids)
                if real is not None:
                    case.path_parameters[name] = real
        response = case.call(base_url=self.url, session=self.session, timeout=60)
        self.calls[label] += 1
        self.statuses[response.status_code] += 1
        problem = _shape_problem(response)
        if problem and len(self.problems) < 50:
            self.problems.append(f"{label}: {problem}\n    {case.as_curl_command()}")

    def fuzz(self, operation: Any, mode: GenerationMode) -> None:
        """Run up to MAX_EXAMPLES generated cases of one operation in one mode."""
        label = f"{operation.method.upper()} {operation.path}"
        strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans())

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(drawn: tuple[Any, bool]) -> None:
            self.send(label, *drawn)

        # Unsatisfiable: e.g. nothing negative to generate for an operation without inputs.
        with contextlib.suppress(Unsatisfiable):
            run()


def test_fuzz_every_operation_no_5xx_and_json_errors(
        seeded: tuple[ChartyardServer, str, dict[str, str]]) -> None:
    server, key, uids = seeded
    raw = httpx.get(f"{server.url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the app's own schema must be valid
        operations.append(result.ok())
    operations.sort(key=lambda op: (_ORDER.get(op.method.upper(), 9), op.path))
    fuzzer = Fuzzer(server.url, key, uids)
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzzer.fuzz(operation, mode)
    elapsed = time.monotonic() - started

    total = sum(fuzzer.calls.values())
    print(f"\nfuzz: {len(operations)} operations, {total} requests in {elapsed:.0f} s, "
          f"statuses {dict(sorted(fuzzer.statuses.items()))}")
    assert len(operations) >= 40 and set(fuzzer.calls) == {
        f"{op.method.upper()} {op.path}" for op in operations}
    assert not fuzzer.problems, "\n".join(fuzzer.problems)
    assert server.proc.poll() is None, server.log_text()[-3000:]
    assert httpx.get(f"{server.url}/healthz").status_code == 200

"""Fuzz a live chartyard with **Palette's** spec subset as the schema.

schemathesis generates requests from Palette's request schemas (positive and negative
mode) and sends them with an API key to a `chartyard serve` that has a real, synced
`docker-registry` behind it. Path parameters are sometimes swapped for UIDs of real
objects so the fuzz gets past the 404s. The properties:

- no request gets a 5xx;
- every 2xx is a status Palette documents for the operation, and its body validates
  against Palette's response schema (jsonschema over the spec's `definitions`).

Bounded for CI: `FUZZ_MAX_EXAMPLES` examples per operation and mode (default 5),
derandomized; `FUZZ_RANDOM=1` and a larger count dig deeper locally.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.palette.checks import content_problem
from tests.palette.conftest import load_spec

pytestmark = [pytest.mark.timeout(420)]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
PASSWORD = "Fuzz-Palette-Pass-1"
# Reads first, destructive operations last; PATCH before DELETE.
_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


@pytest.fixture
def seeded(tmp_path: Path, plain_registry: RegistryServer, chart_factory: Any,
           unique_repo_prefix: str) -> Iterator[tuple[ChartyardServer, str, dict[str, str]]]:
    """A live server holding a synced registry, its catalog and a profile."""
    server = ChartyardServer(tmp_path / "data", admin_password=PASSWORD, extra_env={
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
        # Palette's login and raw token, as the SDK does it.
        login = httpx.post(f"{server.url}/v1/auth/authenticate",
                           json={"emailId": "admin", "password": PASSWORD, "org": "default"})
        assert login.status_code == 200, login.text
        raw = {"Authorization": login.json()["Authorization"]}
        with httpx.Client(base_url=server.url, headers=raw, timeout=30) as client:
            key = client.post("/v1/apiKeys", json={"metadata": {"name": "fuzz"}}).json()["apiKey"]
            reg = client.post("/v1/registries/oci/basic", json={
                "metadata": {"name": "seed"},
                "spec": {"endpoint": plain_registry.url, "providerType": "helm",
                         "isSyncSupported": True, "baseContentPath": [unique_repo_prefix],
                         "auth": {"type": "noAuth", "tls": {"certificate": "",
                                                            "insecureSkipVerify": False}}}})
            assert reg.status_code == 201, reg.text
            reg_uid = reg.json()["uid"]
            _wait_for_pack(client, reg_uid)
            profile = client.post("/v1/clusterprofiles", json={
                "metadata": {"name": "seed"},
                "spec": {"version": "1.0.0", "template": {"type": "add-on", "cloudType": "all",
                         "packs": [{"name": "app", "tag": "1.0.0", "registryUid": reg_uid,
                                    "type": "oci", "layer": "addon", "values": "a: 1\n"}]}}})
            assert profile.status_code == 201, profile.text
        yield server, key, {"registry": reg_uid, "profile": profile.json()["uid"]}
    finally:
        server.close()


def _wait_for_pack(client: httpx.Client, registry_uid: str) -> None:
    for _ in range(300):
        if client.get(f"/v1/packs/app/registries/{registry_uid}").status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError("the seeded registry never synced")


def _real_uid(name: str, path: str, uids: dict[str, str]) -> str | None:
    if name == "registryUid" or (name == "uid" and path.startswith("/v1/registries/oci")):
        return uids["registry"]
    if name == "uid" and path.startswith("/v1/clusterprofiles"):
        return uids["profile"]
    if name == "packName":
        return "app"
    return None  # never an API key: the fuzz must not revoke its own


class ResponseChecker:
    """Validate 2xx answers against Palette's response schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    def problem(self, method: str, path: str, response: requests.Response) -> str | None:
        """Return what is wrong with a 2xx answer, or None."""
        responses = self.spec["paths"][path][method.lower()]["responses"]
        documented = responses.get(str(response.status_code))
        if documented is None:
            return f"{response.status_code} is not a status Palette documents ({list(responses)})"
        problem = content_problem(self.spec, method, path, response.status_code,
                                  response.headers, response.content)
        if problem is not None:
            return problem
        schema = documented.get("schema")
        if schema is None or schema.get("format") == "binary":
            return None
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} without a JSON body: {response.text[:200]!r}"
        root = {**schema, "definitions": self.spec["definitions"]}
        errors = sorted(jsonschema.Draft4Validator(root).iter_errors(body), key=str)
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path)
            return f"body does not match Palette's schema at '{where}': {first.message[:300]}"
        return None


class Fuzzer:
    """Send generated cases and collect statuses and problems."""

    def __init__(self, url: str, key: str, uids: dict[str, str], spec: dict[str, Any]) -> None:
        self.url, self.uids = url, uids
        self.checker = ResponseChecker(spec)
        self.session = requests.Session()
        self.session.headers["ApiKey"] = key
        self.statuses: Counter[int] = Counter()
        self.calls: Counter[str] = Counter()
        self.problems: list[str] = []

    def send(self, label: str, case: Any, use_real: bool) -> None:
        """Send one case and check the answer."""
        if use_real and case.path_parameters:
            for name in list(case.path_parameters):
                real = _real_uid(name, case.operation.path, self.uids)
                if real is not None:
                    case.path_parameters[name] = real
        response = case.call(base_url=self.url, session=self.session, timeout=60)
        self.calls[label] += 1
        self.statuses[response.status_code] += 1
        problem = None
        if response.status_code >= 500:
            problem = f"server error {response.status_code}: {response.text[:300]}"
        elif 200 <= response.status_code < 300:
            problem = self.checker.problem(case.operation.method, case.operation.path, response)
        if problem and len(self.problems) < 40:
            self.problems.append(f"{label}: {problem}\n    {case.as_curl_command()}")

    def fuzz(self, operation: Any, mode: GenerationMode) -> None:
        """Run up to MAX_EXAMPLES generated cases of one operation in one mode."""
        label = f"{operation.method.upper()} {operation.path}"
        strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans())

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  derandomize=DERANDOMIZE, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(drawn: tuple[Any, bool]) -> None:
            self.send(label, *drawn)

        with contextlib.suppress(Unsatisfiable):
            run()


def test_palette_schema_fuzz_no_5xx_and_2xx_match_palette(
        seeded: tuple[ChartyardServer, str, dict[str, str]]) -> None:
    server, key, uids = seeded
    spec = load_spec()
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(spec)))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    operations.sort(key=lambda op: (_ORDER.get(op.method.upper(), 9), op.path))
    fuzzer = Fuzzer(server.url, key, uids, spec)
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzzer.fuzz(operation, mode)
    elapsed = time.monotonic() - started

    total = sum(fuzzer.calls.values())
    ok = sum(n for s, n in fuzzer.statuses.items() if 200 <= s < 300)
    print(f"\npalette fuzz: {len(operations)} operations, {total} requests ({ok} 2xx) in "
          f"{elapsed:.0f} s, statuses {dict(sorted(fuzzer.statuses.items()))}")
    assert len(operations) == sum(
        1 for ops in spec["paths"].values() for m in ops if m != "parameters")
    assert not fuzzer.problems, "\n".join(fuzzer.problems)
    assert ok > 0, "no request succeeded: the fuzz never reached past validation"
    assert server.proc.poll() is None, server.log_text()[-3000:]

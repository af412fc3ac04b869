"""Event fixtures: app settings with a small event rate limit and body cap; sample bodies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chartyard.settings import Settings
from tests.harness.app import ADMIN_PASSWORD

FIXTURES = Path(__file__).parent / "fixtures"
BURST = 20
MAX_BODY = 8192


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings whose event limits a test can reach quickly."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    admin_password=ADMIN_PASSWORD, worker_poll_seconds=0.1,
                    events_rate_per_second=1.0, events_burst=BURST,
                    events_max_body_bytes=MAX_BODY)


def fixture(name: str) -> Any:
    """Return a recorded sample body, parsed."""
    return json.loads((FIXTURES / name).read_text())


def distribution_push(repository: str, tag: str, digest: str) -> list[dict[str, Any]]:
    """Return the envelopes a real docker-registry sent for one `helm push`, retargeted."""
    out = []
    for envelope in copy.deepcopy(fixture("distribution_helm_push.json")):
        for event in envelope["events"]:
            event["target"]["repository"] = repository
            if event["target"].get("tag"):
                event["target"]["tag"] = tag
            if "manifest" in event["target"]["mediaType"]:
                event["target"]["digest"] = digest
        out.append(envelope)
    return out


def distribution_delete(repository: str, tag: str, digest: str) -> list[dict[str, Any]]:
    """Return the envelopes docker-registry sent for a manifest delete, retargeted."""
    out = []
    for envelope in copy.deepcopy(fixture("distribution_delete.json")):
        for event in envelope["events"]:
            event["target"]["repository"] = repository
            if "tag" in event["target"]:
                event["target"]["tag"] = tag
            if "digest" in event["target"]:
                event["target"]["digest"] = digest
        out.append(envelope)
    return out


def harbor(name: str, repository: str, tag: str, digest: str) -> dict[str, Any]:
    """Return a recorded Harbor webhook body, retargeted at `repository:tag`."""
    body = fixture(name)
    data = body.get("event_data") or body["data"]
    namespace, _, short = repository.rpartition("/")
    data["repository"].update(name=short, namespace=namespace, repo_full_name=repository)
    for resource in data["resources"]:
        resource.update(tag=tag, digest=digest,
                        resource_url=f"harbor.example.com/{repository}:{tag}")
    return dict(body)

"""Parsing recorded registry notifications: docker-registry envelopes and Harbor webhooks."""

from __future__ import annotations

import json

import pytest

from chartyard.events.parse import MAX_EVENTS, EventParseError, RegistryEvent, parse_events
from tests.events.conftest import fixture

CAP = 1024 * 1024


def parse(body: object) -> list[RegistryEvent]:
    return parse_events(json.dumps(body).encode(), max_bytes=CAP)


def test_a_helm_push_recorded_from_docker_registry_is_one_tagged_push() -> None:
    events = [e for body in fixture("distribution_helm_push.json") for e in parse(body)]
    assert [e.action for e in events] == ["other", "other", "other", "other", "push"]
    push = events[-1]
    assert (push.repository, push.tag) == ("charts/demo", "1.2.3")
    assert push.digest is not None and push.digest.startswith("sha256:")


def test_a_recorded_manifest_delete_is_two_deletes() -> None:
    events = [e for body in fixture("distribution_delete.json") for e in parse(body)]
    assert {e.action for e in events} == {"delete"}
    assert {e.repository for e in events} == {"charts/demo"}
    assert {e.tag for e in events} == {None, "1.2.3"}


@pytest.mark.parametrize(("name", "action"), [
    ("harbor_push_artifact.json", "push"),
    ("harbor_delete_artifact.json", "delete"),
    ("harbor_pull_artifact.json", "other"),
    ("harbor_cloudevents_push.json", "push"),
])
def test_harbor_webhooks(name: str, action: str) -> None:
    [event] = parse(fixture(name))
    assert event.action == action
    assert event.repository == "library/demo"
    if action != "other":
        assert event.tag == "1.2.3" and event.digest and event.digest.startswith("sha256:")


@pytest.mark.parametrize(("body", "why"), [
    (b"not json", "not JSON"),
    (b"[]", "not a JSON object"),
    (b'{"hello": 1}', "expected a distribution envelope"),
    (b'{"events": {}}', "'events' is not a list"),
    (b'{"events": [{"action": "push", "target": {}}]}', "no target.repository"),
    (b'{"type": "PUSH_ARTIFACT", "event_data": {"resources": []}}', "repo_full_name"),
    (b'{"events": ' + b"[" * 100 + b"]" * 100 + b"}", "nests deeper"),
])
def test_bad_bodies_say_what_is_wrong(body: bytes, why: str) -> None:
    with pytest.raises(EventParseError, match=why):
        parse_events(body, max_bytes=CAP)


def test_event_count_and_size_are_bounded() -> None:
    one = {"action": "pull", "target": {"repository": "a/b"}}
    with pytest.raises(EventParseError, match=f"more than {MAX_EVENTS}"):
        parse({"events": [one] * (MAX_EVENTS + 1)})
    with pytest.raises(EventParseError, match="over the limit"):
        parse_events(json.dumps({"events": [one] * 10}).encode(), max_bytes=100)

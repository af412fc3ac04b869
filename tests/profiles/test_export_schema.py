"""Export checks the charts' schemas again once variables are substituted: a value the
schema refuses is a 422 with its pointer and variable (sensitive values never echoed),
helm accepts what is exported, and layers without variables are not read again."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import delete, select, update

from chartyard.mirror.runner import run_mirror
from chartyard.profiles.validation import schema_errors
from chartyard.store.models import ChartContent, ChartVersion, ProfilePack
from tests.harness.app import Api
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, create_registry, pack, profile, push
from tests.sync.conftest import sync_now

P = "/v1/clusterprofiles"
FORMATS = ("flux", "argocd", "helmfile")
VALUES = "replicaCount: 1\ntier: free\ntoken: abc\n"
SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
    "properties": {
        "replicaCount": {"type": "integer", "minimum": 1},
        "tier": {"enum": ["free", "gold"]},
        "token": {"type": "string", "pattern": "^[a-f0-9]+$"}}})
SECRET = "Platinum-S3cret-e5c1"


@dataclass
class Charts:
    """A synced registry with `sized` (a values schema) and `plain` (none)."""

    uid: str
    tgz: bytes


@pytest.fixture
def charts(api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> Charts:
    p = unique_repo_prefix
    chart = {"values": VALUES, "extra_files": {"values.schema.json": SCHEMA}}
    push(plain_registry, f"{p}/sized", "1.0.0", **chart)
    push(plain_registry, f"{p}/plain", "1.0.0")
    uid = create_registry(api, plain_registry.url, name="export-schemas", sync=True, base=[p])
    assert sync_now(api.ctx, uid).status == "Completed"
    return Charts(uid, build_chart("sized", "1.0.0", **chart))


def _publish(api: Api, body: dict[str, Any]) -> str:
    uid = create_profile(api, body)
    reply = api.client.patch(f"{P}/{uid}/publish", headers=api.admin)
    assert reply.status_code == 204, reply.text
    return uid


def _export(api: Api, uid: str, fmt: str, **variables: str) -> Any:
    return api.get(f"{P}/{uid}/export",
                   params={"format": fmt, **{f"var.{k}": v for k, v in variables.items()}})


def _errors(reply: Any) -> list[tuple[str, str]]:
    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "ValuesInvalid", reply.text
    return [(e["field"], e["pointer"]) for e in reply.json()["details"]["errors"]]


def test_export_refuses_a_variable_value_the_schema_refuses(
        api: Api, charts: Charts, helm: Helm, tmp_path: Path) -> None:
    body = profile("replicas", [pack("plain", "1.0.0", charts.uid, "a: 1\n"),
                                pack("sized", "1.0.0", charts.uid,
                                     "replicaCount: {{.spectro.var.replicas}}\n")])
    body["spec"]["variables"] = [{"name": "replicas", "required": True}]
    uid = _publish(api, body)  # no value yet: saved and published

    for fmt in FORMATS:
        assert _export(api, uid, fmt, replicas="3").status_code == 200, fmt
        reply = _export(api, uid, fmt, replicas="three")
        assert _errors(reply) == [("spec.template.packs[1].values", "/replicaCount")], fmt
        [error] = reply.json()["details"]["errors"]
        assert error["source"] == "schema" and error["layer"] == "sized"
        assert error["message"] == ("expected integer, got string "
                                    "(the value of variable replicas)")
        assert reply.json()["details"]["field"] == "spec.template.packs[1].values"
    assert "minimum" in _export(api, uid, "flux", replicas="0").json()["message"]

    reply = _export(api, uid, "flux", replicas="3")
    releases = [d for d in yaml.safe_load_all(reply.text) if d["kind"] == "HelmRelease"]
    assert [r["spec"]["values"] for r in releases] == [{"a": 1}, {"replicaCount": 3}]
    release = releases[1]
    chart, values = tmp_path / "sized-1.0.0.tgz", tmp_path / "exported.yaml"
    chart.write_bytes(charts.tgz)
    values.write_text(yaml.safe_dump(release["spec"]["values"]))
    rendered = yaml.safe_load(helm.template(chart, values_file=values))
    assert rendered["data"]["replicaCount"] == "3"  # helm validated the schema and took it


def test_the_mirror_export_checks_the_substituted_values_too(
        api: Api, charts: Charts, plain_registry: RegistryServer,
        unique_repo_prefix: str) -> None:
    body = profile("mirrored", [pack("sized", "1.0.0", charts.uid,
                                     "tier: '{{.spectro.var.tier}}'\n")])
    body["spec"]["variables"] = [{"name": "tier"}]
    uid = _publish(api, body)
    dest = create_registry(api, plain_registry.url, name="mirror-dest", sync=False)
    reply = api.post(f"{P}/{uid}/mirror", {"targetRegistryUid": dest,
                                           "basePath": f"{unique_repo_prefix}/mirror"})
    assert reply.status_code == 202, reply.text
    assert asyncio.run(run_mirror(api.ctx, reply.json()["uid"])) == "Completed"

    params = {"format": "flux", "mirror": dest}
    assert api.get(f"{P}/{uid}/export", params={**params, "var.tier": "gold"}).status_code == 200
    reply = api.get(f"{P}/{uid}/export", params={**params, "var.tier": "bronze"})
    assert _errors(reply) == [("spec.template.packs[0].values", "/tier")]
    assert "variable tier" in reply.json()["message"]


def test_a_sensitive_value_the_schema_refuses_is_never_echoed(
        api: Api, charts: Charts, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    values = "tier: '{{.spectro.var.tier}}'\ntoken: 'x-{{.spectro.var.tier}}'\n"
    body = profile("secret-tier", [pack("sized", "1.0.0", charts.uid, values)])
    body["spec"]["variables"] = [{"name": "tier", "isSensitive": True,
                                  "defaultValue": "gold"}]
    uid = _publish(api, body)
    assert _export(api, uid, "flux", tier="gold").status_code == 422  # x-gold: pattern

    reply = _export(api, uid, "argocd", tier=SECRET)
    assert _errors(reply) == [("spec.template.packs[0].values", "/tier"),
                              ("spec.template.packs[0].values", "/token")]
    messages = [e["message"] for e in reply.json()["details"]["errors"]]
    assert all("sensitive variable tier" in m for m in messages), messages
    assert SECRET not in reply.text and SECRET.lower() not in reply.text.lower()
    # Every log line but the test client's own request lines (they hold the query).
    logs = [r.getMessage() for r in caplog.records if "http://testserver/" not in r.getMessage()]
    assert logs and all(SECRET not in line for line in logs)


def test_layers_are_checked_from_the_cache_only_when_they_use_variables(
        api: Api, charts: Charts) -> None:
    body = profile("cache", [pack("sized", "1.0.0", charts.uid, "tier: gold\n"),
                             pack("plain", "1.0.0", charts.uid, "a: 1\n")])
    uid = _publish(api, body)
    with api.ctx.transaction() as s:
        s.execute(delete(ChartContent))
    # No variables: not read again, so the missing cache row changes nothing.
    assert _export(api, uid, "flux").status_code == 200

    body = profile("cache-vars", [pack("sized", "1.0.0", charts.uid,
                                       "replicaCount: {{.spectro.var.replicas}}\n")])
    body["spec"]["variables"] = [{"name": "replicas"}]
    uid = _publish(api, body)  # the save-time check fetched the chart's files again
    with api.ctx.transaction() as s:
        layer = s.scalar(select(ChartVersion.chart_digest).where(
            ChartVersion.registry_uid == charts.uid, ChartVersion.name == "sized"))
        [stored] = s.scalars(select(ProfilePack).where(ProfilePack.profile_uid == uid))
        assert layer and stored.chart_digest == layer  # the pack keeps its cache key
        assert s.get(ChartContent, layer) is not None
    assert _errors(_export(api, uid, "helmfile", replicas="x")) == [
        ("spec.template.packs[0].values", "/replicaCount")]
    with api.ctx.transaction() as s:  # a pack saved before it kept the key
        s.execute(update(ProfilePack).where(ProfilePack.profile_uid == uid)
                  .values(chart_digest=None))
    # Found through the catalog row of its manifest digest.
    assert _errors(_export(api, uid, "helmfile", replicas="x")) == [
        ("spec.template.packs[0].values", "/replicaCount")]
    with api.ctx.transaction() as s:
        s.execute(delete(ChartContent))
    # Never fetched: export does not ask the registry, and the export is not refused.
    assert _export(api, uid, "helmfile", replicas="x").status_code == 200


def test_schema_errors_redact_parent_errors_that_echo_a_sensitive_value() -> None:
    chart = ChartContent(digest="sha256:0", values_yaml="", values_schema=json.dumps({
        "type": "object", "properties": {"db": {"oneOf": [
            {"type": "object", "required": ["host"]},
            {"type": "object", "properties": {"url": {"const": "x"}}}]}}}))
    text = "db:\n  url: '{{.spectro.var.url}}'\n  port: 1\n"
    [error] = schema_errors("f", "l", text, chart, {"url": SECRET}, frozenset({"url"}))
    assert error.pointer == "/db" and "sensitive variable url" in error.message
    assert SECRET not in error.message
    [plain] = schema_errors("f", "l", text, chart, {"url": SECRET})
    assert SECRET in plain.message  # the same check without the flag echoes it

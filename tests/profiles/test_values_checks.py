"""Values schemas enforced and Palette's profile variables, through the API: create,
update, publish and validate/packs refuse violations with every JSON pointer; variables
round-trip; sensitive values never leave (GET, export, audit, logs)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from chartyard.store.models import AuditEvent, ClusterProfile
from tests.harness.app import Api
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, create_registry, pack, profile, push
from tests.profiles.export.flux_schema import validate_flux
from tests.sync.conftest import sync_now

P = "/v1/clusterprofiles"
WEB_VALUES = "replicaCount: 1\nimage:\n  repository: nginx\n  tag: stable\n"
WEB_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
    "properties": {
        "replicaCount": {"type": "integer", "minimum": 1, "description": "Pods to run.",
                         "default": 1},
        "image": {"type": "object", "additionalProperties": False,
                  "properties": {"repository": {"type": "string"}, "tag": {"type": "string"}}},
        "host": {"type": "string", "format": "ipv4"}}})
SECRET = "s3cr3t-Variable-Value-7f2a"


@dataclass
class Charts:
    """A synced registry with `web` (with a values schema) and `plain` (without)."""

    uid: str


@pytest.fixture
def charts(api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> Charts:
    p = unique_repo_prefix
    push(plain_registry, f"{p}/web", "1.0.0", values=WEB_VALUES,
         extra_files={"values.schema.json": WEB_SCHEMA})
    push(plain_registry, f"{p}/plain", "1.0.0")
    uid = create_registry(api, plain_registry.url, name="schemas", sync=True, base=[p])
    assert sync_now(api.ctx, uid).status == "Completed"
    return Charts(uid)


def _errors(reply: Any) -> list[tuple[str, str]]:
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == "ValuesInvalid", body
    return [(e["field"], e["pointer"]) for e in body["details"]["errors"]]


def test_create_and_update_refuse_every_violation_with_its_pointer(api: Api,
                                                                   charts: Charts) -> None:
    bad = "image:\n  tag: 1.2\n  pullPolicy: Always\nreplicaCount: 0\n"
    body = profile("schemas", [pack("plain", "1.0.0", charts.uid, "a: 1\n"),
                               pack("web", "1.0.0", charts.uid, bad)])
    reply = api.post(P, body)
    assert _errors(reply) == [("spec.template.packs[1].values", "/image"),
                              ("spec.template.packs[1].values", "/image/tag"),
                              ("spec.template.packs[1].values", "/replicaCount")]
    message = reply.json()["message"]
    assert "spec.template.packs[1].values at '/image/tag': expected string" in message
    assert api.get(P).json()["items"] == []  # nothing stored

    body["spec"]["template"]["packs"][1]["values"] = "image:\n  tag: '1.2'\n"
    uid = create_profile(api, body)
    body["spec"]["template"]["packs"][1]["values"] = "host: 10.0.0\n"  # format, draft-07
    assert _errors(api.put(f"{P}/{uid}", body)) == [("spec.template.packs[1].values", "/host")]
    # The chart's defaults are merged in: deleting a default with null is seen too.
    body["spec"]["template"]["packs"][1]["values"] = "replicaCount: null\nhost: 10.0.0.1\n"
    assert api.put(f"{P}/{uid}", body).status_code == 204


def test_validate_packs_reports_schema_errors_per_pack(api: Api, charts: Charts) -> None:
    template = {"type": "add-on", "cloudType": "all",
                "packs": [pack("plain", "1.0.0", charts.uid, "x: 1\n"),
                          pack("web", "1.0.0", charts.uid, "replicaCount: two\n")]}
    reply = api.post(f"{P}/validate/packs", template)
    assert reply.status_code == 200, reply.text
    plain, web = reply.json()["packs"]["results"]
    assert plain["errors"] == []
    assert web["errors"] == [{"code": "ValuesInvalid", "message":
                              "spec.template.packs[1].values at '/replicaCount': "
                              "expected integer, got string"}]
    uid = create_profile(api, profile("v", [pack("plain", "1.0.0", charts.uid, "x: 1\n")]))
    reply = api.post(f"{P}/{uid}/validate/packs", template)
    assert reply.json()["packs"]["results"][1]["errors"][0]["code"] == "ValuesInvalid"


def test_publish_is_refused_while_a_variable_breaks_the_schema(api: Api,
                                                               charts: Charts) -> None:
    values = "replicaCount: {{.spectro.var.replicas}}\nimage:\n  tag: '{{ .spectro.var.tag }}'\n"
    body = profile("vars", [pack("web", "1.0.0", charts.uid, values)])
    # Used but not defined: the create names the variable and where it is used.
    assert _errors(api.post(P, body)) == [("spec.template.packs[0].values", "/replicaCount"),
                                          ("spec.template.packs[0].values", "/image/tag")]
    body["spec"]["variables"] = [{"name": "replicas", "format": "number"},
                                 {"name": "tag", "format": "version", "required": True}]
    uid = create_profile(api, body)  # no values yet: checked when they are known

    reply = api.client.patch(f"{P}/{uid}/variables", headers=api.admin, json={
        "variables": [{"name": "replicas", "format": "number", "defaultValue": "0"}]})
    assert reply.status_code == 204, reply.text
    assert _errors(api.client.patch(f"{P}/{uid}/publish", headers=api.admin)) == [
        ("spec.template.packs[0].values", "/replicaCount")]
    assert api.get(f"{P}/{uid}").json()["status"]["isPublished"] is False

    reply = api.client.patch(f"{P}/{uid}/variables", headers=api.admin, json={
        "variables": [{"name": "replicas", "format": "number", "defaultValue": "two"}]})
    assert reply.status_code == 422 and reply.json()["details"]["field"] == (
        "variables[0].defaultValue"), reply.text
    api.client.patch(f"{P}/{uid}/variables", headers=api.admin, json={
        "variables": [{"name": "replicas", "format": "number", "defaultValue": "2"}]})
    assert api.client.patch(f"{P}/{uid}/publish", headers=api.admin).status_code == 204

    # Export substitutes the values; a required variable with no value is a 422 naming it.
    reply = api.get(f"{P}/{uid}/export", params={"format": "flux"})
    assert reply.status_code == 422 and reply.json()["details"]["field"] == "var.tag"
    reply = api.get(f"{P}/{uid}/export", params={"format": "flux", "var.tag": "banana"})
    assert reply.status_code == 422 and "semantic version" in reply.json()["message"]
    reply = api.get(f"{P}/{uid}/export", params={"format": "flux", "var.tag": "1.25.3"})
    assert reply.status_code == 200, reply.text
    validate_flux(list(yaml.safe_load_all(reply.text)))
    [release] = [d for d in yaml.safe_load_all(reply.text) if d["kind"] == "HelmRelease"]
    assert release["spec"]["values"] == {"replicaCount": 2, "image": {"tag": "1.25.3"}}
    # The profile file keeps the references and the variables.
    exported = json.loads(api.get(f"{P}/{uid}/export", params={"format": "json"}).content)
    assert exported["spec"]["template"]["packs"][0]["values"] == values
    assert [v["name"] for v in exported["spec"]["variables"]] == ["replicas", "tag"]


def test_variables_crud_and_sensitive_values_never_leave(
        api: Api, charts: Charts, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    values = "image:\n  tag: '{{.spectro.var.tag}}'\nextra: '{{.spectro.var.password}}'\n"
    body = profile("secret", [pack("plain", "1.0.0", charts.uid, values)])
    body["spec"]["variables"] = [{"name": "tag"}, {"name": "password", "isSensitive": True}]
    uid = create_profile(api, body)
    url = f"{P}/{uid}/variables"
    variables = [
        {"name": "tag", "displayName": "Image tag", "format": "string", "regex": "^v[0-9]+$",
         "defaultValue": "v1", "required": True, "hidden": False, "immutable": False,
         "isSensitive": False, "description": "the tag"},
        {"name": "password", "format": "string", "defaultValue": SECRET, "isSensitive": True,
         "required": True}]
    assert api.put(url, {"variables": variables}).status_code == 204
    got = api.get(url).json()
    assert [v["name"] for v in got["variables"]] == ["tag", "password"]
    assert got["variables"][0]["defaultValue"] == "v1" and got["variables"][0]["regex"]
    assert got["variables"][1]["defaultValue"] == ""
    assert got["variables"][1]["defaultValueSet"] is True

    # A PUT of what a GET returned keeps the sensitive value; a bad regex value is refused.
    assert api.put(url, got).status_code == 204
    bad = [{**variables[0], "defaultValue": "latest"}]
    reply = api.put(url, {"variables": bad})
    assert reply.status_code == 422 and "regex" in reply.json()["message"]
    assert api.client.patch(f"{P}/{uid}/publish", headers=api.admin).status_code == 204

    exports = [api.get(f"{P}/{uid}/export", params={"format": f}) for f in ("json", "yaml")]
    reply = api.get(f"{P}/{uid}/export", params={"format": "flux"})
    assert reply.status_code == 422 and reply.json()["details"]["field"] == "var.password"
    assert "sensitive" in reply.json()["message"]
    given = api.get(f"{P}/{uid}/export", params={"format": "argocd", "var.password": "given-1"})
    assert given.status_code == 200 and "given-1" in given.text
    with api.ctx.transaction() as s:
        audit = [json.dumps(e.details) for e in s.scalars(select(AuditEvent))]
        row = s.get(ClusterProfile, uid)
        assert row is not None and row.variables_enc and SECRET not in json.dumps(row.variables)
        assert SECRET not in row.variables_enc
    seen = [api.get(url).text, api.get(f"{P}/{uid}").text, reply.text,
            *(e.text for e in exports), *audit, caplog.text]
    assert all(SECRET not in text for text in seen)
    assert any("clusterprofile.variables.replace" in a or "password" in a for a in audit)

    # DELETE by name; an unknown name is a 422 naming it.
    reply = api.client.request("DELETE", url, headers=api.admin, json={"variables": ["nope"]})
    assert reply.status_code == 422 and reply.json()["details"]["field"] == "variables[0]"
    reply = api.client.request("DELETE", url, headers=api.admin,
                               json={"variables": ["password"]})
    assert reply.status_code == 204
    assert [v["name"] for v in api.get(url).json()["variables"]] == ["tag"]
    with api.ctx.transaction() as s:
        row = s.get(ClusterProfile, uid)
        assert row is not None and row.variables_enc is None


def test_variables_need_an_editor_and_stay_in_the_tenant(api: Api, charts: Charts) -> None:
    from chartyard.auth.roles import Role

    uid = create_profile(api, profile("roles", [pack("plain", "1.0.0", charts.uid, "a: 1\n")]))
    url = f"{P}/{uid}/variables"
    body = {"variables": [{"name": "x", "defaultValue": "1"}]}
    assert api.put(url, body, headers=api.as_role(Role.VIEWER)).status_code == 403
    assert api.get(url, headers=api.as_role(Role.VIEWER)).status_code == 200
    other = api.as_role(Role.TENANT_ADMIN, "other")
    assert api.get(url, headers=other).json()["code"] == "ResourceNotFound"
    assert api.put(url, body, headers=other).status_code == 404

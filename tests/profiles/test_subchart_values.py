"""Subcharts' own schemas through the API: an umbrella chart pushed to a real registry,
its layer values checked against the subchart's values.schema.json (pointer `/sub/...`),
a chart over the subchart caps refused with a clear message, and a chart-contents row
cached before subcharts were read gaining the check."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import yaml
from sqlalchemy import select

from chartyard.helm import MAX_SUBCHARTS
from chartyard.profiles.validation import LayerDraft, check_layer
from chartyard.store.models import ChartContent
from tests.harness.app import Api, admin_principal
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import create_profile, create_registry, pack, profile, push
from tests.sync.conftest import sync_now

P = "/v1/clusterprofiles"
SUB_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
    "properties": {"image": {"type": "object",
                             "properties": {"tag": {"type": "string"}}}}})


def umbrella_files(subcharts: dict[str, str | None]) -> dict[str, str | bytes]:
    """Return the extra files of an umbrella chart `app` listing `subcharts` (name: schema)."""
    meta = {"apiVersion": "v2", "name": "app", "version": "1.0.0",
            "dependencies": [{"name": n, "version": "1.0.0"} for n in subcharts]}
    files: dict[str, str | bytes] = {"Chart.yaml": yaml.safe_dump(meta)}
    for name, schema in subcharts.items():
        files[f"charts/{name}/Chart.yaml"] = f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n"
        files[f"charts/{name}/values.yaml"] = "image:\n  tag: stable\n"
        if schema is not None:
            files[f"charts/{name}/values.schema.json"] = schema
    return files


def _registry(api: Api, reg: RegistryServer, prefix: str,
              charts: dict[str, dict[str, str | None]]) -> str:
    for name, subcharts in charts.items():
        files = umbrella_files(subcharts)
        files["Chart.yaml"] = str(files["Chart.yaml"]).replace("name: app", f"name: {name}")
        push(reg, f"{prefix}/{name}", "1.0.0", values="replicaCount: 1\n", extra_files=files)
    uid = create_registry(api, reg.url, name="umbrellas", sync=True, base=[prefix])
    assert sync_now(api.ctx, uid).status == "Completed"
    return uid


def _errors(reply: Any) -> list[dict[str, Any]]:
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == "ValuesInvalid", body
    return list(body["details"]["errors"])


def test_values_breaking_a_subchart_schema_are_refused_with_the_pointer(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    uid = _registry(api, plain_registry, unique_repo_prefix,
                    {"app": {"sub": SUB_SCHEMA, "other": None}})
    bad = "sub:\n  image:\n    tag: 1.2\nother:\n  image:\n    tag: 3\n"
    errors = _errors(api.post(P, profile("umbrella", [pack("app", "1.0.0", uid, bad)])))
    assert [(e["field"], e["pointer"]) for e in errors] == [
        ("spec.template.packs[0].values", "/sub/image/tag")]
    assert errors[0]["message"] == "subchart sub: expected string, got number"
    assert api.get(P).json()["items"] == []  # nothing stored

    good = "sub:\n  image:\n    tag: '1.2'\n"
    create_profile(api, profile("umbrella", [pack("app", "1.0.0", uid, good)]))


def test_a_row_cached_before_subcharts_were_read_gains_the_check(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    uid = _registry(api, plain_registry, unique_repo_prefix, {"app": {"sub": SUB_SCHEMA}})
    body = profile("umbrella", [pack("app", "1.0.0", uid, "sub:\n  image:\n    tag: 1\n")])
    assert _errors(api.post(P, body))[0]["pointer"] == "/sub/image/tag"
    with api.ctx.transaction() as s:  # as an install upgraded from before 0015 has it
        rows = list(s.scalars(select(ChartContent)))
        assert len(rows) == 1 and rows[0].subcharts is not None
        rows[0].subcharts = None
    assert _errors(api.post(P, body))[0]["pointer"] == "/sub/image/tag"
    with api.ctx.transaction() as s:
        stored = s.scalars(select(ChartContent)).one().subcharts
        assert stored is not None and json.loads(stored)["charts"][0]["values_schema"]


def test_a_chart_over_the_subchart_cap_is_refused_with_a_clear_message(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    many = {f"s{i:03}": None for i in range(MAX_SUBCHARTS + 1)}
    uid = _registry(api, plain_registry, unique_repo_prefix, {"app": many})
    errors = _errors(api.post(P, profile("umbrella", [pack("app", "1.0.0", uid, "a: 1\n")])))
    assert [(e["pointer"], e["message"]) for e in errors] == [
        ("", f"the chart's subcharts are not checked: chart has more than {MAX_SUBCHARTS} "
             "subcharts")]
    # The chart itself stays readable: its page still serves values.yaml.
    tags = api.get(f"/v1/packs/app/registries/{uid}").json()["tags"]
    values = api.get(f"/v1/packs/{tags[0]['packUid']}/values")
    assert values.status_code == 200 and "replicaCount: 1" in values.text


def test_the_editor_hints_describe_each_kept_subchart_under_its_name(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    uid = _registry(api, plain_registry, unique_repo_prefix, {"app": {"sub": SUB_SCHEMA}})
    profile_uid = create_profile(api, profile("hints", [pack("app", "1.0.0", uid, "")]))
    principal = admin_principal(api.ctx)

    def hints(values: str) -> Any:
        draft = LayerDraft(index=0, name="app", tag="1.0.0", registry_uid=uid, source=None,
                           values=values, with_schema=True)
        out = asyncio.run(check_layer(api.ctx, principal, profile_uid, draft))
        return out.get("schema")

    schema = hints("sub:\n  image:\n    tag: x\n")
    assert schema["properties"]["sub"]["properties"]["image"]["properties"]["tag"] == {
        "type": "string"}
    # helm drops a subchart its condition disables: so do the hints.
    with api.ctx.transaction() as s:
        row = s.scalars(select(ChartContent)).one()
        tree = json.loads(row.subcharts or "{}")
        chart_yaml = yaml.safe_load(tree["chart_yaml"])
        chart_yaml["dependencies"][0]["condition"] = "sub.enabled"
        tree["chart_yaml"] = yaml.safe_dump(chart_yaml)
        row.subcharts = json.dumps(tree)
    assert hints("sub:\n  enabled: false\n") is None
    assert "sub" in hints("sub:\n  enabled: true\n")["properties"]

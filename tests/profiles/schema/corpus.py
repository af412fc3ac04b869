"""Schemas and value files on which chartyard and real `helm template` must agree.

Each case is a chart (its `values.yaml` and `values.schema.json`) and a user values
file. `helm3` records helm 3.17's verdict where it differs from helm 4's (helm 3
reads every schema as draft-07 and asserts `format` in every draft); chartyard
follows helm 4. `UMBRELLA_CASES` are charts with subcharts (unpacked and `.tgz`,
aliased, disabled, nested, with globals). Remote `$ref` cases are not here: helm
fetches them, chartyard never does (see tests/profiles/schema/test_schema_check.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.charts import default_values

D4 = "http://json-schema.org/draft-04/schema#"
D6 = "http://json-schema.org/draft-06/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2019 = "https://json-schema.org/draft/2019-09/schema"
D2020 = "https://json-schema.org/draft/2020-12/schema"
DEPLOY_CHART = Path(__file__).parents[3] / "deploy" / "helm" / "chartyard"


@dataclass(frozen=True)
class Case:
    """One chart and values file; `helm3` is helm 3's verdict when it differs from helm 4's."""

    id: str
    schema: Any
    defaults: str
    values: str
    helm3: str | None = None  # "accept" | "reject"

    @property
    def schema_text(self) -> str:
        """Return the schema as the chart's values.schema.json holds it."""
        return self.schema if isinstance(self.schema, str) else json.dumps(self.schema, indent=1)


def _s(draft: str | None, **props: Any) -> dict[str, Any]:
    """Return an object schema with these properties (and `$schema` when given)."""
    out: dict[str, Any] = {"type": "object", "properties": props}
    if draft:
        out["$schema"] = draft
    return out


_HARNESS = _s(D7, replicaCount={"type": "integer", "minimum": 1},
              greeting={"type": "string"},
              image={"type": "object", "required": ["repository", "tag"],
                     "properties": {"repository": {"type": "string"},
                                    "tag": {"type": "string"}}})
_DEPLOY_SCHEMA = (DEPLOY_CHART / "values.schema.json").read_text()
_DEPLOY_VALUES = (DEPLOY_CHART / "values.yaml").read_text()
_ENUM = _s(D7, pullPolicy={"enum": ["Always", "IfNotPresent", "Never"]})
_CLOSED = {**_s(D7, a={"type": "string"}), "additionalProperties": False}
_ONE_OF = _s(D7, port={"oneOf": [{"type": "integer", "maximum": 65535},
                                 {"type": "string", "pattern": "^[0-9]+$"}]})
_ONE_OF_OVERLAP = _s(D7, v={"oneOf": [{"type": "number"}, {"type": "integer"}]})


def _fmt(draft: str | None, fmt: str) -> dict[str, Any]:
    return _s(draft, v={"type": "string", "format": fmt})


CASES: list[Case] = [
    # Charts the tests already build: the harness chart and chartyard's own chart.
    Case("harness-defaults", _HARNESS, default_values("web"), ""),
    Case("harness-tag-number", _HARNESS, default_values("web"), "image:\n  tag: 1.2\n"),
    Case("harness-tag-string", _HARNESS, default_values("web"), "image:\n  tag: '1.2'\n"),
    Case("harness-replicas-zero", _HARNESS, default_values("web"), "replicaCount: 0\n"),
    Case("harness-tag-deleted", _HARNESS, default_values("web"), "image:\n  tag: null\n"),
    Case("harness-two-errors", _HARNESS, default_values("web"),
         "replicaCount: two\nimage:\n  tag: 3\n"),
    Case("real-helm-object-schema",
         '{"$schema": "https://json-schema.org/draft-07/schema#", "type": "object"}\n',
         default_values("web"), "extra: [1, 2]\n"),
    Case("deploy-chart-defaults", _DEPLOY_SCHEMA, _DEPLOY_VALUES, ""),
    Case("deploy-chart-unknown-key", _DEPLOY_SCHEMA, _DEPLOY_VALUES, "replicas: 2\n"),
    Case("deploy-chart-bad-policy", _DEPLOY_SCHEMA, _DEPLOY_VALUES,
         "image:\n  pullPolicy: Sometimes\n"),
    Case("deploy-chart-workers", _DEPLOY_SCHEMA, _DEPLOY_VALUES, "apiWorkers: 65\n"),
    Case("deploy-chart-ok-override", _DEPLOY_SCHEMA, _DEPLOY_VALUES,
         "replicaCount: 2\nimage:\n  tag: v1\n"),
    # enum, required, additionalProperties: false
    Case("enum-ok", _ENUM, "pullPolicy: Always\n", ""),
    Case("enum-bad", _ENUM, "pullPolicy: Always\n", "pullPolicy: always\n"),
    Case("required-from-defaults", {**_s(D7), "required": ["a"]}, "a: 1\n", ""),
    Case("required-missing", {**_s(D7), "required": ["a"]}, "b: 1\n", ""),
    Case("required-deleted-by-null", {**_s(D7), "required": ["a"]}, "a: 1\n", "a: null\n"),
    Case("required-null-default-present", {**_s(D7), "required": ["a"]}, "a: null\n", ""),
    Case("closed-ok", _CLOSED, "a: x\n", ""),
    Case("closed-extra", _CLOSED, "a: x\n", "b: y\n"),
    Case("closed-nested-null-removed", _CLOSED, "a: x\n", "b: null\n"),
    # oneOf, anyOf, allOf, if/then/else, not
    Case("oneof-int", _ONE_OF, "port: 80\n", ""),
    Case("oneof-string", _ONE_OF, "port: 80\n", "port: '8080'\n"),
    Case("oneof-none", _ONE_OF, "port: 80\n", "port: http\n"),
    Case("oneof-two-match", _ONE_OF_OVERLAP, "v: 3\n", ""),
    Case("anyof-bad", _s(D7, v={"anyOf": [{"type": "boolean"}, {"type": "array"}]}), "v: x\n", ""),
    Case("allof-bad", _s(D7, v={"allOf": [{"type": "string"}, {"maxLength": 2}]}), "v: xyz\n", ""),
    Case("if-then", {**_s(D7), "if": {"properties": {"tls": {"const": True}}, "required": ["tls"]},
                     "then": {"required": ["cert"]}}, "tls: true\n", ""),
    Case("not-bad", _s(D7, v={"not": {"type": "string"}}), "v: x\n", ""),
    # formats: asserted up to draft-07, annotations from 2019-09 (helm 4)
    Case("format-ipv4-d7-bad", _fmt(D7, "ipv4"), "v: 1.2.3\n", ""),
    Case("format-ipv4-d7-ok", _fmt(D7, "ipv4"), "v: 10.0.0.1\n", ""),
    Case("format-ipv6-d7-bad", _fmt(D7, "ipv6"), "v: '1:2:3'\n", ""),
    Case("format-ipv6-d6-ok", _fmt(D6, "ipv6"), "v: '::1'\n", ""),
    Case("format-email-d7-bad", _fmt(D7, "email"), "v: nobody\n", ""),
    Case("format-date-time-d4-bad", _fmt(D4, "date-time"), "v: yesterday\n", ""),
    Case("format-date-time-d7-ok", _fmt(D7, "date-time"), "v: '2024-01-01T10:00:00Z'\n", ""),
    Case("format-ipv4-2020-not-asserted", _fmt(D2020, "ipv4"), "v: 1.2.3\n", "", helm3="reject"),
    Case("format-ipv4-2019-not-asserted", _fmt(D2019, "ipv4"), "v: 1.2.3\n", "", helm3="reject"),
    Case("format-ipv4-no-schema-not-asserted", _fmt(None, "ipv4"), "v: 1.2.3\n", "",
         helm3="reject"),
    # nulls
    Case("null-default-typed", _s(D7, a={"type": "string"}), "a: null\n", ""),
    Case("null-nested-new-key", _s(D7, b={"type": "object",
                                          "properties": {"c": {"type": "string"}}}),
         "a: 1\n", "b:\n  c: null\n"),
    Case("null-nested-in-defaults", _s(D7, a={"properties": {"b": {"type": "string"}}}),
         "a:\n  b: null\n", ""),
    Case("null-nested-override-deletes", _s(D7, a={"required": ["b"]}),
         "a:\n  b: x\n  c: y\n", "a:\n  b: null\n"),
    Case("null-allowed-type", _s(D7, a={"type": ["string", "null"]}), "a: null\n", ""),
    # integers vs numbers
    Case("int-whole-float", _s(D7, x={"type": "integer"}), "x: 1.0\n", ""),
    Case("int-whole-float-d4", _s(D4, x={"type": "integer"}), "x: 1.0\n", ""),
    Case("int-fraction", _s(D7, x={"type": "integer"}), "x: 1.5\n", ""),
    Case("int-exponent", _s(D7, x={"type": "integer"}), "", "x: 1e3\n"),
    Case("int-quoted", _s(D7, x={"type": "integer"}), "", "x: '1'\n"),
    Case("int-big-over-max", _s(D7, x={"type": "integer", "maximum": 100}), "",
         "x: 12345678901234567890\n"),
    Case("number-int-ok", _s(D7, x={"type": "number", "multipleOf": 0.5}), "x: 3\n", ""),
    Case("min-exclusive-d4", _s(D4, x={"type": "number", "minimum": 1,
                                       "exclusiveMinimum": True}), "x: 1\n", ""),
    Case("min-exclusive-d6", _s(D6, x={"type": "number", "exclusiveMinimum": 1}), "x: 2\n", ""),
    # YAML 1.1 as Go reads it
    Case("yaml-n-key-is-false", _s(D7, n={"type": "integer"}), "", "n: abc\n"),
    Case("yaml-y-value-bool", _s(D7, v={"type": "boolean"}), "v: y\n", ""),
    Case("yaml-yes-value-bool", _s(D7, v={"type": "boolean"}), "v: yes\n", ""),
    Case("yaml-date-is-string", _s(D7, d={"type": "string"}), "d: 2024-01-01\n", ""),
    # merging: lists replaced, maps over scalars and back
    Case("list-replaced", _s(D7, l={"type": "array", "maxItems": 1}), "l: [1, 2]\n", "l: [3]\n"),
    Case("list-items-bad", _s(D7, l={"type": "array", "items": {"type": "string"}}),
         "l: [a]\n", "l: [a, 2]\n"),
    Case("map-over-scalar", _s(D7, a={"type": "integer"}), "a: 1\n", "a:\n  b: 1\n"),
    Case("scalar-over-map", _s(D7, a={"type": "object"}), "a:\n  b: 1\n", "a: 1\n"),
    # strings, patterns and keys
    Case("pattern-bad", _s(D7, v={"type": "string", "pattern": "^v[0-9]+$"}), "v: 1\n", ""),
    Case("min-length-bad", _s(D7, v={"type": "string", "minLength": 3}), "v: ab\n", ""),
    Case("pattern-properties-bad", {**_s(D7), "patternProperties": {"^x-": {"type": "string"}}},
         "x-a: 1\n", ""),
    Case("property-names-bad", {**_s(D7), "propertyNames": {"pattern": "^[a-z]+$"}},
         "Abc: 1\n", ""),
    Case("const-ok", _s(D6, v={"const": "on-prem"}), "v: on-prem\n", ""),
    # references and drafts
    Case("ref-definitions", {**_s(D7, a={"$ref": "#/definitions/s"}),
                             "definitions": {"s": {"type": "string"}}}, "a: 1\n", ""),
    Case("ref-defs-2020", {**_s(D2020, a={"$ref": "#/$defs/s"}),
                           "$defs": {"s": {"type": "string"}}}, "a: x\n", ""),
    Case("prefix-items-no-schema", _s(None, a={"prefixItems": [{"type": "string"}]}),
         "a: [1, x]\n", "", helm3="accept"),
    Case("dependent-required-2019", {**_s(D2019), "dependentRequired": {"a": ["b"]}},
         "a: 1\n", "", helm3="accept"),
    Case("unevaluated-properties-2020", {**_s(D2020, a={"type": "integer"}),
                                         "unevaluatedProperties": False},
         "a: 1\nb: 2\n", "", helm3="accept"),
    Case("unknown-draft", {"$schema": "http://example.invalid/schema", "type": "object"},
         "a: 1\n", "", helm3="accept"),
]


# ------------------------------------------------------------------ umbrella charts


@dataclass(frozen=True)
class Sub:
    """A subchart under `charts/`: unpacked (`charts/<name>/`) or packaged (`.tgz`)."""

    name: str
    schema: Any = None
    defaults: str = ""
    packed: bool = False
    deps: tuple[dict[str, Any], ...] | None = None  # its Chart.yaml `dependencies`
    charts: tuple[Sub, ...] = ()


@dataclass(frozen=True)
class UmbrellaCase:
    """A parent chart with subcharts and a user values file (`helm3` as in `Case`)."""

    id: str
    values: str
    charts: tuple[Sub, ...]
    deps: tuple[dict[str, Any], ...] | None = None  # the parent's Chart.yaml `dependencies`
    schema: Any = None
    defaults: str = ""
    helm3: str | None = None


def _dep(name: str, **extra: Any) -> dict[str, Any]:
    """Return a Chart.yaml dependency on a local subchart of version 1.0.0."""
    return {"name": name, "version": "1.0.0", **extra}


_TAG = _s(D7, image={"type": "object", "properties": {"tag": {"type": "string"}}})
_PORT = {**_s(D7, port={"type": "integer"}), "required": ["port"]}
_REGION = _s(D7, **{"global": {"type": "object", "properties": {"region": {"type": "string"}}}})
_SUB = Sub("sub", _TAG, "image:\n  tag: stable\n")
_WEB = Sub("web", _PORT, "enabled: true\nport: 80\n")

UMBRELLA_CASES: list[UmbrellaCase] = [
    UmbrellaCase("sub-values-ok", "sub:\n  image:\n    tag: v2\n", (_SUB,)),
    UmbrellaCase("sub-values-break-sub-schema", "sub:\n  image:\n    tag: 2\n", (_SUB,)),
    UmbrellaCase("sub-listed-in-dependencies", "sub:\n  image:\n    tag: 2\n", (_SUB,),
                 deps=(_dep("sub"),)),
    UmbrellaCase("sub-default-breaks-own-schema", "", (Sub("web", _PORT, "port: http\n"),)),
    UmbrellaCase("sub-default-fixed-by-parent-default", "", (Sub("web", _PORT, "port: http\n"),),
                 defaults="web:\n  port: 8080\n"),
    UmbrellaCase("sub-default-fixed-by-values", "web:\n  port: 8080\n",
                 (Sub("web", _PORT, "port: http\n"),)),
    UmbrellaCase("sub-required-deleted-by-null", "web:\n  port: null\n", (_WEB,)),
    UmbrellaCase("sub-values-untouched-defaults-ok", "other: 1\n", (_WEB,)),
    UmbrellaCase("parent-schema-sees-sub-defaults", "",
                 (Sub("web", None, "port: 80\n"),),
                 schema=_s(D7, web={"type": "object",
                                    "properties": {"port": {"type": "string"}}})),
    UmbrellaCase("parent-and-sub-both-broken", "replicaCount: x\nweb:\n  port: x\n", (_WEB,),
                 schema=_s(D7, replicaCount={"type": "integer"})),
    # aliases
    UmbrellaCase("alias-values-break-schema", "db:\n  image:\n    tag: 2\n", (_SUB,),
                 deps=(_dep("sub", alias="db"),)),
    UmbrellaCase("alias-old-name-not-checked", "sub:\n  image:\n    tag: 2\n", (_SUB,),
                 deps=(_dep("sub", alias="db"),)),
    UmbrellaCase("alias-twice-second-broken", "one:\n  port: 1\ntwo:\n  port: x\n", (_WEB,),
                 deps=(_dep("web", alias="one"), _dep("web", alias="two"))),
    # disabled dependencies
    UmbrellaCase("condition-false-not-checked", "web:\n  enabled: false\n  port: x\n", (_WEB,),
                 deps=(_dep("web", condition="web.enabled"),)),
    UmbrellaCase("condition-true-checked", "web:\n  enabled: true\n  port: x\n", (_WEB,),
                 deps=(_dep("web", condition="web.enabled"),)),
    UmbrellaCase("condition-false-by-sub-default", "web:\n  port: x\n",
                 (Sub("web", _PORT, "enabled: false\nport: 80\n"),),
                 deps=(_dep("web", condition="web.enabled"),)),
    UmbrellaCase("condition-missing-path-enabled", "web:\n  port: x\n", (_WEB,),
                 deps=(_dep("web", condition="nowhere.enabled"),)),
    UmbrellaCase("condition-second-path-decides", "feature: false\nweb:\n  port: x\n", (_WEB,),
                 deps=(_dep("web", condition="nowhere.enabled,feature"),)),
    UmbrellaCase("tags-false-not-checked", "tags:\n  front: false\nweb:\n  port: x\n", (_WEB,),
                 deps=(_dep("web", tags=["front"]),)),
    UmbrellaCase("tags-one-true-checked", "tags:\n  front: false\n  edge: true\nweb:\n  port: x\n",
                 (_WEB,), deps=(_dep("web", tags=["front", "edge"]),)),
    UmbrellaCase("condition-beats-tags", "tags:\n  front: false\nweb:\n  enabled: true\n"
                 "  port: x\n", (_WEB,),
                 deps=(_dep("web", condition="web.enabled", tags=["front"]),)),
    # globals
    UmbrellaCase("global-breaks-sub-schema", "global:\n  region: 5\n",
                 (Sub("sub", _REGION, ""),)),
    UmbrellaCase("global-ok", "global:\n  region: eu\n", (Sub("sub", _REGION, ""),)),
    UmbrellaCase("global-parent-default-beats-sub-global", "",
                 (Sub("sub", _REGION, "global:\n  region: 5\n"),),
                 defaults="global:\n  region: eu\n"),
    UmbrellaCase("global-sub-default-used", "", (Sub("sub", _REGION, "global:\n  region: 5\n"),)),
    UmbrellaCase("closed-sub-schema-gets-global", "",
                 (Sub("sub", {**_s(D7, a={"type": "string"}), "additionalProperties": False},
                      "a: x\n"),)),
    # packaged subcharts and nesting
    UmbrellaCase("packed-sub-broken", "sub:\n  image:\n    tag: 2\n",
                 (Sub("sub", _TAG, "image:\n  tag: stable\n", packed=True),)),
    UmbrellaCase("packed-sub-ok", "sub:\n  image:\n    tag: v1\n",
                 (Sub("sub", _TAG, "image:\n  tag: stable\n", packed=True),)),
    UmbrellaCase("nested-values-break-inner", "mid:\n  web:\n    port: x\n",
                 (Sub("mid", None, "", charts=(_WEB,)),)),
    UmbrellaCase("nested-packed-in-packed", "mid:\n  web:\n    port: x\n",
                 (Sub("mid", None, "", packed=True, charts=(Sub("web", _PORT, "port: 1\n",
                                                                packed=True),)),)),
    UmbrellaCase("nested-mid-default-fixes-inner", "",
                 (Sub("mid", None, "web:\n  port: 9\n",
                      charts=(Sub("web", _PORT, "port: x\n"),)),)),
    UmbrellaCase("nested-global-reaches-inner", "global:\n  region: 5\n",
                 (Sub("mid", None, "", charts=(Sub("leaf", _REGION, ""),)),)),
    # helm applies no condition below a chart whose Chart.yaml lists no dependencies
    UmbrellaCase("nested-condition-false", "mid:\n  web:\n    enabled: false\n    port: x\n",
                 (Sub("mid", None, "", deps=(_dep("web", condition="web.enabled"),),
                      charts=(_WEB,)),)),
    UmbrellaCase("nested-condition-false-parent-lists-mid",
                 "mid:\n  web:\n    enabled: false\n    port: x\n",
                 (Sub("mid", None, "", deps=(_dep("web", condition="web.enabled"),),
                      charts=(_WEB,)),), deps=(_dep("mid"),)),
    UmbrellaCase("nested-alias-parent-lists-mid", "mid:\n  w:\n    port: x\n",
                 (Sub("mid", None, "", deps=(_dep("web", alias="w"),), charts=(_WEB,)),),
                 deps=(_dep("mid"),)),
    UmbrellaCase("nested-alias-unlisted-mid", "mid:\n  w:\n    port: x\n",
                 (Sub("mid", None, "", deps=(_dep("web", alias="w"),), charts=(_WEB,)),)),
]

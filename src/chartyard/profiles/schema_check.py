"""Check a layer's merged values against its chart's `values.schema.json`, as helm does.

helm is the reference: values are merged as helm coalesces them (maps merged key
by key, `null` deletes a key, lists and scalars replaced), the merged tree is
validated against the schema, and every error is reported with the JSON pointer
of the offending value. The drafts helm 4 accepts are read from `$schema`
(draft-04, -06, -07, 2019-09, 2020-12; 2020-12 when `$schema` is absent, as helm 4).

Where helm departs from the JSON Schema specification, this module follows helm 4:
- `format` is asserted for draft-04, -06 and -07 and only annotates for 2019-09 and
  2020-12 (the specification makes it an annotation from 2019-09 on, and optional before);
- values are read as YAML 1.1 the way Go's YAML reader reads them: `y`/`n` are booleans
  and `1e3` is a number, and a whole number such as `1.0` is an integer in every draft;
- an unknown `$schema` makes the schema unusable (helm 4 fails to load it).

Subcharts are checked as helm checks them (`check_chart`): each kept subchart's own
schema validates its part of the coalesced values (its defaults, the parent's
`values[name]` and the globals; see `chart_tree`), and its errors carry pointers from
the top (`/mysub/image/tag`) and name the subchart. A part that is absent or null is
not checked (helm 4); a part that is not a map is an error.

Not supported: remote `$ref`: a reference outside the schema document is never
fetched; it stands for the empty schema (anything is valid there) and is listed
in `SchemaReport.unresolved`. What `chart_tree` does not support is not checked either.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

import jsonschema
import referencing
import referencing.exceptions
import yaml
from jsonschema.protocols import Validator
from referencing import Registry, Resource

from chartyard.limits import LimitExceeded, load_json_bounded, load_yaml_bounded
from chartyard.profiles.chart_tree import (
    ChartNode,
    Requirement,
    ValuesMismatch,
    coalesce,
    merge_values,
    resolve,
)

__all__ = [
    "ChartNode",
    "SchemaError",
    "SchemaReport",
    "SchemaUnusable",
    "as_json",
    "check",
    "check_chart",
    "check_layer",
    "has_schemas",
    "hint_schema",
    "load_chart_tree",
    "load_helm_yaml",
    "load_schema",
    "merge_values",
    "pointer",
]

MAX_SCHEMA_BYTES = 1024 * 1024
MAX_SCHEMA_DEPTH = 64
MAX_ERRORS = 200

_DRAFTS: dict[str, type[Validator]] = {
    "draft-04": jsonschema.Draft4Validator,
    "draft-06": jsonschema.Draft6Validator,
    "draft-07": jsonschema.Draft7Validator,
    "2019-09": jsonschema.Draft201909Validator,
    "2020-12": jsonschema.Draft202012Validator,
}
DEFAULT_DRAFT: type[Validator] = jsonschema.Draft202012Validator
_ASSERTS_FORMAT = (jsonschema.Draft4Validator, jsonschema.Draft6Validator,
                   jsonschema.Draft7Validator)
FORMAT_CHECKER = jsonschema.FormatChecker()
_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


_YamlBase: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


class HelmYamlLoader(_YamlBase):  # type: ignore[valid-type,misc]
    """Read YAML as Go's YAML 1.1 reader in helm does: `y`/`n` booleans, `1e3` a number."""

    bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}


HelmYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
HelmYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_helm_yaml(text: str) -> dict[str, Any]:
    """Return YAML values as helm reads them (a mapping; empty text is `{}`).

    The text is first parsed under `load_yaml_bounded`'s limits (which raise
    `LimitExceeded` or `yaml.YAMLError`).
    """
    load_yaml_bounded(text)
    loaded = yaml.load(text, Loader=HelmYamlLoader)  # noqa: S506 - a SafeLoader subclass
    return loaded if isinstance(loaded, dict) else {}


class SchemaUnusable(ValueError):
    """Report a `values.schema.json` that cannot be used: not JSON, too big, or invalid."""


@dataclass(frozen=True)
class SchemaError:
    """One violation: the JSON pointer of the value and what is wrong with it."""

    pointer: str
    message: str


@dataclass
class SchemaReport:
    """The errors of one check, and the remote references that were not followed."""

    errors: list[SchemaError] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    values: Any = None  # the coalesced values that were checked (JSON types)


def as_json(value: Any) -> Any:
    """Return YAML-loaded values as helm sees them in JSON: keys and timestamps as strings."""
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON has one number type: 1.0 is the integer 1
    return value


def load_schema(text: str) -> Any:
    """Parse a `values.schema.json` under the size and depth caps, or raise `SchemaUnusable`."""
    try:
        schema = load_json_bounded(text.encode(), max_bytes=MAX_SCHEMA_BYTES,
                                   max_depth=MAX_SCHEMA_DEPTH)
    except LimitExceeded as exc:
        raise SchemaUnusable(f"values.schema.json is not checked: {exc}") from exc
    except ValueError as exc:
        raise SchemaUnusable(f"values.schema.json is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict | bool):
        raise SchemaUnusable("values.schema.json must be a JSON object")
    return schema


def validator_class(schema: Any) -> type[Validator]:
    """Return the validator of the draft named by `$schema` (2020-12 when absent)."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if uri is None:
        return DEFAULT_DRAFT
    for marker, cls in _DRAFTS.items():
        if isinstance(uri, str) and marker in uri:
            return cls
    raise SchemaUnusable(f"values.schema.json names the unknown draft $schema {uri!r}; "
                         "helm knows draft-04, -06, -07, 2019-09 and 2020-12")


def _refuse_remote(uri: str) -> Resource[Any]:
    """Refuse every retrieval: no `$ref` is ever fetched from the network or the disk."""
    raise referencing.exceptions.NoSuchResource(uri)


def _local_ids(node: Any) -> set[str]:
    ids: set[str] = set()
    for item in _walk(node):
        if isinstance(item, dict):
            for key in ("$id", "id", "$anchor"):
                value = item.get(key)
                if isinstance(value, str):
                    ids.add(urldefrag(value)[0])
    return ids


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def without_remote_refs(schema: Any) -> tuple[Any, list[str]]:
    """Return a copy of `schema` whose references outside the document are removed.

    A removed reference validates anything (the empty schema), so the rest of the
    schema still applies. Returns the copy and the references removed.
    """
    local = _local_ids(schema) - {""}
    removed: list[str] = []

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in _REF_KEYS and isinstance(value, str):
                    base = urldefrag(value)[0]
                    if base and base not in local:
                        removed.append(value)
                        continue
                out[key] = strip(value)
            return out
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(schema), removed


def pointer(path: Any) -> str:
    """Return the RFC 6901 JSON pointer of a path of keys and indexes (`/image/tag`)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def check(schema: Any, values: Any) -> SchemaReport:
    """Validate `values` against a parsed schema and return every error, sorted by pointer."""
    cls = validator_class(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = pointer(exc.absolute_path)
        raise SchemaUnusable(f"values.schema.json is not a valid schema at "
                             f"'{where or '/'}': {exc.message}") from exc
    local, unresolved = without_remote_refs(schema)
    registry: Registry[Any] = Registry(retrieve=_refuse_remote)  # type: ignore[call-arg]
    checker = FORMAT_CHECKER if cls in _ASSERTS_FORMAT else None
    validator = cls(local, registry=registry, format_checker=checker)
    report = SchemaReport(unresolved=unresolved)
    try:
        for error in validator.iter_errors(as_json(values)):
            report.errors.append(SchemaError(pointer(error.absolute_path), describe(error)))
            if len(report.errors) >= MAX_ERRORS:
                break
    except referencing.exceptions.Unresolvable as exc:
        raise SchemaUnusable(f"values.schema.json has a $ref that cannot be resolved "
                             f"inside the document: {exc}") from exc
    report.errors.sort(key=lambda e: (e.pointer, e.message))
    return report


def describe(error: jsonschema.ValidationError) -> str:
    """Return a short message for a validation error, helm-like (`expected string`)."""
    kind, expected = error.validator, error.validator_value
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {wanted}, got {_json_type(error.instance)}"
    if kind == "required" and isinstance(expected, list):
        return str(error.message).replace("is a required property", "is required")
    if kind == "enum" and isinstance(expected, list):
        return f"value must be one of {json.dumps(expected)}, got {json.dumps(error.instance)}"
    if kind == "const":
        return f"value must be {json.dumps(expected)}"
    return str(error.message)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_layer(schema_text: str, defaults_text: str, values_text: str) -> SchemaReport:
    """Check a layer as `helm template -f values` would: chart defaults merged with values.

    Subcharts are not known here (see `check_chart`). Raises `SchemaUnusable` when the
    schema cannot be used, and what `load_helm_yaml` raises when a text is not YAML.
    """
    tree = load_chart_tree(schema_text, defaults_text, None)
    return check_chart(tree, load_helm_yaml(values_text))


def load_chart_tree(schema_text: str | None, defaults_text: str | None,
                    subcharts_json: str | None) -> ChartNode:
    """Return a chart and its subcharts, parsed, from the cached chart contents.

    `subcharts_json` is the tree `catalog.contents` stores (None: no subcharts known).
    Raises `SchemaUnusable` when the subcharts could not be read or a subchart's
    Chart.yaml or values.yaml is not YAML, and what `load_helm_yaml` raises for the
    chart's own values.yaml.
    """
    defaults = load_helm_yaml(defaults_text or "")
    if not subcharts_json:
        return ChartNode("", defaults, schema_text or None)
    try:
        tree = json.loads(subcharts_json)
    except ValueError as exc:
        raise SchemaUnusable(f"subcharts are not checked: the stored tree is not JSON: {exc}"
                             ) from exc
    if tree.get("error"):
        raise SchemaUnusable(f"subcharts are not checked: {tree['error']}")
    name, requirements = _chart_yaml(tree.get("chart_yaml"), "the chart")
    return ChartNode(name, defaults, schema_text or None, requirements,
                     tuple(_subchart(c, ()) for c in tree.get("charts", [])))


def _subchart(raw: dict[str, Any], parents: tuple[str, ...]) -> ChartNode:
    """Return one stored subchart as a `ChartNode` (a chart with no name is skipped by helm)."""
    name, requirements = _chart_yaml(raw.get("chart_yaml"), "/".join((*parents, "subchart")))
    label = "/".join((*parents, name))
    try:
        defaults = load_helm_yaml(raw.get("values_yaml") or "")
    except (yaml.YAMLError, LimitExceeded) as exc:
        raise SchemaUnusable(f"subchart {label}'s values.yaml is not valid YAML: {exc}") from exc
    return ChartNode(name, defaults, raw.get("values_schema") or None, requirements,
                     tuple(_subchart(c, (*parents, name)) for c in raw.get("charts", [])))


def _chart_yaml(text: str | None, label: str) -> tuple[str, tuple[Requirement, ...] | None]:
    """Return a Chart.yaml's name and dependencies (None when it lists none)."""
    try:
        meta = load_helm_yaml(text or "")
    except (yaml.YAMLError, LimitExceeded) as exc:
        raise SchemaUnusable(f"{label}'s Chart.yaml is not valid YAML: {exc}") from exc
    deps = meta.get("dependencies")
    if not isinstance(deps, list):
        return str(meta.get("name") or ""), None
    reqs = tuple(Requirement(str(d["name"]),
                             str(d["alias"]) if d.get("alias") else None,
                             str(d.get("condition") or ""),
                             tuple(str(t) for t in d.get("tags") or () if t is not None))
                 for d in deps if isinstance(d, dict) and d.get("name"))
    return str(meta.get("name") or ""), reqs


def has_schemas(schema_text: str | None, subcharts_json: str | None) -> bool:
    """Tell whether there is anything to check: a schema here or in a subchart, or a tree
    that could not be read (which `load_chart_tree` reports)."""
    if schema_text:
        return True
    try:
        tree = json.loads(subcharts_json or "null")
    except ValueError:
        return True
    if not isinstance(tree, dict):
        return False
    if tree.get("error"):
        return True
    stack = list(tree.get("charts") or [])
    while stack:
        node = stack.pop()
        if node.get("values_schema"):
            return True
        stack += node.get("charts") or []
    return False


def check_chart(tree: ChartNode, values: Mapping[str, Any]) -> SchemaReport:
    """Check the user's values against a chart's schema and its subcharts' schemas, as helm.

    The values are coalesced with every kept subchart (`chart_tree`); each schema
    sees its chart's part, and its errors are reported with pointers from the top
    and, for a subchart, its name (`subchart mysub: expected string, got integer`).
    Raises `SchemaUnusable` when a schema cannot be used.
    """
    try:
        kept = resolve(tree, values)
        merged = as_json(coalesce(kept, values))
    except ValuesMismatch as exc:
        return SchemaReport([SchemaError(pointer(exc.path), str(exc))])
    report = SchemaReport(values=merged)
    _check_node(kept, merged, (), report)
    report.errors.sort(key=lambda e: (e.pointer, e.message))
    return report


def _check_node(node: ChartNode, values: Any, path: tuple[str, ...],
                report: SchemaReport) -> None:
    label = "/".join(path)
    if node.schema_text:
        try:
            found = check(load_schema(node.schema_text), values)
        except SchemaUnusable as exc:
            if not path:
                raise
            raise SchemaUnusable(f"subchart {label}: {exc}") from exc
        report.unresolved += found.unresolved
        prefix = pointer(path) if path else ""
        for err in found.errors:
            message = f"subchart {label}: {err.message}" if path else err.message
            report.errors.append(SchemaError(prefix + err.pointer, message))
    for child in node.charts:
        part = values.get(child.name) if isinstance(values, dict) else None
        if part is None:
            continue  # helm 4: no values for this subchart, nothing to check
        if not isinstance(part, dict):
            report.errors.append(SchemaError(
                pointer((*path, child.name)),
                f"subchart {'/'.join((*path, child.name))}: expected object, "
                f"got {_json_type(part)}"))
            continue
        _check_node(child, part, (*path, child.name), report)


def hint_schema(tree: ChartNode, values: Mapping[str, Any]) -> Any:
    """Return one schema for the values editor's hints: the chart's, with each kept
    subchart's schema under its name (or alias) where the chart's does not describe it.

    For hints only (descriptions, defaults, key completion): a schema that cannot be
    used stands for no hints, and values helm would refuse leave the tree as it is.
    """
    try:
        kept = resolve(tree, values)
    except ValuesMismatch:
        kept = tree
    return _hints(kept)


def _hints(node: ChartNode) -> dict[str, Any]:
    schema: Any = {}
    if node.schema_text:
        try:
            schema = load_schema(node.schema_text)
        except SchemaUnusable:
            schema = {}
    if not isinstance(schema, dict):
        schema = {}
    properties = dict(schema.get("properties") or {})
    for child in node.charts:
        sub = _hints(child)
        if child.name not in properties and sub:
            properties[child.name] = sub
    return {**schema, "properties": properties} if properties else schema

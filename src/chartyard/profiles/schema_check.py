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

Not supported: subcharts' own schemas (a chart archive is read for its top-level
files only) and remote `$ref`: a reference outside the schema document is never
fetched; it stands for the empty schema (anything is valid there) and is listed
in `SchemaReport.unresolved`.
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


def merge_values(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return `overrides` coalesced onto `defaults` as helm does.

    Maps are merged key by key, a `null` override deletes the key the defaults have,
    anything else (lists included) replaces the default. Nulls in the chart's defaults,
    and nulls for keys the defaults do not have, stay (helm validates them).
    """
    out: dict[str, Any] = dict(defaults)
    for key, value in overrides.items():
        if value is None and key in out:
            del out[key]
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_values(out[key], value)
        else:
            out[key] = value
    return out


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

    Raises `SchemaUnusable` when the schema cannot be used, and what `load_helm_yaml`
    raises when a text is not YAML.
    """
    schema = load_schema(schema_text)
    merged = merge_values(load_helm_yaml(defaults_text), load_helm_yaml(values_text))
    return check(schema, merged)

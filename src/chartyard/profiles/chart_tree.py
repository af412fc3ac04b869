"""Coalesce a chart's values with its subcharts' as helm does, on already-parsed data.

helm (3 and 4) renders an umbrella chart in two steps that matter to schemas:
1. **Dependencies.** The parent's Chart.yaml `dependencies` pick the charts under
   `charts/`: a dependency with an `alias` renames its chart, and one disabled by its
   `condition` (the first path that holds a boolean, in the parent's coalesced values)
   or by its `tags` (all named tags false in the top-level `tags`) is dropped, with
   its own subcharts. A chart under `charts/` that no dependency names is kept.
   A Chart.yaml without `dependencies` stops this: below it, nothing is renamed or
   dropped (helm returns early there).
2. **Coalescing.** The user's values are merged over the parent's defaults, then
   each subchart's part (`values[name]`, created empty when absent) is given the
   parent's `global` (the parent's keys win) and merged over the subchart's own
   defaults, and so on down.

The schema of each chart then sees its own part of the coalesced tree: see
`schema_check.check_chart`.

Not supported: `import-values` (values a parent imports from a subchart are not
copied up), and a dependency's `version` range is not compared with the chart's
version (helm keeps a chart whose version is out of range under its own name).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

GLOBAL_KEY = "global"


@dataclass(frozen=True)
class Requirement:
    """One entry of a Chart.yaml's `dependencies`."""

    name: str
    alias: str | None = None
    condition: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartNode:
    """A chart: its name, defaults, schema text, Chart.yaml dependencies and charts/ content.

    `requirements` is None when the Chart.yaml has no `dependencies` (then every chart
    under `charts/` is kept as it is).
    """

    name: str
    defaults: dict[str, Any]
    schema_text: str | None = None
    requirements: tuple[Requirement, ...] | None = None
    charts: tuple[ChartNode, ...] = field(default_factory=tuple)


class ValuesMismatch(ValueError):
    """Report values helm refuses while coalescing (a subchart's part is not a map)."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


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


def _merge_keeping_nulls(defaults: Mapping[str, Any], overrides: Mapping[str, Any]
                         ) -> dict[str, Any]:
    """Return `overrides` over `defaults` with nulls kept (a subchart's defaults decide)."""
    out: dict[str, Any] = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge_keeping_nulls(out[key], value)
        else:
            out[key] = value
    return out


def _coalesce_own(node: ChartNode, dest: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `dest` over the chart's defaults; a subchart's part keeps its nulls for later."""
    children = {c.name for c in node.charts}
    out = merge_values(node.defaults, {k: v for k, v in dest.items() if k not in children})
    for key in children & dest.keys():
        value, default = dest[key], node.defaults.get(key)
        if value is None and key in node.defaults:
            del out[key]
        elif isinstance(value, Mapping) and isinstance(default, Mapping):
            out[key] = _merge_keeping_nulls(default, value)
        else:
            out[key] = value
    return out


def _with_globals(sub: dict[str, Any], parent: Mapping[str, Any]) -> None:
    """Give a subchart's part the parent's `global`, the parent's keys winning."""
    own, given = sub.get(GLOBAL_KEY, {}), parent.get(GLOBAL_KEY, {})
    if not isinstance(own, Mapping) or not isinstance(given, Mapping):
        return  # helm warns and leaves the globals as they are
    merged = dict(own)
    for key, value in given.items():
        if isinstance(value, Mapping):
            if key not in merged:
                merged[key] = dict(value)
            elif isinstance(merged[key], Mapping):
                merged[key] = _merge_keeping_nulls(merged[key], value)
        elif not isinstance(merged.get(key), Mapping):
            merged[key] = value
    sub[GLOBAL_KEY] = merged


def coalesce(node: ChartNode, values: Mapping[str, Any],
             path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the chart's values as helm coalesces them with its (kept) subcharts'.

    Raises `ValuesMismatch` where a subchart's part is not a map, as helm refuses it.
    """
    out = _coalesce_own(node, copy.deepcopy(dict(values)))
    for child in node.charts:
        part = out.get(child.name, {})
        if not isinstance(part, Mapping):
            raise ValuesMismatch((*path, child.name),
                                 f"values for subchart {child.name} must be a map")
        sub = dict(part)
        _with_globals(sub, out)
        out[child.name] = coalesce(child, sub, (*path, child.name))
    return out


def _path_value(values: Mapping[str, Any], dotted: str) -> Any:
    """Return the value at a dotted path, or None when a step is missing."""
    node: Any = values
    for step in dotted.split("."):
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    return node


def _enabled(req: Requirement, scope: Mapping[str, Any], tags: Any) -> bool:
    """Return whether a dependency stays: its condition decides, else its tags."""
    enabled = True
    if isinstance(tags, Mapping):
        seen = [tags[t] for t in req.tags if isinstance(tags.get(t), bool)]
        enabled = True in seen or False not in seen
    for condition in req.condition.strip().split(","):
        value = _path_value(scope, condition) if condition else None
        if isinstance(value, bool):
            return value
    return enabled


def _pick(node: ChartNode) -> tuple[ChartNode, ...]:
    """Return the charts the dependencies name (renamed to their alias) and the others."""
    reqs = node.requirements or ()
    kept = [c for c in node.charts if not any(r.name == c.name for r in reqs)]
    for req in reqs:
        match = next((c for c in node.charts if c.name == req.name), None)
        if match is not None:
            kept.append(replace(match, name=req.alias or req.name))
    return tuple(kept)


def resolve(node: ChartNode, values: Mapping[str, Any]) -> ChartNode:
    """Return the chart with aliases applied and disabled dependencies removed, all the way down.

    `values` are the user's values for the top chart. Raises `ValuesMismatch` as
    `coalesce` does.
    """
    return _resolve(node, values, None, top=True)


def _resolve(node: ChartNode, values: Mapping[str, Any], tags: Any, *, top: bool) -> ChartNode:
    if node.requirements is None:
        return node  # helm stops here: deeper conditions and aliases are not applied
    picked = _pick(node)
    scope = coalesce(replace(node, charts=picked), values)
    if top:
        tags = scope.get("tags")
    wanted = {r.alias or r.name: _enabled(r, scope, tags) for r in node.requirements}
    picked = tuple(c for c in picked if wanted.get(c.name, True))
    return replace(node, charts=tuple(
        _resolve(c, scope.get(c.name) or {}, tags, top=False) for c in picked))

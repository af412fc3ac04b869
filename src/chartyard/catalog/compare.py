"""Compare two versions of a chart: changed Chart.yaml fields and a diff of default values.

Pure data handling over what the catalog and the chart layers hold; `compare_versions`
reads both versions through `CatalogService`, so the values are fetched once and cached.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.service import CatalogService, pack_values
from chartyard.context import AppContext
from chartyard.errors import InvalidInput
from chartyard.limits import LimitExceeded, load_yaml_bounded
from chartyard.store.models import ChartVersion
from chartyard.values import PACK_KEY, parse_values

FIELDS = ("appVersion", "kubeVersion", "type", "deprecated", "description")
MAX_DIFF_LINES = 5000


def _dependencies(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for dep in meta.get("dependencies") or []:
        if isinstance(dep, dict) and dep.get("name"):
            out[str(dep.get("alias") or dep["name"])] = dep
    return out


def chart_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the Chart.yaml fields that differ, dependencies one by one."""
    changes: list[dict[str, Any]] = []
    for field in FIELDS:
        if old.get(field) != new.get(field):
            changes.append({"field": field, "from": old.get(field), "to": new.get(field)})
    before, after = _dependencies(old), _dependencies(new)
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        changes.append({"field": f"dependencies.{name}", "from": _dep_text(a),
                        "to": _dep_text(b)})
    return changes


def _dep_text(dep: dict[str, Any] | None) -> str | None:
    if dep is None:
        return None
    text = f"{dep.get('name')} {dep.get('version') or ''}".strip()
    if dep.get("repository"):
        text += f" ({dep['repository']})"
    if dep.get("condition"):
        text += f" if {dep['condition']}"
    return text


def values_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """Return a unified diff of two values.yaml texts (empty when they are equal)."""
    lines = list(difflib.unified_diff(old.splitlines(keepends=True),
                                      new.splitlines(keepends=True),
                                      fromfile=old_label, tofile=new_label, n=3))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _defaults(text: str) -> dict[str, Any]:
    try:
        loaded = load_yaml_bounded(text) if text.strip() else {}
    except (yaml.YAMLError, LimitExceeded):  # the chart's own defaults are broken
        return {}
    return loaded if isinstance(loaded, dict) else {}


def missing_overrides(overrides: str, defaults: str) -> list[str]:
    """Return the dotted paths a profile sets that the new default values no longer have.

    The Palette `pack:` section is chartyard's own and never counted. A path is
    missing when a mapping key on its way does not exist in the defaults; lists and
    scalars are compared as leaves.
    """
    values = parse_values(overrides, "values")
    values.pop(PACK_KEY, None)
    out: list[str] = []
    _walk(values, _defaults(defaults), "", out)
    return out


def _walk(over: dict[str, Any], base: dict[str, Any], prefix: str, out: list[str]) -> None:
    for key, value in over.items():
        path = f"{prefix}{key}"
        if key not in base:
            out.append(path)
        elif isinstance(value, dict) and isinstance(base[key], dict) and base[key]:
            _walk(value, base[key], path + ".", out)


def _label(row: ChartVersion) -> str:
    return f"{row.name}-{row.version}/values.yaml"


async def compare_versions(ctx: AppContext, principal: Principal, from_uid: str,
                           to_uid: str) -> dict[str, Any]:
    """Return what changes from one catalog version of a chart to another.

    The versions are read in a short transaction; their values are read (and cached)
    with no transaction open.
    """
    def read(session: Session) -> tuple[ChartVersion, ChartVersion]:
        svc = CatalogService(ctx, session, principal)
        old, new = svc.version(from_uid), svc.version(to_uid)
        if (old.registry_uid, old.repository) != (new.registry_uid, new.repository):
            raise InvalidInput("to", "to: both versions must be of the same chart in the same "
                                     "registry")
        return old, new

    old, new = await ctx.run_transaction(read)
    old_values = await pack_values(ctx, principal, old.uid)
    new_values = await pack_values(ctx, principal, new.uid)
    return {
        "name": old.name, "registryUid": old.registry_uid, "repository": old.repository,
        "from": {"version": old.version, "packUid": old.uid, "digest": old.digest},
        "to": {"version": new.version, "packUid": new.uid, "digest": new.digest},
        "chartChanges": chart_changes(old.chart_metadata or {}, new.chart_metadata or {}),
        "valuesDiff": values_diff(old_values, new_values, _label(old), _label(new)),
        "newDefaults": new_values,
    }

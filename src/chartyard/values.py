"""Check a pack's values YAML and read its Palette `pack:` section.

Understood keys of the `pack:` section: `namespace` (the target namespace) and
`spectrocloud.com/install-priority` (an integer; lower installs first). Other
Palette keys (`releaseNameOverride`, `content`, ...) are kept in the stored text
but not interpreted, and the whole section is left out of exported values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from chartyard.errors import InvalidInput
from chartyard.limits import LimitExceeded, load_yaml_bounded, yaml_error_position

PACK_KEY = "pack"
NAMESPACE_KEY = "namespace"
PRIORITY_KEY = "spectrocloud.com/install-priority"
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_PRIORITY_RANGE = 1_000_000
# Palette's profile variables: `{{.spectro.var.NAME}}` in values.
REFERENCE = re.compile(r"\{\{\s*\.spectro\.var\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PLACEHOLDER = "__spectro_var_{}__"
_PLACEHOLDER = re.compile(r"__spectro_var_([A-Za-z_][A-Za-z0-9_]*?)__")


def references(text: str) -> list[str]:
    """Return the variable names a values text uses, in order of first use."""
    return list(dict.fromkeys(REFERENCE.findall(text or "")))


def mask(text: str) -> str:
    """Return the text with each reference replaced by a plain placeholder word."""
    return REFERENCE.sub(lambda m: PLACEHOLDER.format(m[1]), text)


def placeholders(value: str) -> list[str]:
    """Return the variable names whose placeholders a (masked) value holds."""
    return _PLACEHOLDER.findall(value)


def substitute(text: str, values: dict[str, str]) -> str:
    """Return the text with references to the given variables replaced by their values."""
    return REFERENCE.sub(lambda m: values.get(m[1], m[0]), text)



@dataclass(frozen=True)
class PackSection:
    """What the `pack:` section says about installing a pack."""

    namespace: str | None = None
    install_priority: int = 0


def parse_values(text: str, field: str) -> dict[str, Any]:
    """Return the values as a mapping, or raise `InvalidInput` with the line and column.

    `{{.spectro.var.NAME}}` references read as plain words (substitute them first to
    read the values a deployment gets).
    """
    if not text.strip():
        return {}
    try:
        loaded = load_yaml_bounded(mask(text))
    except LimitExceeded as exc:
        raise InvalidInput(field, f"{field}: {exc}", {"limit": exc.limit}) from exc
    except yaml.YAMLError as exc:
        position = yaml_error_position(exc)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if position is None:
            raise InvalidInput(field, f"{field} is not valid YAML: {problem}") from exc
        line, column = position
        raise InvalidInput(
            field, f"{field} is not valid YAML: {problem} at line {line}, column {column}",
            {"line": line, "column": column},
        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidInput(field, f"{field} must be a YAML mapping of chart values, "
                                  f"not a {type(loaded).__name__}")
    return loaded


def pack_section(values: dict[str, Any], field: str) -> PackSection:
    """Return the namespace and install priority from the `pack:` section, checked."""
    section = values.get(PACK_KEY)
    if section is None:
        return PackSection()
    if not isinstance(section, dict):
        raise InvalidInput(field, f"{field}: 'pack' must be a mapping such as "
                                  "'pack:\\n  namespace: monitoring'")
    namespace = section.get(NAMESPACE_KEY)
    if namespace is not None and (
            not isinstance(namespace, str) or not _NAMESPACE.match(namespace)):
        raise InvalidInput(
            field, f"{field}: pack.namespace {namespace!r} is not a Kubernetes namespace "
                   "name (lowercase letters, digits and '-', at most 63 characters)")
    return PackSection(namespace, _priority(section.get(PRIORITY_KEY), field))


def _priority(raw: Any, field: str) -> int:
    if raw is None:
        return 0
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"-?\d{1,7}", raw.strip()):
        value = int(raw.strip())
    if value is None or abs(value) > _PRIORITY_RANGE:
        raise InvalidInput(
            field, f"{field}: pack.{PRIORITY_KEY} must be an integer between "
                   f"-{_PRIORITY_RANGE} and {_PRIORITY_RANGE} (lower installs first), "
                   f"not {raw!r}")
    return value


def chart_values(values: dict[str, Any]) -> dict[str, Any]:
    """Return the values helm should see: everything but the `pack:` section."""
    return {k: v for k, v in values.items() if k != PACK_KEY}


def install_order(priorities: list[int]) -> list[int]:
    """Return layer indexes in install order: lower priority first, ties in layer order."""
    return sorted(range(len(priorities)), key=lambda i: (priorities[i], i))
